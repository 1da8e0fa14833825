"""Paths as the rules compare them: normalised, and globs (helpers for PC605 and PC609).

Not a rule module (the name does not match ``pcNNN_*``), so the registry skips it.
"""

from __future__ import annotations

import re
from functools import lru_cache


@lru_cache(maxsize=1 << 16)
def norm(path: str, is_dir: bool) -> tuple[str, bool]:
    """(the path normalised, whether it is a folder); a pure function of two immutable values, so it
    is cached (several rules normalise every file of every slice, and the language server does it per version)."""
    p = path.strip().replace("\\", "/")
    while "//" in p:
        p = p.replace("//", "/")
    while p.startswith("./"):
        p = p[2:]
    if p.endswith("/"):
        is_dir = True
    return p.rstrip("/") or "/", is_dir


@lru_cache(maxsize=1 << 16)
def split_glob(path: str) -> tuple[str, str | None]:
    """(the literal folder a glob lies under, the glob), or (path, None) for a plain path."""
    if not any(c in path for c in "*?["):
        return path, None
    parts = path.split("/")
    k = next(i for i, part in enumerate(parts) if any(c in part for c in "*?["))
    return "/".join(parts[:k]) or "/", path


@lru_cache(maxsize=4096)
def glob_re(pattern: str) -> re.Pattern:
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out))


def glob_suffix(pattern: str) -> str | None:
    """The literal ending of a glob's last part (`*.rs` -> `.rs`), if it has one."""
    last = pattern.rsplit("/", 1)[-1]
    tail = re.split(r"[*?\[\]]", last)[-1]
    return tail or None
