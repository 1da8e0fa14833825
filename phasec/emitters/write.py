"""The one place that writes emitted files: atomically, and only under the output folder."""

from __future__ import annotations

import difflib
import hashlib
import json
import os
from pathlib import Path

from phasec.atomic import write_atomic


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


def _target(out_dir: Path, rel: str) -> Path:
    rel_path = Path(rel)
    if rel_path.is_absolute() or ".." in rel_path.parts:
        raise OutputPathError(f"output name escapes the output folder: {rel}")
    return out_dir / rel_path


def _mode(path: Path) -> int:
    """Scripts are executable; everything else is an ordinary file (both subject to the umask)."""
    umask = os.umask(0)
    os.umask(umask)
    return (0o755 if path.suffix == ".sh" else 0o644) & ~umask


def write_outputs(out_dir: Path, outputs: dict[str, str]) -> list[Path]:
    """Write every file atomically (temp file + rename). Paths are checked first: all or nothing."""
    targets = [(_target(out_dir, rel), text) for rel, text in sorted(outputs.items())]
    written = []
    for path, text in targets:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, text, _mode(path))
        written.append(path)
    return written


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
            current = path.read_text(encoding="utf-8")
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


def remove_stale(out_dir: Path, stale: list[str]) -> list[Path]:
    """Delete the stale generated files (and folders they leave empty)."""
    removed = []
    for rel in stale:
        path = _target(out_dir, rel)
        path.unlink(missing_ok=True)
        removed.append(path)
        parent = path.parent
        while parent != out_dir and parent.is_dir() and not any(parent.iterdir()):
            parent.rmdir()
            parent = parent.parent
    return removed
