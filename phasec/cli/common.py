"""Helpers shared by the CLI commands."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import typer

if TYPE_CHECKING:
    from phasec.compiler.config import Config
    from phasec.compiler.render import Sources
    from phasec.diagnostics import Diagnostic
    from phasec.grammar.reading import Read

EXIT_OK, EXIT_ERRORS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3


def _read(path: Path) -> str:
    """The text of one runbook (a BOM removed); an unreadable one is reported (PC007/PC008) and exits 2."""
    from phasec.grammar.reading import read_runbook

    read = read_runbook(path)
    if read.text is None or not read.ok:
        report_unreadable(read)
        raise typer.Exit(EXIT_USAGE)
    return read.text


def report_unreadable(read: Read, fmt: str = "text", stream: TextIO | None = None) -> None:
    """Print the diagnostic of a file that could not be read (stderr unless told)."""
    _print_diags([d for d in (read.diagnostic,) if d is not None], {read.path: read.source}, fmt, stream)


def expand_paths(paths: list[Path]) -> list[Path]:
    """Files as given; folders searched recursively for ``*.phc`` (sorted, hidden folders skipped); ``-`` kept.

    A folder named ``*.phc`` given explicitly is kept as it is: reading it reports PC007.
    """
    out: list[Path] = []
    for p in paths:
        if str(p) != "-" and p.is_dir() and p.suffix != ".phc":
            found = sorted(
                f
                for f in p.rglob("*.phc")
                if f.is_file() and not any(part.startswith(".") for part in f.relative_to(p).parts)
            )
            out.extend(found)
        else:
            out.append(p)
    return out


def _config(path: Path) -> Config:
    from phasec.compiler.config import ConfigError, load_config

    try:
        return load_config(path)
    except ConfigError as exc:
        if exc.diagnostics:
            _print_diags(exc.diagnostics, {exc.source.path: exc.source} if exc.source else {})
            typer.echo(f"phasec: error: {exc.source.path if exc.source else path}: invalid configuration", err=True)
        else:
            typer.echo(f"phasec: error: {exc}", err=True)
        raise typer.Exit(EXIT_USAGE) from None


def _print_diags(diags: list[Diagnostic], sources: Sources, fmt: str = "text", stream: TextIO | None = None) -> None:
    from phasec.compiler.render import RENDERERS, use_color

    stream = stream or sys.stderr
    text = RENDERERS[fmt](diags, sources, use_color(stream) if fmt == "text" else False)
    if text:
        stream.write(text if text.endswith("\n") else text + "\n")
