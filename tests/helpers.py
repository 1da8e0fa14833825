from __future__ import annotations

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
