"""`phasec schema`: print the JSON Schema of the work breakdown.

The schemas ship as package data in ``phasec/emitters/schemas/<name>.schema.json``;
``phasec schema`` prints one of them byte for byte (default: ``workbreakdown``).
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

SUFFIX = ".schema.json"


def available() -> list[str]:
    from importlib import resources

    folder = resources.files("phasec.emitters").joinpath("schemas")
    return sorted(p.name[: -len(SUFFIX)] for p in folder.iterdir() if p.name.endswith(SUFFIX))


def schema_text(name: str) -> str | None:
    from importlib import resources

    if name not in available():
        return None
    return resources.files("phasec.emitters").joinpath("schemas", name + SUFFIX).read_text(encoding="utf-8")


def schema(
    name: Annotated[
        str, typer.Argument(help="Which schema: `workbreakdown` (PHASE_<ID>_WORKBREAKDOWN.yaml).")
    ] = "workbreakdown",
) -> None:
    """Print the JSON Schema (draft 2020-12) of an emitted file."""
    from phasec.cli.common import EXIT_OK, EXIT_USAGE

    text = schema_text(name)
    if text is None:
        typer.echo(f"phasec: error: no schema {name!r}; available: {', '.join(available())}", err=True)
        raise typer.Exit(EXIT_USAGE)
    sys.stdout.write(text)
    raise typer.Exit(EXIT_OK)


def register(app: typer.Typer) -> None:
    """Add `phasec schema` to the typer app."""
    app.command("schema")(schema)
