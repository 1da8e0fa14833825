"""CLI inputs and remembered options: `lint` on folders and stdin, `compile --emit ci` remembered
in manifest.json, and the garbage-collector tuning only the console script does."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import EXAMPLES, FIXTURES, ROOT

GOOD = (
    'phase C "T" {\n  posture forward_only\n}\nslice C1 "x" {\n  objective "y"\n  owner @team\n  agent P1\n}\n'
    'owners {\n  owner @team "The team"\n}\nteam {\n  max_active 1\n  agent P1 "Does it"\n}\n'
)
BROKEN = (FIXTURES / "syntax" / "three_errors.phc").read_text(encoding="utf-8")


def run(*args: str, cwd: Path | None = None, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "phasec", *args], capture_output=True, text=True, cwd=cwd or ROOT, input=stdin
    )


def concise_files(stdout: str) -> list[str]:
    return [line.split(":", 1)[0] for line in stdout.splitlines() if line.strip()]


# -- lint: folders --------------------------------------------------------------------


def test_lint_a_folder_checks_every_phc_recursively_in_sorted_order(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "deep").mkdir(parents=True)
    (tmp_path / ".hidden").mkdir()
    (tmp_path / "b" / "z.phc").write_text(BROKEN)
    (tmp_path / "a" / "deep" / "y.phc").write_text(BROKEN)
    (tmp_path / "a" / "x.phc").write_text(GOOD)
    (tmp_path / ".hidden" / "h.phc").write_text(BROKEN)
    (tmp_path / "notes.txt").write_text("not a runbook")
    r = run("lint", "-f", "concise", str(tmp_path))
    assert r.returncode == 1, r.stderr
    files = concise_files(r.stdout)
    assert sorted(set(files)) == [str(tmp_path / "a" / "deep" / "y.phc"), str(tmp_path / "b" / "z.phc")]
    assert files == sorted(files) and len(files) == 6  # three errors each, in path order
    r = run("lint", str(tmp_path))
    assert "3 files checked" in r.stdout


def test_lint_examples_folder_like_fmt():
    r = run("lint", "examples/")
    assert r.returncode == 0, r.stderr
    assert f"{len(list(EXAMPLES.glob('*.phc')))} files checked" in r.stdout


def test_lint_a_folder_without_runbooks_is_a_usage_error(tmp_path):
    r = run("lint", str(tmp_path))
    assert r.returncode == 2 and "no .phc files found" in r.stderr


# -- lint: stdin ----------------------------------------------------------------------


def test_lint_stdin_reports_as_stdin_filename_and_uses_its_configuration(tmp_path):
    proj = tmp_path / "proj"
    proj.mkdir()
    (proj / "phasec.toml").write_text('select = ["PC0"]\n')  # syntax errors only
    warn_text = GOOD.replace("  agent P1\n}\n", "}\n", 1)  # PC602: slice without agent (a warning)
    r = run("lint", "-f", "concise", "-", cwd=tmp_path, stdin=warn_text)
    assert "<stdin>:" in r.stdout and "PC602" in r.stdout, r.stdout + r.stderr
    r = run("lint", "-f", "concise", "-", "--stdin-filename", "proj/runbook.phc", cwd=tmp_path, stdin=warn_text)
    assert r.returncode == 0 and r.stdout == "", r.stdout + r.stderr  # proj/phasec.toml applied
    r = run("lint", "-f", "concise", "-", "--stdin-filename", "proj/runbook.phc", cwd=tmp_path, stdin=BROKEN)
    assert r.returncode == 1
    assert concise_files(r.stdout) == ["proj/runbook.phc"] * 3
    assert "proj/runbook.phc:9:28: PC003" in r.stdout


def test_lint_stdin_refuses_fix_and_a_stray_stdin_filename(tmp_path):
    r = run("lint", "--fix", "-", stdin=GOOD)
    assert r.returncode == 2 and "cannot fix standard input" in r.stderr
    f = tmp_path / "ok.phc"
    f.write_text(GOOD)
    r = run("lint", str(f), "--stdin-filename", "x.phc")
    assert r.returncode == 2 and "--stdin-filename" in r.stderr


# -- compile: the emitted set is remembered ----------------------------------------------


def _workflow(out: Path) -> Path:
    return out / ".github" / "workflows" / "phase-c.yml"


def test_compile_remembers_emit_ci_until_an_explicit_emit(tmp_path):
    src = tmp_path / "phase-c.phc"
    shutil.copy(EXAMPLES / "phase-c.phc", src)
    out = tmp_path / "out"
    r = run("compile", "phase-c.phc", "-o", "out", "--emit", "ci", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert _workflow(out).is_file()
    assert json.loads((out / "manifest.json").read_text())["emit"] == ["ci"]
    first = _workflow(out).read_bytes()

    # a plain recompile keeps the workflow, and --check agrees
    r = run("compile", "phase-c.phc", "-o", "out", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "no longer generated" not in r.stderr
    assert _workflow(out).read_bytes() == first
    r = run("compile", "phase-c.phc", "-o", "out", "--check", cwd=tmp_path)
    assert r.returncode == 0 and r.stdout == "", r.stdout

    # an explicit --emit wins: `packet` is the packet without the extras (the workflow goes)
    r = run("compile", "phase-c.phc", "-o", "out", "--emit", "packet", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert not _workflow(out).exists()
    assert "emit" not in json.loads((out / "manifest.json").read_text())
    r = run("compile", "phase-c.phc", "-o", "out", cwd=tmp_path)
    assert not _workflow(out).exists()


def test_compile_check_with_explicit_emit_wins_over_the_recorded_set(tmp_path):
    out = tmp_path / "out"
    r = run("compile", "examples/phase-c.phc", "-o", str(out))  # recorded: no extras
    assert r.returncode == 0, r.stderr
    r = run("compile", "examples/phase-c.phc", "-o", str(out), "--check", "--emit", "ci")
    assert r.returncode == 1 and "b/.github/workflows/phase-c.yml" in r.stdout


def test_recorded_extras_reads_only_what_it_understands(tmp_path):
    from phasec.emitters.write import record_extras, recorded_extras

    assert recorded_extras(tmp_path) == frozenset()
    (tmp_path / "manifest.json").write_text("{not json")
    assert recorded_extras(tmp_path) == frozenset()
    (tmp_path / "manifest.json").write_text(json.dumps({"emit": "ci"}))
    assert recorded_extras(tmp_path) == frozenset()
    (tmp_path / "manifest.json").write_text(json.dumps({"emit": ["ci", 3]}))
    assert recorded_extras(tmp_path) == frozenset({"ci"})
    outputs = {"a.md": "x\n", "manifest.json": json.dumps({"files": []})}
    assert record_extras(outputs, frozenset()) is outputs
    assert json.loads(record_extras(outputs, frozenset({"ci"}))["manifest.json"]) == {"emit": ["ci"], "files": []}


# -- the garbage collector -----------------------------------------------------------------


def test_library_and_server_paths_leave_the_collector_alone(monkeypatch):
    import gc

    from phasec.compiler.pipeline import analyze
    from phasec.lsp.analysis import build_snapshot

    def refuse(*_a, **_k):
        raise AssertionError("library code changed the process' garbage collector")

    for name in ("disable", "enable", "set_threshold", "freeze"):
        monkeypatch.setattr(gc, name, refuse)
    text = (EXAMPLES / "phase-c.phc").read_text(encoding="utf-8")
    assert analyze(text, "examples/phase-c.phc").runbook is not None
    assert build_snapshot("file:///tmp/phase-c.phc", text, 1).result.runbook is not None


def test_only_the_console_script_raises_the_collector_thresholds():
    from phasec.cli.main import GC_THRESHOLDS

    code = (
        "import atexit, gc, sys\n"
        "atexit.register(lambda: print('thresholds', gc.get_threshold(), file=sys.stderr))\n"
        "sys.argv = ['phasec', *sys.argv[1:]]\n"
        "from phasec.cli.main import run\n"
        "run()\n"
    )
    r = subprocess.run([sys.executable, "-c", code, "rules"], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    assert f"thresholds {GC_THRESHOLDS}" in r.stderr
    # in-process (the typer app as a library, e.g. under a test runner): untouched
    import gc

    from typer.testing import CliRunner

    from phasec.cli.main import app

    before = gc.get_threshold()
    assert CliRunner().invoke(app, ["rules"]).exit_code == 0
    assert gc.get_threshold() == before


# -- docs/scripts.md tells the truth about file modes -----------------------------------------


def test_scripts_are_written_executable_as_docs_scripts_md_says(tmp_path):
    import re
    import stat

    doc = (ROOT / "docs" / "scripts.md").read_text(encoding="utf-8")
    assert "not marked executable" not in doc
    m = re.search(r"`\*\.sh` files get mode (0\d{3})\s+\(other outputs (0\d{3})\)", doc)
    assert m, "docs/scripts.md should state the modes the scripts are written with"
    sh_mode, other_mode = int(m.group(1), 8), int(m.group(2), 8)
    out = tmp_path / "out"
    old = os.umask(0o022)
    try:
        from phasec.emitters.write import write_outputs

        write_outputs(out, {"scripts/stack.sh": "#!/usr/bin/env bash\n", "A.md": "x\n"})
    finally:
        os.umask(old)
    assert stat.S_IMODE((out / "scripts" / "stack.sh").stat().st_mode) == sh_mode & ~0o022
    assert stat.S_IMODE((out / "A.md").stat().st_mode) == other_mode & ~0o022
    r = run("compile", "examples/phase-c.phc", "-o", str(tmp_path / "packet"))
    assert r.returncode == 0, r.stderr
    scripts = sorted((tmp_path / "packet" / "scripts").glob("*.sh"))
    assert scripts and all(os.access(p, os.X_OK) for p in scripts)
