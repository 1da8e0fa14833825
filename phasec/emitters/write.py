"""The one place that writes emitted files: atomically, as a set, and only under the output folder.

* **Inside the folder.** An output name that is absolute, contains ``..``, or
  would be written through a symbolic link inside the output folder (a linked
  folder or file) is refused before anything is written (:class:`OutputPathError`).
* **All or nothing.** Every new file is first written in full to a temporary
  file next to its target (``.NAME.phasec-XXXX.tmp``).  If any of that fails
  (read-only folder, a file in the way, disk full), the temporary files are
  removed and the previous outputs are untouched.  Then a journal
  (``.phasec-commit.json``) listing the renames and the stale files to delete is
  written atomically, the renames (atomic each) and deletions are done, and the
  journal is removed.
* **Killed mid-write.** Killed while writing the temporary files: the old set is
  intact (the next compile removes the leftovers).  Killed after the journal was
  written: the next compile into the folder first finishes the journal, so the folder holds the new set, complete.
* **One compile at a time.** :func:`output_lock` holds an exclusive lock
  (``flock``) on the output folder from reading the previous manifest to the
  last rename; a second compile into the same folder waits for it.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from phasec.atomic import stage, write_atomic


class OutputPathError(ValueError):
    pass


MANIFEST = "manifest.json"
#: The manifest key recording the opt-in outputs (``compile --emit ci``) a compile wrote.
EMIT_KEY = "emit"


def record_extras(outputs: dict[str, str], extras: frozenset[str]) -> dict[str, str]:
    """``outputs`` with the opt-in outputs recorded in ``manifest.json`` (``"emit": [...]``, when any).

    The next ``compile`` into the same folder without ``--emit`` emits them again
    (see :func:`recorded_extras`), so a plain recompile neither deletes the CI
    workflow nor reports it as a difference under ``--check``.
    """
    if not extras or MANIFEST not in outputs:
        return outputs
    manifest = json.loads(outputs[MANIFEST])
    manifest[EMIT_KEY] = sorted(extras)
    return {**outputs, MANIFEST: json.dumps(manifest, indent=2, sort_keys=True) + "\n"}


def recorded_extras(out_dir: Path) -> frozenset[str]:
    """The opt-in outputs the previous compile into ``out_dir`` recorded (empty when none or unreadable)."""
    try:
        manifest = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
        listed = manifest.get(EMIT_KEY, [])
    except (OSError, ValueError, AttributeError):
        return frozenset()
    if not isinstance(listed, list):
        return frozenset()
    return frozenset(x for x in listed if isinstance(x, str))


JOURNAL = ".phasec-commit.json"
_TMP_MARK = ".phasec-"


def _target(out_dir: Path, rel: str) -> Path:
    rel_path = Path(rel)
    if rel_path.is_absolute() or ".." in rel_path.parts or not rel_path.parts:
        raise OutputPathError(f"output name escapes the output folder: {rel}")
    here = out_dir
    for part in rel_path.parts:
        here = here / part
        if here.is_symlink():
            raise OutputPathError(
                f"{here}: is a symbolic link inside the output folder; phasec does not write through it "
                "(remove the link)"
            )
    return out_dir / rel_path


def _mode(path: Path) -> int:
    """Scripts are executable; everything else is an ordinary file (both subject to the umask)."""
    umask = os.umask(0)
    os.umask(umask)
    return (0o755 if path.suffix == ".sh" else 0o644) & ~umask


@contextmanager
def output_lock(out_dir: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``out_dir`` (created if missing): one compile into it at a time."""
    out_dir.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX: no lock
        yield
        return
    fd = os.open(out_dir, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def _stage(path: Path, text: str, mode: int) -> Path:
    """Write ``text`` in full to a temporary file next to ``path``; return the temporary file."""
    return stage(path, text, mode, f".{path.name}{_TMP_MARK}")


def recover(out_dir: Path) -> None:
    """Finish a commit a killed compile left (its journal), and remove leftover temporary files."""
    journal = out_dir / JOURNAL
    if journal.is_file():
        try:
            plan = json.loads(journal.read_text(encoding="utf-8"))
            replace = [(str(a), str(b)) for a, b in plan.get("replace", [])]
            remove = [str(x) for x in plan.get("remove", [])]
        except (OSError, ValueError, TypeError, AttributeError):
            replace, remove = [], []

        def inside(rel: str) -> Path | None:  # the journal is data: only names inside the folder
            try:
                return _target(out_dir, rel)
            except OutputPathError:
                return None

        for tmp, rel in replace:
            src, dst = inside(tmp), inside(rel)
            if src is not None and dst is not None and _TMP_MARK in src.name and src.is_file():
                os.replace(src, dst)
        for rel in remove:
            path = inside(rel)
            if path is not None:
                path.unlink(missing_ok=True)
        journal.unlink(missing_ok=True)
    if out_dir.is_dir():
        for leftover in out_dir.rglob(f".*{_TMP_MARK}*.tmp"):
            if leftover.is_file() and not leftover.is_symlink():
                leftover.unlink(missing_ok=True)


def write_outputs(out_dir: Path, outputs: dict[str, str], stale: list[str] | tuple = ()) -> list[Path]:
    """Write every file, and delete the ``stale`` ones, as one set (see the module docstring).

    Paths are checked first; all files are staged before any is replaced.
    """
    targets = [(rel, _target(out_dir, rel), text) for rel, text in sorted(outputs.items())]
    gone = [(rel, _target(out_dir, rel)) for rel in stale]
    recover(out_dir)
    staged: list[tuple[Path, Path]] = []
    try:
        for _, path, text in targets:
            path.parent.mkdir(parents=True, exist_ok=True)
            if path.is_dir():
                raise IsADirectoryError(21, "a folder is in the way of the output file", str(path))
            staged.append((_stage(path, text, _mode(path)), path))
        plan = {
            "replace": [
                [(Path(rel).parent / tmp.name).as_posix(), rel]
                for (tmp, _), (rel, _, _) in zip(staged, targets, strict=True)
            ],
            "remove": [rel for rel, _ in gone],
        }
        write_atomic(out_dir / JOURNAL, json.dumps(plan, indent=1) + "\n")
    except BaseException:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
        raise
    done = 0  # files renamed into place
    try:
        for tmp, path in staged:
            os.replace(tmp, path)
            done += 1
    except BaseException:
        # a rename failed (not killed): leave no temporary files and no journal behind
        for tmp, _ in staged[done:]:
            tmp.unlink(missing_ok=True)
        (out_dir / JOURNAL).unlink(missing_ok=True)
        raise
    for _, path in gone:
        path.unlink(missing_ok=True)
        parent = path.parent
        while parent != out_dir and parent.is_dir() and not any(parent.iterdir()):
            parent.rmdir()
            parent = parent.parent
    (out_dir / JOURNAL).unlink(missing_ok=True)
    return [path for _, path in staged]


def check_outputs(out_dir: Path, outputs: dict[str, str]) -> str:
    """A unified diff between what is in ``out_dir`` and ``outputs`` ('' when equal).

    Files a previous compile generated that are no longer generated show as deletions.
    """
    chunks: list[str] = []
    for rel in stale_outputs(out_dir, outputs):
        old = _target(out_dir, rel).read_text(encoding="utf-8", errors="replace")
        chunks.extend(difflib.unified_diff(old.splitlines(keepends=True), [], fromfile=f"a/{rel}", tofile="/dev/null"))
    for rel, text in sorted(outputs.items()):
        path = _target(out_dir, rel)
        current: str | None
        try:
            current = path.read_text(encoding="utf-8", errors="replace")  # a hand edit may not be UTF-8
        except (FileNotFoundError, IsADirectoryError):
            current = None
        if current == text:
            continue
        chunks.extend(
            difflib.unified_diff(
                (current or "").splitlines(keepends=True),
                text.splitlines(keepends=True),
                fromfile=f"a/{rel}" if current is not None else "/dev/null",
                tofile=f"b/{rel}",
            )
        )
    return "".join(chunks)


def stale_outputs(out_dir: Path, outputs: dict[str, str]) -> list[str]:
    """Files the previous compile wrote (its manifest.json) that this one no longer generates.

    Only files still exactly as phasec wrote them are listed: a generated file someone
    edited by hand is never treated as ours to delete.
    """
    try:
        manifest = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
        listed = [(f["path"], f["sha256"]) for f in manifest.get("files", [])]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return []
    stale = []
    for rel, sha in listed:
        if not isinstance(rel, str) or rel in outputs:
            continue
        try:
            path = _target(out_dir, rel)
            data = path.read_bytes()
        except (OutputPathError, OSError):
            continue
        if hashlib.sha256(data).hexdigest() == sha:
            stale.append(rel)
    return sorted(stale)
