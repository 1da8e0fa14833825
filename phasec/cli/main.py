"""The `phasec` command line (typer).

Exit codes: 0 clean (or warnings only), 1 errors found (or --check found a
difference), 2 usage error or unreadable file, 3 internal error.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, MutableMapping
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer
import typer.main
from typer.core import TyperGroup
from typer.models import CommandInfo

from phasec import LANGUAGE_VERSION, __version__

# The collector's settings (phasec/cli/collector.py: the console script applies them
# before typer is loaded); here too for the benchmarks and the tests.
from phasec.cli.collector import GC_THRESHOLDS as GC_THRESHOLDS
from phasec.cli.collector import tune_gc
from phasec.cli.common import (
    EXIT_ERRORS,
    EXIT_INTERNAL,
    EXIT_OK,
    EXIT_USAGE,
    _config,
    _print_diags,
    _read,
    report_unreadable,
)


class _Commands(MutableMapping):
    """The group's commands by name, in registration order, each built when first looked up.

    typer turns every registered command into its click command each time the app
    runs (``typer.main.get_group_from_info``: each signature read, each parameter's
    annotation resolved), about 10 ms of CPU for phasec's ten commands where a
    ``phasec lint`` needs one (docs/performance.md, *Start-up*).  Each command is
    built by typer as before (``typer.main.get_command_from_info``, with the app's
    settings), only later: invoking a command looks up its own name, while ``--help``
    and the suggestion for a mistyped name go through all of them.
    """

    def __init__(self, entries: dict[str, Any]) -> None:
        self._entries = entries  # name -> CommandInfo (not built yet) or the click command

    def __getitem__(self, name: str) -> Any:
        entry = self._entries[name]
        if isinstance(entry, CommandInfo):
            entry = self._entries[name] = typer.main.get_command_from_info(
                entry, pretty_exceptions_short=app.pretty_exceptions_short, rich_markup_mode=app.rich_markup_mode
            )
        return entry

    def __setitem__(self, name: str, command: Any) -> None:
        self._entries[name] = command

    def __delitem__(self, name: str) -> None:
        del self._entries[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)


#: The registered commands, taken out of typer's list once all are registered (:func:`_defer_commands`).
_DEFERRED: dict[str, CommandInfo] = {}


class _Group(TyperGroup):
    """phasec's command group: typer's, with the commands built on demand (:class:`_Commands`)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.commands = _Commands({**_DEFERRED, **self.commands})


