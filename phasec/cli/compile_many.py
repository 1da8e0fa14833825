"""`phasec compile` over several runbooks: each on its own, into OUT/<stem>/.

An unreadable file gets its diagnostic (PC007/PC008/PC010) and the others still
compile; a runbook with errors writes nothing for itself.  The exit code is
decided at the end, as for `phasec lint`: 3 if phasec failed on a file, else 2
if a file could not be read (or another usage error hit one runbook), else 1 if
a runbook has errors (or `--check` found a difference), else 0.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import typer

from phasec.cli.common import EXIT_ERRORS, EXIT_INTERNAL, EXIT_OK, EXIT_USAGE, _print_diags


def compile_many(
    paths: list[Path],
    out: Path | None,
    emits: set,
    check: bool,
    assumed: dict[str, str],
    templates: Path | None,
    compile_one: Callable[..., None],
) -> int:
    """Compile each of ``paths`` into ``out/<stem>/`` with ``compile_one`` (the command's
    one-runbook body, passed in so that this module does not import the command's); the
    exit code (see the module docstring)."""
    from phasec.cli.lint_files import internal_error

    to_stdout = sorted(e.value for e in emits if e.value in ("ir", "workbreakdown"))
    if to_stdout:
        typer.echo(
            f"phasec: error: --emit {to_stdout[0]} prints one document on stdout: give one runbook, not {len(paths)}",
            err=True,
        )
        return EXIT_USAGE
    if any(str(p) == "-" for p in paths):
        typer.echo("phasec: error: compile reads files, not standard input (`-`)", err=True)
        return EXIT_USAGE
    if out is None:
        typer.echo("phasec: error: compile needs --out DIR (each runbook goes into DIR/<stem>/)", err=True)
        return EXIT_USAGE
    if out.exists() and not out.is_dir():
        typer.echo(f"phasec: error: --out {out}: exists and is not a folder", err=True)
        return EXIT_USAGE
    seen: dict[str, Path] = {}
    for p in paths:  # two runbooks into one folder: refused before anything is written
        if p.stem in seen and seen[p.stem] != p:
            typer.echo(
                f"phasec: error: {seen[p.stem]} and {p} would both compile into {out / p.stem}: rename one", err=True
            )
            return EXIT_USAGE
        seen[p.stem] = p
    codes: list[int] = []
    for p in dict.fromkeys(paths):  # each runbook once, in order
        try:
            compile_one(p, out / p.stem, emits, check, assumed, templates, many=True)
            code = EXIT_OK
        except typer.Exit as exc:
            code = exc.exit_code
        except Exception as exc:  # noqa: BLE001 - one runbook's failure must not stop the others
            name = p.as_posix()
            _print_diags([internal_error(name, exc)], {name: None}, stream=sys.stdout)
            code = EXIT_INTERNAL
        sys.stdout.flush()
        codes.append(code)
    if EXIT_INTERNAL in codes:
        sys.stderr.write(
            "phasec: internal error: see PC000 above. This is a bug in phasec, not in your runbook; "
            "please report it with the input that caused it.\n"
        )
        return EXIT_INTERNAL
    return EXIT_USAGE if EXIT_USAGE in codes else EXIT_ERRORS if EXIT_ERRORS in codes else EXIT_OK
