"""The jinja2 environment shared by all emitters (StrictUndefined, no autoescape)."""

from __future__ import annotations

import json
import re
from functools import lru_cache

_PLAIN = re.compile(r"^[A-Za-z0-9_./][A-Za-z0-9_./ +<>*()=,:\-]*$")
_RESERVED = {"true", "false", "yes", "no", "on", "off", "null", "~", "y", "n"}


def yaml_scalar(value) -> str:
    """A YAML scalar: plain when unambiguous, single-quoted otherwise."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    text = str(value)
    if "\n" in text:
        return json.dumps(text)
    plain = (
        _PLAIN.match(text)
        and text.lower() not in _RESERVED
        and not text.endswith((" ", ":"))
        and ": " not in text
        and " #" not in text
        and not re.fullmatch(r"[0-9.eE+\-]+", text)
    )
    if plain:
        return text
    return "'" + text.replace("'", "''") + "'"


def yaml_flow(items) -> str:
    return "[" + ", ".join(yaml_scalar(i) for i in items) + "]"


@lru_cache(maxsize=8)
def environment(template_dir: str | None = None):
    import jinja2

    loaders = []
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
    env.filters["y"] = yaml_scalar
    env.filters["yflow"] = yaml_flow
    return env
