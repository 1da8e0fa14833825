from __future__ import annotations

import subprocess
from pathlib import Path

from phasec.compiler.pipeline import analyze


def diags(text: str, path: str = "t.phc", rules: bool = True):
    return analyze(text, path, rules=rules).diagnostics


def codes(text: str, **kw) -> list[str]:
    return [d.code for d in diags(text, **kw)]


def concise(ds) -> list[str]:
    return [f"{d.span.line}:{d.span.column} {d.code} {d.message}" for d in ds]


def git_env(home, path_prefix=None, **extra: str) -> dict[str, str]:
    """A clean, reproducible environment for git in tests: a private HOME, no system
    config, a fixed identity and locale; ``path_prefix`` (stand-in tools) goes first on PATH."""
    import os

    path = os.environ.get("PATH", "")
    return {
        "PATH": f"{path_prefix}{os.pathsep}{path}" if path_prefix else path,
        "HOME": str(home),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
        "LC_ALL": "C",
        **extra,
    }


class ScriptPhase:
    """What both end-to-end scenarios share (tests/test_scenario_*.py): git in the scratch
    repository, a script run that must succeed, and the `--dry-run` = real-run check.
    Subclasses set ``root``, ``env`` and ``tmp`` and define ``run(script, *args, trace=...)``."""

    root: Path
    env: dict[str, str]
    tmp: Path

    def run(self, script: str, *args: str, trace: Path | None = None, **kw) -> subprocess.CompletedProcess:
        raise NotImplementedError

    def git(self, *args: str, cwd: Path | None = None) -> str:
        r = subprocess.run(["git", *args], cwd=cwd or self.root, env=self.env, capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        return r.stdout.strip()

    def ok(self, script: str, *args: str, **kw) -> subprocess.CompletedProcess:
        r = self.run(script, *args, **kw)
        assert r.returncode == 0, f"{script} {args}:\n{r.stdout}\n{r.stderr}"
        return r

    def dry_vs_real(self, script: str, *args: str) -> subprocess.CompletedProcess:
        """Run with --dry-run, then for real with a trace: the same commands, in the same order."""
        dry = self.ok(script, "--dry-run", *args)
        planned = [line for line in dry.stdout.splitlines() if line.startswith("+ ")]
        trace = self.tmp / f"trace-{script}-{'-'.join(args)}.log"
        trace.unlink(missing_ok=True)
        real = self.ok(script, *args, trace=trace)
        done = trace.read_text(encoding="utf-8").splitlines() if trace.exists() else []
        assert planned == done, (planned, done)
        return real

    def branches(self) -> dict[str, str]:
        out = self.git("for-each-ref", "--format=%(refname:short) %(objectname)", "refs/heads/")
        return dict(line.split(" ", 1) for line in out.splitlines())
