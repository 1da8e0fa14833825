"""The command line: exit codes, output, nothing written on errors, no tracebacks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIXTURES, ROOT

GOOD = (
    'phase C "T" {\n  posture forward_only\n}\nslice C1 "x" {\n  objective "y"\n  owner @team\n  agent P1\n}\n'
    'owners {\n  owner @team "The team"\n}\nteam {\n  max_active 1\n  agent P1 "Does it"\n}\n'
)


def run(*args: str, cwd: Path | None = None, env=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "phasec", *args], capture_output=True, text=True, cwd=cwd or ROOT, env=env
    )


def test_version_and_help():
    from importlib.metadata import version

    from phasec import LANGUAGE_VERSION, __version__

    r = run("--version")
    assert r.returncode == 0 and r.stdout == f"phasec {__version__} (runbook language v{LANGUAGE_VERSION})\n"
    assert __version__ == version("phasec")  # the installed metadata: pyproject reads phasec.__version__
    r = run("--help")
    assert r.returncode == 0
    for cmd in ("lint", "compile"):
        assert cmd in r.stdout


def test_lint_clean_file_exits_0(tmp_path):
    f = tmp_path / "ok.phc"
    f.write_text(GOOD)
    r = run("lint", str(f))
    assert r.returncode == 0, r.stderr
    assert r.stdout == "1 file checked: no problems\n" and r.stderr == ""


def test_lint_warnings_only_exits_0(tmp_path):
    f = tmp_path / "warn.phc"
    f.write_text(GOOD.replace("  agent P1\n}", "}", 1))  # PC602 (warning): no agent
    r = run("lint", str(f))
    assert r.returncode == 0, r.stderr
    assert "PC602" in r.stdout and "0 errors, 2 warnings" in r.stdout and r.stderr == ""


def test_lint_errors_exit_1_with_compiler_style_messages():
    f = FIXTURES / "syntax" / "three_errors.phc"
    r = run("lint", str(f.relative_to(ROOT)))
    assert r.returncode == 1
    # findings on stdout (pipeable: `phasec lint x.phc | grep PC0`), nothing on stderr
    assert r.stderr == ""
    assert "tests/fixtures/syntax/three_errors.phc:6:1: PC001 a statement must start with a keyword" in r.stdout
    assert '6 | "C1" slice' in r.stdout  # the source line
    assert "  | ^^^^" in r.stdout  # the caret
    assert "= help:" in r.stdout


def test_lint_unreadable_or_missing_file_exits_2(tmp_path):
    r = run("lint", str(tmp_path / "missing.phc"))
    # an unreadable file is a finding (PC007/PC008) like any other: on stdout
    assert r.returncode == 2
    assert "no such file" in r.stdout and r.stderr == ""
    bad = tmp_path / "bin.phc"
    bad.write_bytes(b"\xff\xfe\x00bad")
    r = run("lint", str(bad))
    assert r.returncode == 2 and "not UTF-8" in r.stdout
    # a folder is searched for *.phc (tests/test_cli_inputs.py); here it finds the unreadable one
    r = run("lint", str(tmp_path))
    assert r.returncode == 2 and "bin.phc:1:1: PC008 not UTF-8" in r.stdout


def test_usage_error_exits_2():
    assert run("lint").returncode == 2
    assert run("no-such-command").returncode == 2


def test_concise_and_json_formats(tmp_path):
    import json

    f = FIXTURES / "syntax" / "unmatched_brace.phc"
    r = run("lint", "--format", "concise", str(f))
    assert r.returncode == 1
    assert r.stdout.strip().endswith("unmatched_brace.phc:4:1: PC005 unmatched `}`")
    r = run("lint", "--format", "json", str(f))
    data = json.loads(r.stdout)
    assert data["format_version"] == 1
    assert data["diagnostics"][0]["code"] == "PC005"
    assert data["diagnostics"][0]["span"]["line"] == 4


def test_compile_writes_workbreakdown(tmp_path):
    f = tmp_path / "ok.phc"
    f.write_text(GOOD)
    out = tmp_path / "out"
    r = run("compile", str(f), "-o", str(out))
    assert r.returncode == 0, r.stderr
    text = (out / "PHASE_C_WORKBREAKDOWN.yaml").read_text()
    assert "- id: C1" in text


def test_compile_with_errors_writes_nothing(tmp_path):
    out = tmp_path / "out"
    r = run("compile", str(FIXTURES / "syntax" / "three_errors.phc"), "-o", str(out))
    assert r.returncode == 1
    assert not out.exists()
    assert "PC001" in r.stdout and "not compiled" in r.stdout  # findings on stdout, as lint prints them
    assert r.stderr == ""


def test_compile_emit_ir_prints_json_with_spans(tmp_path):
    import json

    f = tmp_path / "ok.phc"
    f.write_text(GOOD)
    r = run("compile", str(f), "--emit", "ir")
    assert r.returncode == 0
    ir = json.loads(r.stdout)
    assert ir["slices"][0]["id"] == "C1"
    assert ir["slices"][0]["span"] == {"file": str(f), "line": 4, "column": 1, "end_line": 8, "end_column": 2}


def test_compile_check_mode(tmp_path):
    f = tmp_path / "ok.phc"
    f.write_text(GOOD)
    out = tmp_path / "out"
    assert run("compile", str(f), "-o", str(out)).returncode == 0
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}  # scripts/ is a folder
    r = run("compile", str(f), "-o", str(out), "--check")
    assert r.returncode == 0, r.stderr
    f.write_text(GOOD.replace('objective "y"', 'objective "new goal"'))
    r = run("compile", str(f), "-o", str(out), "--check")
    assert r.returncode == 1
    assert "-    objective: 'y'" in r.stdout and "+    objective: new goal" in r.stdout
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before  # --check wrote nothing


def test_compile_check_missing_folder_edited_file_and_ci_workflow(tmp_path):
    f = tmp_path / "ok.phc"
    f.write_text(GOOD)
    out = tmp_path / "out"
    # a folder that does not exist: every file differs, nothing is created
    r = run("compile", str(f), "-o", str(out), "--check")
    assert r.returncode == 1
    assert "--- /dev/null\n+++ b/PHASE_C_WORKBREAKDOWN.yaml\n" in r.stdout and "+++ b/manifest.json" in r.stdout
    assert not out.exists()
    assert run("compile", str(f), "-o", str(out), "--emit", "ci").returncode == 0
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert run("compile", str(f), "-o", str(out), "--emit", "ci", "--check").returncode == 0
    # a hand edit of a committed file is a difference (a unified diff, a/ b/ paths)
    wf = out / ".github" / "workflows" / "phase-c.yml"
    wf.write_text(wf.read_text().replace("runs-on: ubuntu-latest", "runs-on: macos-latest", 1))
    r = run("compile", str(f), "-o", str(out), "--emit", "ci", "--check")
    assert r.returncode == 1
    assert "--- a/.github/workflows/phase-c.yml\n+++ b/.github/workflows/phase-c.yml\n" in r.stdout
    assert "-    runs-on: macos-latest\n+    runs-on: ubuntu-latest\n" in r.stdout
    assert "differs from what" in r.stderr
    assert wf.read_text().count("macos-latest") == 1  # --check repaired nothing
    wf.write_bytes(before[wf])
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


def test_internal_error_is_reported_without_traceback_and_exits_3(tmp_path, monkeypatch, capsys):
    from phasec.cli import main as cli
    from phasec.compiler import pipeline

    f = tmp_path / "ok.phc"
    f.write_text(GOOD)

    def boom(*a, **k):
        raise RuntimeError("simulated failure")

    monkeypatch.setattr(pipeline, "analyze", boom)
    monkeypatch.setattr(sys, "argv", ["phasec", "lint", str(f)])
    with pytest.raises(SystemExit) as exc:
        cli.run()
    assert exc.value.code == 3
    cap = capsys.readouterr()
    # the failure is a PC000 finding on the file (stdout); stderr says it is phasec's bug
    assert "PC000" in cap.out and "RuntimeError: simulated failure" in cap.out
    assert "internal error" in cap.err
    assert "Traceback" not in cap.err + cap.out


def test_lint_path_does_not_import_jinja2_or_emitters(tmp_path):
    f = tmp_path / "ok.phc"
    f.write_text(GOOD)
    code = (
        "import sys\n"
        "from phasec.cli.main import run\n"
        f"sys.argv=['phasec','lint',{str(f)!r}]\n"
        "try:\n    run()\nexcept SystemExit:\n    pass\n"
        "bad=[m for m in sys.modules if m.startswith(('jinja2','phasec.emitters'))]\n"
        "print('BAD', bad)\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert "BAD []" in r.stdout, r.stdout + r.stderr
