"""`phasec compile` over several runbooks: each on its own into OUT/<stem>/, exit code decided at the end."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

GOOD = (
    'phase C "T" {\n  posture forward_only\n}\nslice C1 "x" {\n  objective "y"\n  owner @team\n  agent P1\n}\n'
    'owners {\n  owner @team "The team"\n}\nteam {\n  max_active 1\n  agent P1 "Does it"\n}\n'
)
BAD = GOOD.replace("owner @team\n  agent", "owner @nobody\n  agent")  # an unknown owner: an error


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "phasec", *args], capture_output=True, text=True, cwd=cwd)


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_several_files_each_into_its_own_folder_same_as_alone(tmp_path):
    (tmp_path / "a.phc").write_text(GOOD)
    (tmp_path / "b.phc").write_text(GOOD.replace("phase C", "phase D").replace("C1", "D1"))
    r = run("compile", "a.phc", "b.phc", "-o", "out", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["a", "b"]
    for stem in ("a", "b"):  # each compiles exactly as it would alone
        assert run("compile", f"{stem}.phc", "-o", f"alone-{stem}", cwd=tmp_path).returncode == 0
        assert tree(tmp_path / "out" / stem) == tree(tmp_path / f"alone-{stem}")
    assert "PHASE_D_EXECUTION_PACKET.md" in tree(tmp_path / "out" / "b")
    # --check per runbook: up to date, then one changed runbook is found
    assert run("compile", "a.phc", "b.phc", "-o", "out", "--check", cwd=tmp_path).returncode == 0
    (tmp_path / "b.phc").write_text(
        GOOD.replace("phase C", "phase D").replace("C1", "D1").replace('"Does it"', '"Does more"')
    )
    r = run("compile", "a.phc", "b.phc", "-o", "out", "--check", cwd=tmp_path)
    assert r.returncode == 1 and "Does more" in r.stdout and "out/b: differs" in r.stderr
    assert "out/a: up to date" in r.stderr


def test_one_runbook_keeps_the_flat_layout(tmp_path):
    (tmp_path / "a.phc").write_text(GOOD)
    assert run("compile", "a.phc", "-o", "out", cwd=tmp_path).returncode == 0
    assert (tmp_path / "out" / "manifest.json").is_file() and not (tmp_path / "out" / "a").exists()
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.phc").write_text(GOOD)  # a folder: OUT/<stem>/ whatever it holds
    assert run("compile", "src", "-o", "dir-out", cwd=tmp_path).returncode == 0
    assert (tmp_path / "dir-out" / "a" / "manifest.json").is_file()


def test_folder_expands_and_one_bad_file_does_not_stop_the_others(tmp_path):
    src = tmp_path / "src"
    (src / "deep").mkdir(parents=True)
    (src / "a.phc").write_text(GOOD)
    (src / "deep" / "z.phc").write_text(GOOD)
    (src / "bad.phc").write_bytes(b"\xff\xfe phase")
    (src / "err.phc").write_text(BAD)
    r = run("compile", "src", "-o", "out", cwd=tmp_path)
    assert r.returncode == 2  # an unreadable file wins over errors
    assert "src/bad.phc:1:1: PC008" in r.stdout  # findings on stdout
    assert "src/err.phc:" in r.stdout and "error" in r.stdout
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["a", "z"]  # nothing for bad or err
    r = run("compile", "src/a.phc", "src/err.phc", "-o", "out2", cwd=tmp_path)
    assert r.returncode == 1 and sorted(p.name for p in (tmp_path / "out2").iterdir()) == ["a"]
    r = run("compile", "src/a.phc", "missing.phc", "-o", "out3", cwd=tmp_path)
    assert r.returncode == 2 and "missing.phc" in r.stdout and "PC0" in r.stdout
    assert (tmp_path / "out3" / "a" / "manifest.json").is_file()


def test_usage_errors_before_anything_is_written(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.phc").write_text(GOOD)
    (tmp_path / "sub" / "a.phc").write_text(GOOD)
    (tmp_path / "b.phc").write_text(GOOD)
    r = run("compile", "a.phc", "sub/a.phc", "-o", "out", cwd=tmp_path)
    assert r.returncode == 2 and "a.phc and sub/a.phc" in r.stderr and not (tmp_path / "out").exists()
    for emit in ("ir", "workbreakdown"):
        r = run("compile", "a.phc", "b.phc", "--emit", emit, cwd=tmp_path)
        assert r.returncode == 2 and f"--emit {emit}" in r.stderr and "one runbook" in r.stderr and r.stdout == ""
    r = run("compile", "a.phc", "b.phc", cwd=tmp_path)
    assert r.returncode == 2 and "--out" in r.stderr
    assert "Traceback" not in r.stderr
    r = run("compile", "empty-dir-none", "-o", "out", cwd=tmp_path)  # a missing path alone: its PC finding
    assert r.returncode == 2 and not (tmp_path / "out").exists()


def test_in_process_internal_error_on_one_file_is_exit_3_and_others_compile(tmp_path, monkeypatch):
    from phasec.cli import main as cli_main

    (tmp_path / "a.phc").write_text(GOOD)
    (tmp_path / "boom.phc").write_text(GOOD)
    real = cli_main._compile_one

    def flaky(file, *args, **kwargs):
        if file.stem == "boom":
            raise RuntimeError("kaboom")
        return real(file, *args, **kwargs)

    monkeypatch.setattr(cli_main, "_compile_one", flaky)
    monkeypatch.chdir(tmp_path)
    r = CliRunner().invoke(cli_main.app, ["compile", "boom.phc", "a.phc", "-o", "out"])
    assert r.exit_code == 3, r.output
    assert "boom.phc:1:1: PC000 internal error: RuntimeError: kaboom" in r.stdout
    assert (tmp_path / "out" / "a" / "manifest.json").is_file() and not (tmp_path / "out" / "boom").exists()