app = typer.Typer(
    cls=_Group,
    name="phasec",
    help="Compiler and linter for phase runbooks (.phc).",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


class LintFormat(str, Enum):
    text = "text"
    concise = "concise"
    json = "json"
    sarif = "sarif"
    github = "github"
    junit = "junit"


def _version(value: bool) -> None:
    if value:
        typer.echo(f"phasec {__version__} (runbook language v{LANGUAGE_VERSION})")
        raise typer.Exit(EXIT_OK)


#: Set by :func:`run`, the console script: the process is phasec's own.
_OWN_PROCESS = False


@app.callback()
def main(
    version: Annotated[
        bool | None,
        typer.Option(
            "--version",
            callback=_version,
            is_eager=True,
            help="Print the version (and the runbook language version) and exit.",
        ),
    ] = None,
) -> None:
    """Compile and lint phase runbooks."""
    if _OWN_PROCESS:  # the console script: the process is ours (not when the app is used as a library)
        tune_gc()


@app.command()
def lint(
    files: Annotated[
        list[Path],
        typer.Argument(
            help="Runbook files or folders (searched recursively for *.phc, sorted); `-` reads standard input.",
            show_default=False,
            metavar="FILE",
        ),
    ],
    format: Annotated[
        LintFormat,
        typer.Option(
            "--format",
            "-f",
            help="Output format, always on stdout: text (coloured on a terminal), concise, json, sarif, github, junit "
            "(docs/output-formats.md).",
        ),
    ] = LintFormat.text,
    fix: Annotated[
        bool, typer.Option("--fix", help="Apply safe fixes in place (atomically), then report what is left.")
    ] = False,
    stdin_filename: Annotated[
        str | None,
        typer.Option(
            "--stdin-filename",
            help="With `-`: the path standard input stands for, used in diagnostics and to find the configuration.",
        ),
    ] = None,
    packet: Annotated[
        Path | None,
        typer.Option(
            "--packet",
            help="Drift check: also compare this hand-written packet folder with the runbook (docs/import.md).",
        ),
    ] = None,
) -> None:
    """Check runbooks and report diagnostics."""
    from phasec.cli.common import expand_paths
    from phasec.compiler.render import summary

    paths = expand_paths(files)
    if not paths:
        typer.echo("phasec: error: no .phc files found", err=True)
        raise typer.Exit(EXIT_USAGE)
    reads_stdin = any(str(p) == "-" for p in paths)
    if fix and reads_stdin:
        typer.echo("phasec: error: --fix rewrites files in place; it cannot fix standard input (`-`)", err=True)
        raise typer.Exit(EXIT_USAGE)
    if stdin_filename is not None and not reads_stdin:
        typer.echo(
            "phasec: error: --stdin-filename is for `-` (standard input), which is not among the inputs", err=True
        )
        raise typer.Exit(EXIT_USAGE)
    from phasec.cli.lint_files import lint_paths

    # each file on its own (unreadable ones get PC007/PC008); the exit code is decided at the end
    checked = lint_paths(paths, fix=fix, stdin_filename=stdin_filename)
    all_diags, sources = checked.diagnostics, checked.sources
    if packet is not None:
        all_diags = all_diags + _packet_drift(paths, packet, sources)
    fmt = format.value
    # Findings go to stdout in every format (`phasec lint x.phc | less` works); stderr
    # carries only usage and internal errors.
    _print_diags(all_diags, sources, fmt, sys.stdout)
    if fmt == "text":
        sys.stdout.write(summary(all_diags, len(paths)) + "\n")
    has_errors = any(d.severity.value == "error" for d in all_diags)
    if checked.internal:
        sys.stderr.write(
            "phasec: internal error: see PC000 above. This is a bug in phasec, not in your runbook; "
            "please report it with the input that caused it.\n"
        )
        raise typer.Exit(EXIT_INTERNAL)
    raise typer.Exit(EXIT_USAGE if checked.unreadable else EXIT_ERRORS if has_errors else EXIT_OK)


def _packet_drift(paths: list[Path], packet: Path, sources: dict) -> list:
    """`lint --packet DIR`: the hand-written packet checked against each readable runbook (docs/import.md)."""
    from phasec.compiler.pipeline import analyze
    from phasec.grammar.reading import read_runbook
    from phasec.importer.drift import drift_check

    out: list = []
    for path in paths:
        if str(path) == "-":
            continue  # standard input was read once, by the lint itself
        read = read_runbook(str(path))
        if read.diagnostic is not None or read.text is None:
            continue  # already reported (PC007/PC008/PC010)
        res = analyze(read.text, read.path, config=_config(path))
        if res.runbook is None:
            continue
        drift, packet_sources = drift_check(res.runbook, read.path, packet.as_posix())
        out.extend(drift)
        sources.update(packet_sources)
    return out


class Emit(str, Enum):
    ir = "ir"
    workbreakdown = "workbreakdown"
    ci = "ci"
    packet = "packet"


#: The --emit values that add files to the output folder (recorded in manifest.json).
EXTRAS = frozenset({Emit.ci.value})


def _parse_assume(values: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for v in values:
        sid, sep, path = v.partition("=")
        if not sep or not sid or not path:
            typer.echo(f"phasec: error: --assume {v!r}: write SLICE=triggered or SLICE=deferred", err=True)
            raise typer.Exit(EXIT_USAGE)
        out[sid.strip()] = path.strip()
    return out


@app.command("compile")
def compile_(
    files: Annotated[
        list[Path],
        typer.Argument(
            help="The runbook to compile, or several runbooks and folders (searched recursively for *.phc): "
            "each compiles on its own into OUT/<stem>/.",
            show_default=False,
            metavar="FILE",
        ),
    ],
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Output directory.")] = None,
    emit: Annotated[
        list[Emit] | None,
        typer.Option(
            "--emit",
            help="`ir`: print the IR as JSON; `workbreakdown`: print the work breakdown; "
            "`ci`: also write a GitHub Actions workflow; `packet`: the packet only. Repeatable. "
            "Without --emit, the extras (`ci`) an earlier compile recorded in DIR/manifest.json are emitted again.",
        ),
    ] = None,
    check: Annotated[
        bool,
        typer.Option("--check", help="Write nothing; exit 1 with a diff if DIR differs from what would be generated."),
    ] = False,
    assume: Annotated[
        list[str] | None,
        typer.Option("--assume", help="Resolve a conditional slice: SLICE=triggered or SLICE=deferred. Repeatable."),
    ] = None,
    templates: Annotated[
        Path | None, typer.Option("--templates", help="A folder of templates overriding the shipped ones.")
    ] = None,
) -> None:
    """Compile a runbook into its phase packet (several: each into OUT/<stem>/)."""
    from phasec.cli.common import expand_paths

    emits = set(emit or [])
    assumed = _parse_assume(assume or [])
    if templates is not None and not templates.is_dir():
        typer.echo(f"phasec: error: --templates {templates}: not a folder", err=True)
        raise typer.Exit(EXIT_USAGE)
    paths = expand_paths(files)
    if not paths:
        typer.echo("phasec: error: no .phc files found", err=True)
        raise typer.Exit(EXIT_USAGE)
    if len(paths) == 1 and not any(f.is_dir() and f.suffix != ".phc" for f in files):
        _compile_one(paths[0], out, emits, check, assumed, templates)
        return
    from phasec.cli.compile_many import compile_many

    raise typer.Exit(compile_many(paths, out, emits, check, assumed, templates, _compile_one))


def _compile_one(
    file: Path,
    out: Path | None,
    emits: set,
    check: bool,
    assumed: dict[str, str],
    templates: Path | None,
    many: bool = False,
) -> None:
    """Compile one runbook; ends with typer.Exit (or returns: compiled). ``many``: findings all on stdout."""
    from phasec.compiler.pipeline import analyze

    if many:
        from phasec.grammar.reading import read_runbook

        read = read_runbook(file)
        if read.text is None or not read.ok:
            report_unreadable(read, stream=sys.stdout)
            raise typer.Exit(EXIT_USAGE)
        text = read.text
    else:
        text = _read(file)
    res = analyze(text, file.as_posix(), config=_config(file), compiling=True)
    sources = {file.as_posix(): res.document.source if res.document else None}
    # Findings on stdout, as `phasec lint` prints them; on stderr when stdout carries a document.
    document_on_stdout = bool(emits & {Emit.ir, Emit.workbreakdown})
    _print_diags(res.diagnostics, sources, stream=sys.stderr if document_on_stdout else sys.stdout)
    if res.has_errors or res.runbook is None:
        typer.echo(f"phasec: {file}: not compiled: fix the errors above", err=document_on_stdout)
        raise typer.Exit(EXIT_ERRORS)
    # The emitters read the IR only: the syntax tree (about 215 MB of a 10,000-slice
    # runbook) is freed for them to reuse (docs/performance.md, *Memory*).
    res.document = None
    # The rules' graphs (networkx: each graph and its views refer to each other) are cyclic
    # garbage by now, which the raised thresholds leave for a rare full collection: collect
    # them once, so that the emitters reuse their memory (docs/performance.md, *Memory*).
    import gc

    gc.collect()
    if Emit.ir in emits:
        sys.stdout.write(res.runbook.model_dump_json(indent=2) + "\n")
        raise typer.Exit(EXIT_OK)
    from phasec.emitters import EmitError, EmitOptions, emit_all
    from phasec.emitters.write import (
        OutputPathError,
        check_outputs,
        output_lock,
        record_extras,
        recorded_extras,
        stale_outputs,
        write_outputs,
    )

    # Opt-in outputs: an explicit --emit wins; without one, reuse what the last
    # compile into the same folder recorded in its manifest.json.
    extras = frozenset(e.value for e in emits) & EXTRAS
    if not emits and out is not None and out.is_dir():
        extras = recorded_extras(out) & EXTRAS
    options = EmitOptions(
        assume=assumed,
        templates=str(templates) if templates else None,
        extras=extras,
    )
    try:
        outputs = emit_all(res.runbook, options)
    except EmitError as exc:
        typer.echo(f"phasec: error: {exc}", err=True)
        raise typer.Exit(EXIT_USAGE) from None
    except Exception as exc:
        import jinja2

        if isinstance(exc, jinja2.TemplateError):
            lineno = getattr(exc, "lineno", None)  # TemplateSyntaxError and its subclasses carry a place
            where = f" ({getattr(exc, 'filename', None)}:{lineno})" if lineno else ""
            typer.echo(f"phasec: error: template{where}: {exc}", err=True)
            raise typer.Exit(EXIT_USAGE) from None
        raise
    outputs = record_extras(outputs, options.extras)
    if Emit.workbreakdown in emits:
        name = next(p for p in outputs if p.endswith("_WORKBREAKDOWN.yaml"))
        sys.stdout.write(outputs[name])
        raise typer.Exit(EXIT_OK)
    if out is None:
        typer.echo("phasec: error: compile needs --out DIR (or --emit ir / --emit workbreakdown)", err=True)
        raise typer.Exit(EXIT_USAGE)
    if out.exists() and not out.is_dir():
        typer.echo(f"phasec: error: --out {out}: exists and is not a folder", err=True)
        raise typer.Exit(EXIT_USAGE)
    try:
        if check:
            diff = check_outputs(out, outputs)
            if diff:
                sys.stdout.write(diff)
                typer.echo(f"phasec: {out}: differs from what {file} generates", err=True)
                raise typer.Exit(EXIT_ERRORS)
            typer.echo(f"phasec: {out}: up to date ({len(outputs)} files)", err=True)
            raise typer.Exit(EXIT_OK)
        with output_lock(out):  # one compile into a folder at a time
            stale = stale_outputs(out, outputs)
            written = write_outputs(out, outputs, stale)
        for rel in stale:
            typer.echo(f"removed {out / rel} (no longer generated)", err=True)
    except OutputPathError as exc:
        typer.echo(f"phasec: error: {exc}", err=True)
        raise typer.Exit(EXIT_ERRORS) from None
    except OSError as exc:
        typer.echo(f"phasec: error: {out}: {exc.strerror or exc}", err=True)
        raise typer.Exit(EXIT_USAGE) from None
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


def _register_commands() -> None:
    """Commands that live in their own modules (each module owns its command)."""
    from phasec.cli import fmt_cmd, graph_cmd, import_cmd, lsp_cmd, schema_cmd, status_cmd

    for mod in (graph_cmd, schema_cmd, fmt_cmd, lsp_cmd, import_cmd, status_cmd):
        mod.register(app)


_register_commands()


def _defer_commands() -> None:
    """Hand the registered commands to :class:`_Group` (built on demand) instead of typer (built all at once)."""
    for info in app.registered_commands:
        assert info.callback is not None
        _DEFERRED[info.name or typer.main.get_command_name(info.callback.__name__)] = info
    app.registered_commands.clear()


_defer_commands()


def run() -> None:
    """Run the command line: never lets a traceback reach the user.

    The console script is :func:`phasec.cli.entry.run`, which tunes the collector
    before this module (typer) is imported and calls this."""
    global _OWN_PROCESS
    _OWN_PROCESS = True
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
