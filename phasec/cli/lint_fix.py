"""`phasec lint --fix`: apply the safe fixes of a file's findings, then lint what is left."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from phasec.compiler.config import Config


def fix_file(path: Path, text: str, config: Config, bom: bool = False) -> str:
    """Apply safe fixes to ``path`` (atomic rewrite, only when something changed); return its text.

    A file with syntax errors is never touched; a byte-order mark (``bom``) is kept.  The number of findings fixed
    goes to stderr, so that machine formats on stdout stay clean.
    """
    from phasec.atomic import write_atomic
    from phasec.fix import fix_text
    from phasec.grammar.reading import with_bom

    res = fix_text(text, str(path), config=config)
    if res.refused:
        typer.echo(f"phasec: {path}: not fixed: it has syntax errors", err=True)
        return text
    if not res.changed:
        return text
    try:
        write_atomic(path, with_bom(res.text, bom))
    except OSError as exc:
        typer.echo(f"phasec: error: {path}: not fixed: {exc.strerror or exc}", err=True)
        return text
    noun = "problem" if res.fixed == 1 else "problems"
    typer.echo(f"phasec: {path}: fixed {res.fixed} {noun}", err=True)
    return res.text
