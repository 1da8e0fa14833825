"""Output safety: names stay inside the output folder, failed writes keep the previous set,
concurrent compiles are serialised, and a killed compile leaves the old set or the new one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from conftest import EXAMPLES, ROOT

from phasec.compiler.pipeline import analyze
from phasec.emitters import EmitOptions, emit_all
from phasec.emitters.write import JOURNAL, OutputPathError, output_lock, recover, write_outputs


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def as_bytes(outputs: dict[str, str]) -> dict[str, bytes]:
    return {k: v.encode("utf-8") for k, v in outputs.items()}


def emitted(assume: dict | None = None) -> dict[str, str]:
    res = analyze((EXAMPLES / "phase-c.phc").read_text(encoding="utf-8"), "examples/phase-c.phc")
    return emit_all(res.runbook, EmitOptions(assume=assume or {}))


OLD = {"a.md": "old a\n", "scripts/s.sh": "old s\n", "sub/deep/c.md": "old c\n", "manifest.json": "{}\n"}
NEW = {"a.md": "new a\n", "scripts/s.sh": "new s\n", "sub/deep/c.md": "new c\n", "manifest.json": '{"v": 2}\n'}


def compile_cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "phasec", "compile", *args], capture_output=True, text=True, cwd=cwd)


# ─── names ─────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize("name", ["../x.md", "a/../../x.md", "/tmp/x.md", ""])
def test_names_that_leave_the_folder_are_refused_before_anything_is_written(tmp_path, name):
    out = tmp_path / "out"
    with pytest.raises(OutputPathError):
        write_outputs(out, {"a.md": "a\n", name: "x\n"})
    assert not (out / "a.md").exists() and not (tmp_path / "x.md").exists()


def test_a_linked_folder_inside_the_output_folder_is_not_written_through(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    (out / "scripts").symlink_to(outside, target_is_directory=True)
    with pytest.raises(OutputPathError, match="symbolic link"):
        write_outputs(out, {"a.md": "a\n", "scripts/s.sh": "evil\n"})
    assert list(outside.iterdir()) == [] and not (out / "a.md").exists()
    # and through the command: a clear error, exit 1
    r = compile_cli("examples/phase-c.phc", "-o", str(out))
    assert r.returncode == 1 and "symbolic link" in r.stderr and "Traceback" not in r.stderr
    assert list(outside.iterdir()) == []


def test_a_linked_file_inside_the_output_folder_is_not_written_through(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    out = tmp_path / "out"
    out.mkdir()
    (out / "a.md").symlink_to(victim)
    with pytest.raises(OutputPathError):
        write_outputs(out, {"a.md": "overwritten\n"})
    assert victim.read_text() == "precious\n"


# ─── failed writes ─────────────────────────────────────────────────────────────


def test_disk_full_on_the_third_file_leaves_the_previous_set_intact(tmp_path, monkeypatch):
    out = tmp_path / "out"
    write_outputs(out, OLD)
    real_fdopen = os.fdopen
    calls = []

    class Full:
        def __init__(self, fh):
            self.fh = fh

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.fh.close()
            return False

        def write(self, text):
            calls.append(text)
            if len(calls) == 3:
                self.fh.write(text[:2])
                raise OSError(28, "No space left on device")
            return self.fh.write(text)

        def flush(self):
            self.fh.flush()

        def fileno(self):
            return self.fh.fileno()

    monkeypatch.setattr(os, "fdopen", lambda fd, *a, **k: Full(real_fdopen(fd, *a, **k)))
    with pytest.raises(OSError, match="No space"):
        write_outputs(out, NEW)
    monkeypatch.undo()
    assert tree(out) == as_bytes(OLD)  # every file old: nothing was replaced, no temporary file left


def test_a_file_in_the_way_is_a_clear_error_and_the_previous_set_stays(tmp_path):
    out = tmp_path / "out"
    r = compile_cli("examples/phase-c.phc", "-o", str(out))
    assert r.returncode == 0, r.stderr
    before = tree(out)
    # a folder where an output file goes, and a file where an output folder goes
    (out / "PHASE_C_EXECUTION_PACKET.md").unlink()
    (out / "PHASE_C_EXECUTION_PACKET.md").mkdir()
    r = compile_cli("examples/phase-c.phc", "-o", str(out), "--assume", "C4=deferred")
    assert r.returncode == 2 and "phasec: error:" in r.stderr and "Traceback" not in r.stderr, r.stderr
    after = tree(out)
    assert after == {k: v for k, v in before.items() if k != "PHASE_C_EXECUTION_PACKET.md"}


def test_a_read_only_folder_is_a_clear_error(tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root writes into read-only folders; the file-in-the-way and disk-full tests cover the path")
    out = tmp_path / "out"
    assert compile_cli("examples/phase-c.phc", "-o", str(out)).returncode == 0
    before = tree(out)
    for d in [out, *[p for p in out.rglob("*") if p.is_dir()]]:
        d.chmod(0o555)
    try:
        r = compile_cli("examples/phase-c.phc", "-o", str(out), "--assume", "C4=deferred")
    finally:
        for d in [out, *[p for p in out.rglob("*") if p.is_dir()]]:
            d.chmod(0o755)
    assert r.returncode == 2 and "phasec: error:" in r.stderr
    assert tree(out) == before


# ─── killed mid-write ──────────────────────────────────────────────────────────

KILLER = textwrap.dedent(
    """
    import json, os, sys
    from pathlib import Path
    import phasec.emitters.write as w
    out, when, n = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    new = json.loads(sys.argv[4])
    count = [0]
    if when == "stage":
        real = w._stage
        def stage(*a, **k):
            count[0] += 1
            if count[0] == n:
                os._exit(9)  # killed: no cleanup of any kind
            return real(*a, **k)
        w._stage = stage
    else:
        real = os.replace
        def replace(src, dst, *a, **k):
            if not str(dst).endswith(w.JOURNAL):
                count[0] += 1
                if count[0] == n:
                    os._exit(9)
            return real(src, dst, *a, **k)
        os.replace = replace
    w.write_outputs(out, new)
    """
)


@pytest.mark.parametrize("when", ["stage", "rename"])
@pytest.mark.parametrize("n", [1, 2, 4])
def test_a_compile_killed_mid_write_leaves_the_old_set_or_the_new_one(tmp_path, when, n):
    out = tmp_path / "out"
    write_outputs(out, OLD)
    r = subprocess.run([sys.executable, "-c", KILLER, str(out), when, str(n), json.dumps(NEW)], cwd=ROOT)
    assert r.returncode == 9
    if when == "stage":
        # killed before anything was replaced: the old set, as it was (leftover temporary files aside)
        assert {k: v for k, v in tree(out).items() if ".phasec-" not in k} == as_bytes(OLD)
        recover(out)
        assert tree(out) == as_bytes(OLD)
    else:
        # killed between renames: the journal says how to finish; the next compile does it first
        assert (out / JOURNAL).is_file()
        recover(out)
        assert tree(out) == as_bytes(NEW)


def test_a_forged_journal_cannot_move_files_outside_the_folder(tmp_path):
    outside = tmp_path / "precious.txt"
    outside.write_text("keep\n")
    out = tmp_path / "out"
    write_outputs(out, OLD)
    (out / JOURNAL).write_text(
        json.dumps(
            {"replace": [[str(outside), "a.md"], ["a.md", str(outside)]], "remove": [str(outside), "../precious.txt"]}
        )
    )
    recover(out)
    assert outside.read_text() == "keep\n" and tree(out) == as_bytes(OLD)


def test_the_next_compile_finishes_a_killed_one_then_writes(tmp_path):
    out = tmp_path / "out"
    write_outputs(out, OLD)
    subprocess.run([sys.executable, "-c", KILLER, str(out), "rename", "2", json.dumps(NEW)], cwd=ROOT)
    third = {**NEW, "a.md": "third a\n"}
    write_outputs(out, third)
    assert tree(out) == as_bytes(third)


# ─── concurrent compiles ───────────────────────────────────────────────────────


def test_a_second_compile_waits_for_the_lock(tmp_path):
    out = tmp_path / "out"
    with output_lock(out):
        p = subprocess.Popen(
            [sys.executable, "-m", "phasec", "compile", "examples/phase-c.phc", "-o", str(out)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        time.sleep(3)
        assert p.poll() is None, p.communicate()  # still waiting
        assert not (out / "manifest.json").exists()
    _, err = p.communicate(timeout=120)
    assert p.returncode == 0, err
    assert (out / "manifest.json").exists()


def test_two_compiles_into_one_folder_at_once_leave_one_complete_set(tmp_path):
    a = as_bytes(emitted())
    b = as_bytes(emitted({"C4": "deferred"}))
    assert a != b
    out = tmp_path / "out"
    for _ in range(2):
        procs = [
            subprocess.Popen(
                [sys.executable, "-m", "phasec", "compile", "examples/phase-c.phc", "-o", str(out), *extra],
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            for extra in ([], ["--assume", "C4=deferred"])
        ]
        for p in procs:
            assert p.wait(timeout=300) == 0, p.stderr.read()
        got = tree(out)
        manifest = json.loads(got["manifest.json"])
        assert {f["path"] for f in manifest["files"]} | {"manifest.json"} == set(got)
        assert got in (a, b)
