"""`phasec status`: the runbook held against the live repository (docs/status.md).

Exit 0 when nothing has drifted from the plan, 1 when something has, 2 on usage
errors (an unreadable runbook, one that does not parse or resolve, a folder that is
not in a git repository).  Read-only: the repository is never changed.
"""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from phasec.diagnostics import Diagnostic


class StatusFormat(str, Enum):
    text = "text"
    json = "json"
    markdown = "markdown"


def _front_end_error(d: Diagnostic) -> bool:
    """Errors from parsing, the schema or name resolution (codes below PC300): no plan to hold against the
    repository.  Lint findings (an agent cap, a missing gate) do not stop `status`: that is `phasec lint`'s job."""
    digits = d.code[2:] if d.code.startswith("PC") else ""
    return d.severity.value == "error" and digits.isdigit() and int(digits) < 300


def status(
    file: Annotated[Path, typer.Argument(help="The runbook.", show_default=False)],
    repo: Annotated[
        Path | None, typer.Option("--repo", help="A folder inside the repository (default: the current folder).")
    ] = None,
    format: Annotated[StatusFormat, typer.Option("--format", "-f", help="Output format.")] = StatusFormat.text,
) -> None:
    """Show the phase's state in the repository: per slice, per phase, and drift from the plan.

    Exit 0 when nothing has drifted, 1 when something has, 2 on usage errors.
    """
    from phasec.cli.common import EXIT_ERRORS, EXIT_OK, EXIT_USAGE, _config, _print_diags, _read
    from phasec.compiler.pipeline import analyze

    text = _read(file)
    res = analyze(text, file.as_posix(), config=_config(file))
    if res.runbook is None or any(_front_end_error(d) for d in res.diagnostics):
        _print_diags(res.diagnostics, {file.as_posix(): res.document.source if res.document else None})
        typer.echo(f"phasec: {file}: the runbook does not parse or resolve: fix the errors above", err=True)
        raise typer.Exit(EXIT_USAGE)
    repo_dir = repo if repo is not None else Path.cwd()
    if not repo_dir.is_dir():
        typer.echo(f"phasec: error: {repo_dir}: no such folder", err=True)
        raise typer.Exit(EXIT_USAGE)
    from phasec.status import GitError, collect

    try:
        report = collect(res.runbook, repo_dir)
    except GitError as exc:
        typer.echo(f"phasec: error: {exc}", err=True)
        raise typer.Exit(EXIT_USAGE) from None
    from phasec.status import render

    if format is StatusFormat.text:
        from phasec.compiler.render import use_color

        sys.stdout.write(render.render_text(report, colour=use_color(sys.stdout)))
    else:
        sys.stdout.write(render.RENDERERS[format.value](report))
    raise typer.Exit(EXIT_ERRORS if report.drift else EXIT_OK)


def register(app: typer.Typer) -> None:
    """Add `phasec status` to the typer app."""
    app.command("status")(status)
