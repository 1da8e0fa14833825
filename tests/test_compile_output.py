"""What `phasec compile` writes: deterministic bytes, nothing on errors, atomic
writes, and manifest.json.  (`--check` is tested in test_cli.py; the default
Phase C compile across hash seeds in test_emit_documents.py.)
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import EXAMPLES, FIXTURES, ROOT

from phasec.compiler.pipeline import analyze
from phasec.emitters import EmitOptions, emit_all
from phasec.emitters.write import write_outputs

VARIANTS = [
    ("phase-c.phc", {}),
    ("phase-c.phc", {"C4": "triggered"}),
    ("phase-c.phc", {"C4": "deferred"}),
    ("phase-b.phc", {}),
]


def compile_cli(src: str, out: Path, *args: str, env=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "phasec", "compile", src, "-o", str(out), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
    )


def tree_bytes(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def outputs(name: str, assume: dict, extras=frozenset({"ci"})) -> dict[str, str]:
    path = EXAMPLES / name
    res = analyze(path.read_text(encoding="utf-8"), f"examples/{name}")
    assert not res.has_errors
    return emit_all(res.runbook, EmitOptions(assume=assume, extras=extras))


@pytest.mark.parametrize("name,assume", VARIANTS, ids=lambda v: str(v))
def test_two_compiles_give_byte_identical_folders(tmp_path, name, assume):
    first, second = outputs(name, assume), outputs(name, assume)
    assert first == second
    assert list(first) == sorted(first)  # emitted in path order
    write_outputs(tmp_path / "a", first)
    write_outputs(tmp_path / "b", second)
    a, b = tree_bytes(tmp_path / "a"), tree_bytes(tmp_path / "b")
    assert a == b and set(a) == set(first)
    for rel, data in a.items():
        assert b"\r\n" not in data, rel  # newline="\n" whatever the platform
        assert data == first[rel].encode("utf-8"), rel


def test_cli_output_is_byte_identical_under_different_hash_seeds(tmp_path):
    """Every file, the CI workflow included, for both examples."""
    for src in ("examples/phase-b.phc", "examples/phase-c.phc"):
        trees = []
        for seed in ("0", "987654321"):
            out = tmp_path / f"{Path(src).stem}-{seed}"
            r = compile_cli(src, out, "--emit", "ci", env=dict(os.environ, PYTHONHASHSEED=seed))
            assert r.returncode == 0, r.stderr
            trees.append(tree_bytes(out))
        assert trees[0] == trees[1]
        assert ".github/workflows/" + Path(src).stem + ".yml" in trees[0]


def test_a_runbook_with_errors_writes_nothing_and_keeps_old_output(tmp_path):
    out = tmp_path / "out"
    assert compile_cli("examples/phase-c.phc", out).returncode == 0
    before = tree_bytes(out)
    # rule-level errors (a dependency cycle), not only syntax errors
    for bad in (FIXTURES / "rules" / "PC301_cycle.phc", FIXTURES / "syntax" / "three_errors.phc"):
        for extra in ((), ("--emit", "ci"), ("--check",)):
            r = compile_cli(str(bad), out, *extra)
            assert r.returncode == 1, (bad, extra, r.stderr)
            assert "not compiled" in r.stdout and r.stderr == ""  # the findings, on stdout
            assert tree_bytes(out) == before
    fresh = tmp_path / "fresh"
    assert compile_cli(str(FIXTURES / "rules" / "PC301_cycle.phc"), fresh).returncode == 1
    assert not fresh.exists()


def _no_temp_files(folder: Path) -> list[str]:
    return [p.name for p in folder.rglob("*") if p.name.endswith(".tmp")]


def test_writes_are_atomic_a_failed_rename_leaves_the_old_file_intact(tmp_path, monkeypatch):
    out = tmp_path / "out"
    old = outputs("phase-c.phc", {})
    write_outputs(out, old)
    new = outputs("phase-c.phc", {"C4": "deferred"})
    changed = [p for p in sorted(new) if new[p] != old.get(p)]
    assert len(changed) >= 3
    victim = changed[1]  # the second changed file (in write order) fails to be renamed into place
    real_replace = os.replace

    def flaky_replace(src, dst, *a, **k):
        if Path(dst).as_posix().endswith(victim):
            raise OSError(28, "No space left on device")
        return real_replace(src, dst, *a, **k)

    monkeypatch.setattr(os, "replace", flaky_replace)
    with pytest.raises(OSError):
        write_outputs(out, new)
    monkeypatch.undo()
    assert _no_temp_files(out) == []  # the temp file was removed
    assert (out / victim).read_text(encoding="utf-8") == old[victim]  # the old file is intact
    # every file is either wholly old or wholly new, never partial
    for rel, data in tree_bytes(out).items():
        assert data.decode("utf-8") in (old.get(rel), new.get(rel)), rel


def test_writes_are_atomic_a_failed_write_leaves_no_partial_file(tmp_path, monkeypatch):
    out = tmp_path / "out"
    old = {"a.txt": "old a\n", "sub/b.txt": "old b\n"}
    write_outputs(out, old)
    import phasec.emitters.write as w

    real_fdopen = os.fdopen

    class Boom:
        def __init__(self, fh):
            self.fh = fh

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.fh.close()
            return False

        def write(self, text):
            self.fh.write(text[: len(text) // 2])  # half written, then the disk fills up
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(w.os, "fdopen", lambda fd, *a, **k: Boom(real_fdopen(fd, *a, **k)))
    with pytest.raises(OSError):
        write_outputs(out, {"a.txt": "new a, much longer than before\n", "sub/b.txt": "new b\n"})
    monkeypatch.undo()
    assert tree_bytes(out) == {"a.txt": b"old a\n", "sub/b.txt": b"old b\n"}
    assert _no_temp_files(out) == []


def test_temp_files_are_created_next_to_their_target(tmp_path, monkeypatch):
    """Same folder => same file system => os.replace is an atomic rename."""
    seen = []
    real_replace = os.replace

    def spy(src, dst, *a, **k):
        seen.append((Path(src).parent, Path(dst).parent, Path(src).name))
        return real_replace(src, dst, *a, **k)

    monkeypatch.setattr(os, "replace", spy)
    write_outputs(tmp_path, {"x/y/z.md": "z\n", "top.md": "t\n"})
    assert len(seen) == 3  # the two outputs, and the commit journal (written atomically first)
    assert all(s == d and name.endswith(".tmp") and name.startswith(".") for s, d, name in seen)


def test_manifest_lists_every_file_with_its_sha256_the_source_and_the_version(tmp_path):
    from phasec import __version__

    src = EXAMPLES / "phase-c.phc"
    out = tmp_path / "out"
    r = compile_cli("examples/phase-c.phc", out, "--emit", "ci", "--assume", "C4=deferred")
    assert r.returncode == 0, r.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["generator"] == f"phasec {__version__}"
    assert manifest["source"] == {
        "path": "examples/phase-c.phc",
        "sha256": hashlib.sha256(src.read_bytes()).hexdigest(),
    }
    assert manifest["assume"] == {"C4": "deferred"}
    on_disk = tree_bytes(out)
    listed = {f["path"]: f["sha256"] for f in manifest["files"]}
    assert set(listed) == set(on_disk) - {"manifest.json"}  # every file written (but itself)
    assert [f["path"] for f in manifest["files"]] == sorted(listed)
    for rel, digest in listed.items():
        assert hashlib.sha256(on_disk[rel]).hexdigest() == digest, rel
    assert ".github/workflows/phase-c.yml" in listed and "PHASE_C_WORKBREAKDOWN.yaml" in listed
    # the CLI reports every file it wrote
    assert sorted(Path(line).relative_to(out).as_posix() for line in r.stdout.split()) == sorted(on_disk)


def test_stale_outputs_are_reported_by_check_and_removed_by_compile(tmp_path):
    import subprocess
    import sys

    from conftest import ROOT

    base = (
        'phase C "Stale" {\n  posture forward_only\n}\n'
        'owners {\n  owner @team "Team"\n}\n'
        'team {\n  max_active 1\n  agent I1 "Does it"\n}\n'
        'slice C1 "One" {\n  agent I1\n  owner @team\n  objective "x"\n}\n'
    )
    with_interface = base + 'interface api "API" {\n  item "a new call"\n}\n'
    src = tmp_path / "stale.phc"
    out = tmp_path / "out"

    def phasec(*args):
        return subprocess.run([sys.executable, "-m", "phasec", *args], capture_output=True, text=True, cwd=ROOT)

    src.write_text(with_interface)
    assert phasec("compile", str(src), "-o", str(out)).returncode == 0
    spec = out / "PHASE_C_IMPLEMENTATION_SPEC.md"
    assert spec.exists()
    (out / "notes-of-my-own.md").write_text("kept\n")

    src.write_text(base)  # without interfaces, no implementation spec is generated
    res = phasec("compile", str(src), "-o", str(out), "--check")
    assert res.returncode == 1
    assert "--- a/PHASE_C_IMPLEMENTATION_SPEC.md\n+++ /dev/null" in res.stdout
    assert spec.exists()  # --check writes and removes nothing

    res = phasec("compile", str(src), "-o", str(out))
    assert res.returncode == 0, res.stderr
    assert not spec.exists() and "no longer generated" in res.stderr
    assert (out / "notes-of-my-own.md").read_text() == "kept\n"  # not ours: never deleted
    assert phasec("compile", str(src), "-o", str(out), "--check").returncode == 0


def test_a_hand_edited_stale_file_is_kept(tmp_path):
    from phasec.emitters.write import stale_outputs

    out = tmp_path / "out"
    write_outputs(out, {"a.md": "generated\n", "manifest.json": ""})
    import hashlib
    import json

    sha = hashlib.sha256(b"generated\n").hexdigest()
    (out / "manifest.json").write_text(json.dumps({"files": [{"path": "a.md", "sha256": sha}]}))
    assert stale_outputs(out, {}) == ["a.md"]
    (out / "a.md").write_text("edited by hand\n")
    assert stale_outputs(out, {}) == []
