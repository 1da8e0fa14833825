"""`phasec import RUNBOOK.md [-o OUT.phc] [--packet DIR]`: a markdown runbook (and its packet) in.

Writes the formatted `.phc` to ``-o`` (atomically) or to standard output, and
reports on standard error what could not be mapped (PC951) and every
disagreement between the documents (PC952).  Exit codes: 0 imported (warnings
allowed), 1 a packet document could not be read (PC950), 2 usage error or
unreadable runbook.  docs/import.md.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from phasec.cli.common import EXIT_ERRORS, EXIT_OK, EXIT_USAGE, _print_diags, _read


def import_(
    runbook: Annotated[
        Path, typer.Argument(help="The markdown runbook to import.", show_default=False, metavar="RUNBOOK.md")
    ],
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write the .phc here (default: standard output).")
    ] = None,
    packet: Annotated[
        Path | None,
        typer.Option(
            "--packet",
            help="A folder with the hand-written packet (*_WORKBREAKDOWN.yaml, *_ACCEPTANCE_GATES.md, "
            "*_EXECUTION_PACKET.md, *_IMPLEMENTATION_SPEC.md): merge it and report disagreements.",
        ),
    ] = None,
) -> None:
    """Import a markdown runbook (and a hand-written packet) as a formatted .phc."""
    from phasec.importer import import_markdown

    text = _read(runbook)
    if packet is not None and not packet.is_dir():
        typer.echo(f"phasec: error: --packet {packet}: not a folder", err=True)
        raise typer.Exit(EXIT_USAGE)
    if out is not None and out.is_dir():
        typer.echo(f"phasec: error: -o {out}: is a folder; give the .phc file to write", err=True)
        raise typer.Exit(EXIT_USAGE)
    res = import_markdown(text, runbook.as_posix(), packet.as_posix() if packet is not None else None)
    _print_diags(res.diagnostics, res.sources)
    if out is None:
        sys.stdout.write(res.text)
    else:
        from phasec.atomic import write_atomic

        try:
            write_atomic(out, res.text)
        except OSError as exc:
            typer.echo(f"phasec: error: {out}: {exc.strerror or exc}", err=True)
            raise typer.Exit(EXIT_USAGE) from None
        typer.echo(f"wrote {out}; run `phasec lint {out}` for what is left to finish", err=True)
    has_errors = any(d.severity.value == "error" for d in res.diagnostics)
    raise typer.Exit(EXIT_ERRORS if has_errors else EXIT_OK)


def register(app: typer.Typer) -> None:
    app.command("import")(import_)
