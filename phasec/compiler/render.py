"""Diagnostic renderers: text (with source snippet and caret) and concise.

Machine formats (json, sarif, github, junit) live beside these.
"""

from __future__ import annotations

import json
import os
import sys

from phasec.compiler.diagnostics import Diagnostic, Severity
from phasec.source import SourceFile

_COLORS = {"error": "\033[1;31m", "warning": "\033[1;33m", "info": "\033[1;36m"}
_BOLD, _BLUE, _RESET = "\033[1m", "\033[1;34m", "\033[0m"


def use_color(stream=None) -> bool:
    stream = stream or sys.stdout
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return hasattr(stream, "isatty") and stream.isatty()


def _snippet(src: SourceFile | None, line: int, col: int, end_line: int, end_col: int, color: bool, mark: str = "^") -> list[str]:
    if src is None:
        return []
    text = src.line_text(line)
    if not text and line > src.line_count:
        return []
    gutter = str(line)
    pad = " " * len(gutter)
    width = (end_col - col) if end_line == line else max(1, len(text) - col + 1)
    width = max(1, width)
    # Expand tabs consistently in the line and the caret offset.
    prefix = text[: col - 1]
    caret_pad = "".join("\t" if ch == "\t" else " " for ch in prefix)
    caret = mark * width
    if color:
        return [
            f"{_BLUE}{pad} |{_RESET}",
            f"{_BLUE}{gutter} |{_RESET} {text}",
            f"{_BLUE}{pad} |{_RESET} {caret_pad}{_COLORS['error'] if mark == '^' else _BLUE}{caret}{_RESET}",
        ]
    return [f"{pad} |", f"{gutter} | {text}", f"{pad} | {caret_pad}{caret}"]


def render_text(diags: list[Diagnostic], sources: dict[str, SourceFile], color: bool = False) -> str:
    out: list[str] = []
    for d in diags:
        s = d.span
        sev = d.severity.value
        head = f"{s.file}:{s.line}:{s.column}: {d.code} {d.message}"
        if color:
            head = f"{_BOLD}{s.file}:{s.line}:{s.column}:{_RESET} {_COLORS[sev]}{d.code}{_RESET} {_BOLD}{d.message}{_RESET}"
        out.append(head if sev == "error" else head.replace(f" {d.code} ", f" {d.code} [{sev}] ", 1) if not color else head)
        src = sources.get(s.file)
        out.extend(_snippet(src, s.line, s.column, s.end_line, s.end_column, color))
        for r in d.related:
            rs = r.span
            out.append(f"  = note: {rs.file}:{rs.line}:{rs.column}: {r.message}")
            rsrc = sources.get(rs.file)
            out.extend("    " + ln for ln in _snippet(rsrc, rs.line, rs.column, rs.end_line, rs.end_column, color, "-"))
        if d.help:
            out.append(f"  = help: {d.help}")
        out.append("")
    return "\n".join(out)


def render_concise(diags: list[Diagnostic], sources=None, color: bool = False) -> str:
    lines = []
    for d in diags:
        s = d.span
        sev = "" if d.severity is Severity.ERROR else f"[{d.severity.value}] "
        lines.append(f"{s.file}:{s.line}:{s.column}: {d.code} {sev}{d.message}")
    return "\n".join(lines) + ("\n" if lines else "")


def render_json(diags: list[Diagnostic], sources=None, color: bool = False) -> str:
    payload = {
        "format_version": 1,
        "diagnostics": [json.loads(d.model_dump_json()) for d in diags],
    }
    return json.dumps(payload, indent=2, sort_keys=True) + "\n"


def render_github(diags: list[Diagnostic], sources=None, color: bool = False) -> str:
    def esc(v: str) -> str:
        return v.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")

    lines = []
    for d in diags:
        s = d.span
        level = {"error": "error", "warning": "warning", "info": "notice"}[d.severity.value]
        lines.append(
            f"::{level} file={s.file},line={s.line},col={s.column},endLine={s.end_line},endColumn={s.end_column},"
            f"title={d.code}::{esc(d.message)}"
        )
    return "\n".join(lines) + ("\n" if lines else "")


RENDERERS = {"text": render_text, "concise": render_concise, "json": render_json, "github": render_github}


def summary(diags: list[Diagnostic], files: int) -> str:
    errors = sum(d.severity is Severity.ERROR for d in diags)
    warnings = sum(d.severity is Severity.WARNING for d in diags)
    if not errors and not warnings:
        return f"{files} file{'s' if files != 1 else ''} checked: no problems"
    return (
        f"{files} file{'s' if files != 1 else ''} checked: "
        f"{errors} error{'s' if errors != 1 else ''}, {warnings} warning{'s' if warnings != 1 else ''}"
    )
