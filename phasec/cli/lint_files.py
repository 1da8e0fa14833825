"""`phasec lint` over many files: each file on its own, work shared, spread over the cores.

* **Isolation.** A path that cannot be read or decoded gets its own diagnostic
  (PC007/PC008, see :mod:`phasec.grammar.reading`); a failure inside phasec on
  one file is reported as PC000 on that file.  Every other file is still checked,
  and the exit code is decided at the end: 3 if phasec failed on a file, else 2
  if a file could not be read, else 1 if there are errors, else 0.
* **Sharing.** The configuration is looked up once per folder; the parser and
  the rules are loaded once per process.
* **Cores.** From :data:`PARALLEL_MIN_FILES` files on, and when there is more
  than one CPU, files are analysed by a pool of worker processes (one per CPU),
  in chunks.  Results are put back in input order, so the output is the same
  byte for byte whichever way the files were checked.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from phasec.compiler.config import Config
    from phasec.diagnostics import Diagnostic
    from phasec.grammar.reading import Read

#: From this many files on, lint spreads the files over the CPU cores.
PARALLEL_MIN_FILES = 16
#: Set to 1 to force the serial path (or a number to cap the workers).
JOBS_ENV = "PHASEC_JOBS"


@dataclass
class FileResult:
    name: str
    diagnostics: list = field(default_factory=list)
    text: str | None = None  # the text checked (for the snippets), None when unreadable
    unreadable: bool = False
    internal: bool = False  # phasec failed on this file (PC000)


def internal_error(name: str, exc: BaseException) -> Diagnostic:
    """PC000 on ``name``: phasec failed on this file (the others are still checked)."""
    from phasec.diagnostics import Diagnostic, Severity
    from phasec.source import Span

    return Diagnostic(
        code="PC000",
        severity=Severity.ERROR,
        message=f"internal error: {type(exc).__name__}: {exc}",
        span=Span(file=name, line=1, column=1, end_line=1, end_column=1),
        help="a bug in phasec, not in the runbook; please report it with the file",
    )


def analyze_text(name: str, text: str, config: Config | None) -> FileResult:
    from phasec.compiler.pipeline import analyze

    try:
        res = analyze(text, name, config=config)
    except Exception as exc:  # noqa: BLE001 - one file's failure must not stop the others
        return FileResult(name, [internal_error(name, exc)], text, internal=True)
    return FileResult(name, res.diagnostics, res.document.source.text if res.document else text)


def check_path(path: str, config: Config | None) -> FileResult:
    """Read and analyse one file (in this process or a worker)."""
    from phasec.grammar.reading import read_runbook

    read = read_runbook(path)
    if read.text is None or not read.ok:
        return unread(read)
    return analyze_text(read.path, read.text, config)


def _check_chunk(items: list[tuple[str, Config | None]]) -> list[FileResult]:
    return [check_path(p, c) for p, c in items]


def _worker_init() -> None:
    from phasec.compiler.pipeline import parse

    # forked: the collector thresholds of the console script are inherited
    parse("", "<warm-up>")  # load the parser once per worker


def jobs(n_files: int) -> int:
    """How many worker processes to use for ``n_files`` files (1: no pool)."""
    env = os.environ.get(JOBS_ENV, "").strip()
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if env.isdigit() and int(env) >= 1:
        cpus = int(env)
        if cpus > 1 and n_files > 1:
            return min(cpus, n_files)
    if n_files < PARALLEL_MIN_FILES or cpus < 2:
        return 1
    return min(cpus, n_files)


def check_paths(items: list[tuple[str, Config | None]]) -> list[FileResult]:
    """Check ``(path, config)`` pairs; results in the same order as ``items``."""
    workers = jobs(len(items))
    if workers <= 1:
        return _check_chunk(items)
    from concurrent.futures import ProcessPoolExecutor

    # a few chunks per worker: balanced, and each result batch crosses the pipe once
    size = max(1, -(-len(items) // (workers * 4)))
    chunks = [items[i : i + size] for i in range(0, len(items), size)]
    try:
        import multiprocessing

        ctx = multiprocessing.get_context("fork") if sys.platform == "linux" else None
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_worker_init) as pool:
            return [r for batch in pool.map(_check_chunk, chunks) for r in batch]
    except (OSError, ImportError, RuntimeError):  # no processes available here: do it serially
        return _check_chunk(items)


@dataclass
class Checked:
    """What `lint` found over all its files, in input order."""

    diagnostics: list = field(default_factory=list)
    sources: dict = field(default_factory=dict)
    unreadable: bool = False  # a file could not be read (or its configuration is invalid): exit 2
    internal: bool = False  # phasec failed on a file (PC000): exit 3


def unread(read: Read) -> FileResult:
    """The result of a file that could not be read: its diagnostic (PC007/PC008/PC010)."""
    return FileResult(read.path, [d for d in (read.diagnostic,) if d is not None], read.shown, unreadable=True)


def lint_paths(paths: list[Path], *, fix: bool = False, stdin_filename: str | None = None) -> Checked:
    """Check every path (``-``: standard input) on its own; see the module docstring."""
    import typer

    from phasec.cli.common import _config
    from phasec.grammar.reading import MAX_BYTES, decode
    from phasec.source import SourceFile

    # Each file on its own: one that cannot be read gets its own diagnostic (PC007/PC008)
    # and the others are still checked; the exit code is decided at the end.
    results: dict[int, FileResult] = {}
    pending: list[tuple[int, str, Config | None]] = []
    configs: dict[Path, Config | None] = {}  # the configuration, looked up once per folder
    config_failed = False
    for i, path in enumerate(paths):
        if str(path) == "-":
            read = decode(sys.stdin.buffer.read(MAX_BYTES + 1), stdin_filename or "<stdin>")
            # the configuration of the file stdin stands for (else of the current folder)
            where = Path(stdin_filename) if stdin_filename else Path.cwd()
        else:
            read = None
            where = path
        folder = where.resolve()  # the folder load_config searches from
        folder = folder.parent if folder.is_file() or not folder.exists() else folder
        try:
            if folder not in configs:
                configs[folder] = _config(where)
        except typer.Exit:  # an invalid configuration: reported; its files are not checked
            configs[folder] = None
        config = configs[folder]
        if config is None:
            config_failed = True
            continue
        if read is not None:
            if read.text is None or not read.ok:
                results[i] = unread(read)
            else:
                results[i] = analyze_text(read.path, read.text, config)
        elif fix:
            from phasec.cli.lint_fix import fix_file
            from phasec.grammar.reading import read_runbook

            read = read_runbook(path)
            if read.text is None or not read.ok:
                results[i] = unread(read)
                continue
            text = fix_file(path, read.text, config, bom=read.bom)
            results[i] = analyze_text(read.path, text, config)
        else:
            pending.append((i, path.as_posix(), config))
    for (i, _, _), res in zip(pending, check_paths([(p, c) for _, p, c in pending]), strict=True):
        results[i] = res
    out = Checked(unreadable=config_failed)
    for i in sorted(results):
        res = results[i]
        out.sources[res.name] = SourceFile(res.name, res.text) if res.text is not None else None
        out.diagnostics.extend(res.diagnostics)
        out.unreadable = out.unreadable or res.unreadable
        out.internal = out.internal or res.internal
    return out
