"""`phasec graph`: render the slice graph (mermaid, dot, json).

The graph is printed whenever the runbook parses and its names resolve; lint
findings (a dependency cycle included: its edges are highlighted) are shown on
stderr only with ``-v`` and do not change the exit code (``phasec lint`` is the
command for findings).  Syntax, schema and name errors (PC0xx-PC2xx) leave
nothing to draw: then every diagnostic is reported on stderr and the exit code is 1.
"""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from phasec.diagnostics import Diagnostic


class GraphFormat(str, Enum):
    mermaid = "mermaid"
    dot = "dot"
    json = "json"


def _front_end_error(d: Diagnostic) -> bool:
    """Errors from parsing, the schema or name resolution (codes below PC300)."""
    digits = d.code[2:] if d.code.startswith("PC") else ""
    return d.severity.value == "error" and digits.isdigit() and int(digits) < 300


def graph(
    file: Annotated[Path, typer.Argument(help="The runbook.", show_default=False)],
    format: Annotated[GraphFormat, typer.Option("--format", "-f", help="Output format.")] = GraphFormat.mermaid,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Also print the lint findings (on stderr; stdout is the graph).")
    ] = False,
) -> None:
    """Print the slice dependency graph (mermaid, dot or json).

    Stages are groups; conditional slices and if_triggered edges are dashed;
    the edges of a dependency cycle are red.

    Exit 0 when the graph was printed (lint findings, even a cycle, are shown on
    stderr with -v); 1 when the runbook does not parse or resolve (its errors are
    shown); 2 on usage errors.
    """
    from phasec.cli.common import EXIT_ERRORS, EXIT_OK, _config, _print_diags, _read
    from phasec.compiler.pipeline import analyze

    text = _read(file)
    res = analyze(text, file.as_posix(), config=_config(file))
    sources = {file.as_posix(): res.document.source if res.document else None}
    if res.runbook is None or any(_front_end_error(d) for d in res.diagnostics):
        _print_diags(res.diagnostics, sources)
        typer.echo(f"phasec: {file}: no graph: fix the errors above", err=True)
        raise typer.Exit(EXIT_ERRORS)
    if verbose:
        _print_diags(res.diagnostics, sources)
    from phasec.emitters.slicegraph import render

    sys.stdout.write(render(res.runbook, format.value))
    raise typer.Exit(EXIT_OK)


def register(app: typer.Typer) -> None:
    """Add `phasec graph` to the typer app."""
    app.command("graph")(graph)
