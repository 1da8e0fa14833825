"""Atomic file writes (temp file in the same folder + rename): the one implementation.

Used by `compile` (emitters/write.py), `fmt` and `lint --fix`.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path


def write_atomic(path: Path, text: str, mode: int | None = None) -> None:
    """Replace ``path``'s contents with ``text``: readers see the old file or the new one, never half of it.

    A symbolic link is followed (the file it points to is rewritten, the link
    stays).  The file gets permission bits ``mode``, or keeps its own when
    ``mode`` is None.
    """
    target = Path(os.path.realpath(path))
    if mode is None:
        try:
            mode = stat.S_IMODE(os.stat(target).st_mode)
        except FileNotFoundError:
            mode = None
    tmp = stage(target, text, mode, f".{target.name}.")
    try:
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


_WRITE_CHARS = 1 << 20


def stage(target: Path, text: str, mode: int | None, prefix: str) -> Path:
    """Write ``text`` in full (flushed to disk) to a new temporary file named ``prefix…`` next to
    ``target``, with permission bits ``mode`` when given; return it.  Nothing is left on failure."""
    fd, tmp = tempfile.mkstemp(prefix=prefix, suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            # A million characters at a time: a whole 10,000-slice execution packet encoded at
            # once is an 11 MB transient copy (docs/performance.md, *Memory*).
            for i in range(0, len(text), _WRITE_CHARS):
                fh.write(text[i : i + _WRITE_CHARS])
            fh.flush()
            os.fsync(fh.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return Path(tmp)
