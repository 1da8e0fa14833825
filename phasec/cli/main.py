"""The `phasec` command line (typer).

Exit codes: 0 clean (or warnings only), 1 errors found (or --check found a
difference), 2 usage error or unreadable file, 3 internal error.
"""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from phasec import __version__

app = typer.Typer(
    name="phasec",
    help="Compiler and linter for phase runbooks (.phc).",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

EXIT_OK, EXIT_ERRORS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3


class LintFormat(str, Enum):
    text = "text"
    concise = "concise"
    json = "json"
    github = "github"


def _version(value: bool) -> None:
    if value:
        typer.echo(f"phasec {__version__}")
        raise typer.Exit(EXIT_OK)


@app.callback()
def main(
    version: Annotated[
        Optional[bool], typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = None,
) -> None:
    """Compile and lint phase runbooks."""


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        typer.echo(f"phasec: error: {path}: no such file", err=True)
    except IsADirectoryError:
        typer.echo(f"phasec: error: {path}: is a directory", err=True)
    except UnicodeDecodeError as exc:
        typer.echo(f"phasec: error: {path}: not UTF-8 text ({exc.reason} at byte {exc.start})", err=True)
    except OSError as exc:
        typer.echo(f"phasec: error: {path}: {exc.strerror}", err=True)
    raise typer.Exit(EXIT_USAGE)


def _config(path: Path):
    from phasec.compiler.config import ConfigError, load_config

    try:
        return load_config(path)
    except ConfigError as exc:
        typer.echo(f"phasec: error: {exc}", err=True)
        raise typer.Exit(EXIT_USAGE) from None


def _print_diags(diags, sources, fmt: str = "text", stream=None) -> None:
    from phasec.compiler.render import RENDERERS, use_color

    stream = stream or sys.stderr
    text = RENDERERS[fmt](diags, sources, use_color(stream) if fmt == "text" else False)
    if text:
        stream.write(text if text.endswith("\n") else text + "\n")


@app.command()
def lint(
    files: Annotated[list[Path], typer.Argument(help="Runbook files to check.", show_default=False)],
    format: Annotated[LintFormat, typer.Option("--format", "-f", help="Output format.")] = LintFormat.text,
) -> None:
    """Check runbooks and report diagnostics."""
    from phasec.compiler.pipeline import analyze
    from phasec.compiler.render import summary

    all_diags = []
    sources = {}
    for path in files:
        text = _read(path)
        res = analyze(text, str(path), config=_config(path))
        sources[str(path)] = res.document.source if res.document else None
        all_diags.extend(res.diagnostics)
    fmt = format.value
    out = sys.stdout if fmt in ("json", "github", "concise") else sys.stderr
    _print_diags(all_diags, sources, fmt, out)
    if fmt == "text":
        sys.stderr.write(summary(all_diags, len(files)) + "\n")
    has_errors = any(d.severity.value == "error" for d in all_diags)
    raise typer.Exit(EXIT_ERRORS if has_errors else EXIT_OK)


class Emit(str, Enum):
    ir = "ir"
    workbreakdown = "workbreakdown"


@app.command("compile")
def compile_(
    file: Annotated[Path, typer.Argument(help="The runbook to compile.", show_default=False)],
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Output directory.")] = None,
    emit: Annotated[
        Optional[Emit], typer.Option("--emit", help="Print one artifact to stdout instead of writing files (`ir`: the IR as JSON).")
    ] = None,
    check: Annotated[bool, typer.Option("--check", help="Write nothing; exit 1 with a diff if DIR differs from what would be generated.")] = False,
) -> None:
    """Compile a runbook into its phase packet."""
    from phasec.compiler.pipeline import analyze

    text = _read(file)
    res = analyze(text, str(file), config=_config(file))
    sources = {str(file): res.document.source}
    _print_diags(res.diagnostics, sources)
    if res.has_errors:
        typer.echo(f"phasec: {file}: not compiled: fix the errors above", err=True)
        raise typer.Exit(EXIT_ERRORS)
    if emit is Emit.ir:
        sys.stdout.write(res.runbook.model_dump_json(indent=2) + "\n")
        raise typer.Exit(EXIT_OK)
    from phasec.emitters import emit_all
    from phasec.emitters.write import check_outputs, write_outputs

    outputs = emit_all(res.runbook)
    if emit is Emit.workbreakdown:
        name = next(p for p in outputs if p.endswith("_WORKBREAKDOWN.yaml"))
        sys.stdout.write(outputs[name])
        raise typer.Exit(EXIT_OK)
    if out is None:
        typer.echo("phasec: error: compile needs --out DIR (or --emit)", err=True)
        raise typer.Exit(EXIT_USAGE)
    if check:
        diff = check_outputs(out, outputs)
        if diff:
            sys.stdout.write(diff)
            typer.echo(f"phasec: {out}: differs from what {file} generates", err=True)
            raise typer.Exit(EXIT_ERRORS)
        typer.echo(f"phasec: {out}: up to date ({len(outputs)} files)", err=True)
        raise typer.Exit(EXIT_OK)
    written = write_outputs(out, outputs)
    for p in written:
        typer.echo(str(p))


@app.command()
def rules(
    json_: Annotated[bool, typer.Option("--json", help="Machine-readable list.")] = False,
) -> None:
    """List every diagnostic code and rule."""
    from phasec.compiler.rules.catalog import render_list

    sys.stdout.write(render_list(json_))


@app.command()
def explain(code: Annotated[str, typer.Argument(help="A code such as PC301.", show_default=False)]) -> None:
    """Print the documentation of a rule."""
    from phasec.compiler.rules.catalog import explain as _explain

    text = _explain(code)
    if text is None:
        typer.echo(f"phasec: error: unknown code {code!r}; `phasec rules` lists them", err=True)
        raise typer.Exit(EXIT_USAGE)
    sys.stdout.write(text)


def run() -> None:
    """Console-script entry point: never lets a traceback reach the user."""
    try:
        app()  # standalone mode: usage errors exit 2, typer.Exit carries our codes
    except SystemExit:
        raise
    except KeyboardInterrupt:
        sys.exit(130)
    except BaseException as exc:  # noqa: BLE001 - the last line of defence
        import os
        import traceback

        sys.stderr.write(
            f"phasec: internal error: {type(exc).__name__}: {exc}\n"
            "This is a bug in phasec, not in your runbook; please report it with the input that caused it.\n"
        )
        if os.environ.get("PHASEC_DEBUG"):
            traceback.print_exc()
        sys.exit(EXIT_INTERNAL)


if __name__ == "__main__":  # pragma: no cover
    run()
