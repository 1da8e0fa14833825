"""`phasec fmt`: format runbooks canonically.

Every file (folders are searched for ``*.phc``; ``-`` is standard input,
formatted to standard output) is formatted with :func:`phasec.format.format_text`.
A file with syntax errors is refused: its diagnostics are printed and it is
left untouched.  Before anything is written, the result is checked to mean the
same as the input: the same IR, positions aside (if not — a bug in phasec —
the file is left untouched and the command exits 3), and the same lint
findings (if not, a trailing suppression comment would land on another line
than the code it suppresses: the file is refused, exit 1).

Modes: by default changed files are rewritten atomically (``reformatted
FILE`` on stderr); ``--check`` writes nothing and lists the files that would
change (``would reformat FILE``), exiting 1 if there are any; ``--diff`` writes
nothing and prints a unified diff on stdout (with ``--check`` the list goes to
stderr and the exit code is 1 when something would change).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from phasec.cli.common import (
    EXIT_ERRORS,
    EXIT_INTERNAL,
    EXIT_OK,
    EXIT_USAGE,
    _print_diags,
    expand_paths,
    report_unreadable,
)


def _diff(path: str, old: str, new: str) -> str:
    import difflib

    return "".join(
        difflib.unified_diff(
            old.splitlines(keepends=True),
            new.splitlines(keepends=True),
            fromfile=path if path.startswith(("/", "<")) else f"a/{path}",
            tofile=path if path.startswith(("/", "<")) else f"b/{path}",
        )
    )


def fmt(
    files: Annotated[
        list[Path],
        typer.Argument(help="Runbook files or folders (searched for *.phc); `-` reads stdin.", show_default=False),
    ],
    check: Annotated[
        bool, typer.Option("--check", help="Write nothing; list the files that would change and exit 1 if any.")
    ] = False,
    diff: Annotated[bool, typer.Option("--diff", help="Write nothing; print a unified diff of the changes.")] = False,
) -> None:
    """Format runbooks in the canonical layout (rewrites files in place)."""
    from phasec.atomic import write_atomic
    from phasec.format import FormatError, format_text, meaning_change  # shared with the language server
    from phasec.grammar.reading import MAX_BYTES, decode, read_runbook, with_bom
    from phasec.source import SourceFile

    status = EXIT_OK
    paths = expand_paths(files)
    if not paths:
        typer.echo("phasec: error: no .phc files found", err=True)
        raise typer.Exit(EXIT_USAGE)
    for path in paths:
        stdin = str(path) == "-"
        name = "<stdin>" if stdin else path.as_posix()
        read = decode(sys.stdin.buffer.read(MAX_BYTES + 1), name) if stdin else read_runbook(path)
        text = read.text
        if text is None or not read.ok:  # unreadable (PC007) or not UTF-8 (PC008): reported; go on with the others
            report_unreadable(read)
            status = max(status, EXIT_USAGE)
            continue
        try:
            new = format_text(text, name)
        except FormatError as exc:
            _print_diags(exc.diagnostics, {name: SourceFile(name, text)})
            typer.echo(f"phasec: {name}: not formatted: fix the syntax errors above", err=True)
            status = max(status, EXIT_ERRORS)
            if stdin and not (check or diff):
                sys.stdout.write(with_bom(text, read.bom))
            continue
        change = meaning_change(text, new, name) if new != text else None
        if change is not None:
            if change == "findings":
                typer.echo(
                    f"phasec: {name}: not formatted: the layout would move a trailing `# phasec: ignore` comment "
                    "away from the code it suppresses; put that code on a line of its own first",
                    err=True,
                )
                status = max(status, EXIT_ERRORS)
            else:
                typer.echo(
                    f"phasec: internal error: {name}: formatting would change what the runbook means; "
                    "left unchanged. This is a bug in phasec; please report it with the file.",
                    err=True,
                )
                status = max(status, EXIT_INTERNAL)
            if stdin and not (check or diff):
                sys.stdout.write(with_bom(text, read.bom))
            continue
        if stdin and not (check or diff):
            sys.stdout.write(with_bom(new, read.bom))
            continue
        if new == text:
            continue
        if diff:
            sys.stdout.write(_diff(name, text, new))
        if check:
            typer.echo(f"would reformat {name}", err=diff)
            status = max(status, EXIT_ERRORS)
        if check or diff:
            continue
        try:
            write_atomic(path, with_bom(new, read.bom))  # a byte-order mark is kept
        except OSError as exc:
            typer.echo(f"phasec: error: {name}: {exc.strerror or exc}", err=True)
            status = max(status, EXIT_USAGE)
            continue
        typer.echo(f"reformatted {name}", err=True)
    raise typer.Exit(status)


def register(app: typer.Typer) -> None:
    """Add `phasec fmt` to the typer app."""
    app.command("fmt")(fmt)
