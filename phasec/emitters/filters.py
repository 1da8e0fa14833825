"""The markdown filters of the emitters' jinja environment (not an emitter itself).

Kept apart from ``_documents`` so that ``env`` (which builds the one environment)
and ``_documents`` (which renders with it) do not import each other.
"""

from __future__ import annotations

import json
import re


def md_code(value: object) -> str:
    """Inline code: `x`, with a longer fence when the text itself holds backticks."""
    text = str(value)
    if "`" not in text:
        return f"`{text}`"
    longest = max(len(m) for m in re.findall(r"`+", text))
    fence = "`" * (longest + 1)
    return f"{fence} {text} {fence}"


def json_string(value: object) -> str:
    """A JSON string literal (no HTML escaping, unlike jinja's ``tojson``)."""
    return json.dumps(str(value), ensure_ascii=False)


def mermaid_label(value: object) -> str:
    """Text safe inside a mermaid ``["..."]`` label."""
    text = str(value)
    for ch, ent in (("#", "#35;"), ('"', "#quot;"), ("<", "#lt;"), (">", "#gt;")):
        text = text.replace(ch, ent)
    return text.replace("\n", " ")


def table_cell(value: object) -> str:
    """Text safe inside a markdown table cell."""
    return str(value).replace("|", "\\|").replace("\n", " ")


def html_comment(value: object) -> str:
    """Text safe inside an HTML comment (no ``--``)."""
    return re.sub(r"-(?=-)", "- ", str(value))


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_NEEDS_DOUBLE = re.compile(r"['$`\\]")


def shell_quote(value: object) -> str:
    """One bash word whose value is exactly ``value``; always quoted.

    Single quotes when the value has no ``'``, ``$``, backtick or backslash;
    double quotes (escaping ``\\ " $ ```) when it has; ``$'...'`` when it has
    control characters (newlines, tabs).  Single-quoted text never holds ``$`` or
    a backtick, so shellcheck's SC2016 ("expressions don't expand in single
    quotes") cannot fire on runbook values.
    """
    text = "" if value is None else str(value)
    if _CONTROL.search(text):
        out = []
        for ch in text:
            if ch == "\\":
                out.append("\\\\")
            elif ch == "'":
                out.append("\\'")
            elif ch == "\n":
                out.append("\\n")
            elif ch == "\t":
                out.append("\\t")
            elif ch == "\r":
                out.append("\\r")
            elif _CONTROL.match(ch):
                out.append(f"\\x{ord(ch):02x}")
            else:
                out.append(ch)
        return "$'" + "".join(out) + "'"
    if _NEEDS_DOUBLE.search(text):
        return '"' + re.sub(r'([\\"$`])', r"\\\1", text) + '"'
    return "'" + text + "'"


def shell_comment(value: object) -> str:
    """Text safe inside a ``#`` comment: control characters become spaces."""
    return _CONTROL.sub(" ", "" if value is None else str(value))
