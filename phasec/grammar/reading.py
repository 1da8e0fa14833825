"""Reading a runbook from disk: bytes -> text, or a diagnostic saying why not.

One place decides what a readable runbook is, so that every command (``lint``,
``compile``, ``fmt``, ``graph``) treats a bad path the same way: the path gets
its own diagnostic and the command goes on with the other files.

* a missing file, a folder, a file that cannot be opened or read: **PC007**
  (``unreadable-file``), at 1:1;
* bytes that are not UTF-8: **PC008** (``not-utf8``), at the line and column of
  the first bad byte, with its byte offset in the message;
* a file larger than :data:`MAX_BYTES`: **PC010** (``file-too-large``), without
  reading it;
* a UTF-8 byte-order mark is accepted: it is removed from the text the parser
  sees (editors do not count it in columns either) and :attr:`Read.bom` says it
  was there, so that a command that rewrites the file (``fmt``, ``lint --fix``)
  puts it back.

Line ends (LF or CRLF) and tabs are left as they are: the grammar accepts both.
"""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass
from pathlib import Path

from phasec.diagnostics import Diagnostic, Severity
from phasec.source import SourceFile, Span

BOM = "\ufeff"
BOM_BYTES = BOM.encode("utf-8")

#: The codes of this module (listed with the front-end codes in ``phasec rules``).
UNREADABLE, NOT_UTF8, TOO_LARGE = "PC007", "PC008", "PC010"
#: The largest runbook read (bytes).  A realistic 10,000-slice runbook (``benchmarks/generate.py``,
#: about 40 lines a slice) is about 15 MB and lints in about 620 MB; past twice that, a file is
#: refused (PC010) before it is read, so time and memory stay bounded.
MAX_BYTES = 32 * 1024 * 1024


@dataclass(frozen=True)
class Read:
    """What reading one path gave: its text (without a BOM), or the diagnostic saying why not."""

    path: str
    text: str | None
    diagnostic: Diagnostic | None = None
    bom: bool = False
    #: For an undecodable file: its text with the bad bytes replaced (shown with the diagnostic).
    shown: str | None = None

    @property
    def ok(self) -> bool:
        return self.diagnostic is None

    @property
    def source(self) -> SourceFile | None:
        """The text to show with a diagnostic (for an undecodable file, what decodes; None when unread)."""
        text = self.text if self.text is not None else self.shown
        return SourceFile(self.path, text) if text is not None else None


def _diag(code: str, message: str, span: Span, help: str) -> Diagnostic:
    return Diagnostic(code=code, severity=Severity.ERROR, message=message, span=span, help=help)


def _os_reason(exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        return "no such file"
    if isinstance(exc, IsADirectoryError):
        return "is a folder, not a file"
    if isinstance(exc, PermissionError):
        return "permission denied"
    if exc.errno == errno.ENOTDIR:
        return "a part of the path is not a folder"
    return exc.strerror or str(exc)


def unreadable(path: str, exc: OSError) -> Read:
    """The :class:`Read` of a path that could not be read."""
    span = Span(file=path, line=1, column=1, end_line=1, end_column=1)
    d = _diag(
        UNREADABLE,
        f"cannot read {path}: {_os_reason(exc)} (at byte 0)",
        span,
        "check the path and its permissions; every other file is still checked",
    )
    return Read(path, None, d)


def too_large(path: str, size: int | None) -> Read:
    """PC010: ``size`` bytes (None: more than the limit, read from a stream)."""
    span = Span(file=path, line=1, column=1, end_line=1, end_column=1)
    how_big = f"{size:,} bytes" if size is not None else f"over {MAX_BYTES:,} bytes"
    d = _diag(
        TOO_LARGE,
        f"{path} is {how_big}; phasec checks runbooks of at most {MAX_BYTES:,} bytes (at byte 0: not read)",
        span,
        "split the runbook; real ones are far smaller",
    )
    return Read(path, None, d)


def decode(data: bytes, path: str) -> Read:
    """Decode ``data`` (UTF-8, an optional BOM) as the runbook ``path``."""
    if len(data) > MAX_BYTES:
        return too_large(path, None)
    bom = data.startswith(BOM_BYTES)
    body = data[len(BOM_BYTES) :] if bom else data
    try:
        return Read(path, body.decode("utf-8"), None, bom)
    except UnicodeDecodeError as exc:
        offset = exc.start + (len(BOM_BYTES) if bom else 0)
        before = body[: exc.start].decode("utf-8")
        shown = body.decode("utf-8", errors="replace")
        src = SourceFile(path, shown)
        span = src.span(len(before), len(before) + 1)
        bad = body[exc.start : exc.end].hex(" ")
        d = _diag(
            NOT_UTF8,
            f"not UTF-8 text: byte 0x{bad} at byte offset {offset} ({exc.reason})",
            span,
            "save the file as UTF-8",
        )
        return Read(path, None, d, bom, shown)


def read_runbook(path: Path | str) -> Read:
    """Read and decode the runbook at ``path``; never raises for a bad path or bad bytes."""
    name = path if isinstance(path, str) else path.as_posix()
    try:
        if os.path.isdir(path):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), name)
        with open(path, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            if size > MAX_BYTES:
                return too_large(name, size)
            data = fh.read(MAX_BYTES + 1)  # a file that grows while read is still bounded
    except OSError as exc:
        return unreadable(name, exc)
    except ValueError as exc:  # e.g. a NUL byte in the path
        return unreadable(name, OSError(errno.EINVAL, str(exc)))
    return decode(data, name)


def with_bom(text: str, bom: bool) -> str:
    """``text`` as it is written back to a file that had a BOM (or not)."""
    return BOM + text if bom and not text.startswith(BOM) else text
