"""The jinja2 environment shared by all emitters (StrictUndefined, no autoescape)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import jinja2

_PLAIN = re.compile(r"^[A-Za-z0-9_./][A-Za-z0-9_./ +<>*()=,:\-]*$")
_RESERVED = {"true", "false", "yes", "no", "on", "off", "null", "~", "y", "n"}


# Characters written escaped: outside YAML's printable set, or read as line breaks (NEL, LS, PS).
_NON_PRINTABLE = re.compile("[^\x09\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _double_quoted(text: str) -> str:
    """A double-quoted YAML scalar with every non-printable character escaped."""

    def esc(m: re.Match) -> str:
        c = m.group(0)
        if c in '\\"':
            return "\\" + c
        if c == "\n":
            return "\\n"
        n = ord(c)
        return f"\\x{n:02x}" if n < 0x100 else f"\\u{n:04x}" if n < 0x10000 else f"\\U{n:08x}"

    return '"' + re.sub('[\\\\"]|' + _NON_PRINTABLE.pattern, esc, text) + '"'


def yaml_scalar(value: object) -> str:
    """A YAML scalar: plain when unambiguous, single-quoted otherwise."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    text = str(value)
    if "\n" in text or _NON_PRINTABLE.search(text):
        return _double_quoted(text)
    plain = (
        _PLAIN.match(text)
        and text.lower() not in _RESERVED
        and not text.endswith((" ", ":"))
        and ": " not in text
        and " #" not in text
        and not re.fullmatch(r"[0-9.eE+\-]+", text)
    )
    if plain and _reads_back(text):
        return text
    return "'" + text.replace("'", "''") + "'"


def _reads_back(text: str) -> bool:
    """A plain scalar must read back as this string (not 12:30 -> 750, 0x10 -> 16, .inf).

    Only called for text :data:`_PLAIN` accepts (no flow or comment indicators, no
    `": "`, no leading indicator), so what YAML makes of it is decided by its implicit
    resolvers alone — the same table ``yaml.safe_load`` consults, without parsing a
    document per value.  A text that starts like a document marker is parsed.
    """
    if text.startswith(("---", "...")):
        return _parses_back(text)
    resolvers = _resolvers()
    for tag, regexp in resolvers.get(text[:1], ()) + resolvers.get(None, ()):
        if regexp.match(text):
            return tag == "tag:yaml.org,2002:str"
    return True


@lru_cache(maxsize=1)
def _resolvers() -> dict:
    import yaml

    return {k: tuple(v) for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()}


def _parses_back(text: str) -> bool:
    import yaml

    try:
        return yaml.safe_load(text) == text
    except (yaml.YAMLError, ValueError):  # ValueError: PyYAML on e.g. `0b_`
        return False


def yaml_flow(items: Iterable[object]) -> str:
    """A flow sequence; items with flow indicators (`,[]{}`) are quoted."""
    out = []
    for i in items:
        s = yaml_scalar(i)
        if isinstance(i, str) and not s.startswith(("'", '"')) and any(c in s for c in ",[]{}"):
            s = "'" + s.replace("'", "''") + "'"
        out.append(s)
    return "[" + ", ".join(out) + "]"


@lru_cache(maxsize=8)
def environment(template_dir: str | None = None) -> jinja2.Environment:
    """The one environment every emitter renders with, built complete here and never changed after.

    It carries every filter any template uses (YAML, markdown and shell
    quoting), so the order in which emitters run cannot change what they
    render.  Cached per template folder.
    """
    import jinja2

    from phasec.emitters.filters import (
        html_comment,
        json_string,
        md_code,
        mermaid_label,
        shell_comment,
        shell_quote,
        table_cell,
    )

    loaders: list[jinja2.BaseLoader] = []
    if template_dir:
        loaders.append(jinja2.FileSystemLoader(template_dir))
    loaders.append(jinja2.PackageLoader("phasec.emitters", "templates"))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        {
            "y": yaml_scalar,
            "yflow": yaml_flow,
            "code": md_code,
            "cell": table_cell,
            "json": json_string,
            "mermaid": mermaid_label,
            "comment": html_comment,
            "shq": shell_quote,
            "shcomment": shell_comment,
        }
    )
    return env
