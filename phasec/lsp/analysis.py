"""One analysis of one version of a document: what every feature reads.

A :class:`Snapshot` holds the text, the syntax tree, the IR, the diagnostics
(same pipeline and configuration as ``phasec lint``), the symbol index and the
position mapper of one version.  A snapshot is a frozen dataclass built
complete in one go (every field, the LSP diagnostics and the timings included,
is computed before it is constructed), so the server can build it on a worker
thread and hand it to request handlers: nothing writes to it afterwards, except
the symbol index, a cached property computed from the frozen fields once.  Its
fields hold the analysis' own objects (the IR, the syntax tree), which nobody
mutates either; the LSP diagnostics are a tuple.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from lsprotocol import types

from phasec.compiler.diagnostics import Diagnostic
from phasec.compiler.pipeline import Result
from phasec.lsp.index import SymbolIndex
from phasec.lsp.positions import UTF16, PositionMapper

if TYPE_CHECKING:
    from collections.abc import Callable

    from phasec.lsp.incremental import State


@dataclass(frozen=True)
class Snapshot:
    uri: str
    path: str
    version: int | None
    text: str
    result: Result
    mapper: PositionMapper
    config_error: str | None = None
    analyze_ms: float = 0.0
    analyze_cpu_ms: float = 0.0  # CPU time of the analysing thread (steadier than wall time on a loaded machine)
    total_ms: float = 0.0
    started_at: float = 0.0  # time.perf_counter() when the analysis began
    lsp_diagnostics: tuple[types.Diagnostic, ...] = ()
    #: What the analysis of the next version reuses (phasec/lsp/incremental.py).
    incremental: State | None = None
    #: How much the analysis re-parsed and re-bound (phasec.lsp.incremental.Stats).
    stats: object | None = None

    @cached_property
    def index(self) -> SymbolIndex:
        """The symbol index, built on first use: the diagnostics do not need it.

        The server builds it on its worker thread right after publishing the
        diagnostics (``PhasecServer._run``), so requests normally find it ready.
        It reads only the analysis' own objects, which nobody mutates, so
        building it on any thread is safe (at worst twice, to equal results).
        """
        return SymbolIndex(self.result.runbook, self.result.document)

    def build_index(self, pause: Callable[[], object]) -> None:
        """Build :attr:`index` now unless it is built, calling ``pause`` as it goes (the server's
        background build, which waits there while an analysis runs)."""
        if "index" not in self.__dict__:
            index = SymbolIndex(self.result.runbook, self.result.document, pause)
            self.__dict__.setdefault("index", index)  # a request may have built it meanwhile

    @property
    def diagnostics(self) -> list[Diagnostic]:
        return self.result.diagnostics

    @property
    def runbook(self):
        return self.result.runbook

    @property
    def document(self):
        return self.result.document


def path_of(uri: str) -> str | None:
    """The filesystem path of a ``file:`` URI (None for other schemes)."""
    from pygls.uris import to_fs_path

    if not uri.startswith("file:"):
        return None
    return to_fs_path(uri)


#: The configuration files the server has read, each with what it gave (``load_config``'s cache):
#: read again only when a file changes, not on every keystroke (0.7 ms for a ``pyproject.toml``).
_CONFIG_FILES: dict = {}


def load_config_for(path: str | None):
    """(config, error message) for a runbook at ``path`` — the CLI's configuration lookup."""
    from phasec.compiler.config import Config, ConfigError, load_config

    if path is None:
        return Config(), None
    try:
        return load_config(Path(path), _CONFIG_FILES), None
    except ConfigError as exc:
        return Config(), str(exc)


def _encoding(encoding) -> str:
    return str(encoding.value if isinstance(encoding, types.PositionEncodingKind) else encoding)


def build_snapshot(
    uri: str, text: str, version: int | None, encoding: str = UTF16, previous: Snapshot | None = None
) -> Snapshot:
    """Analyse ``text`` (parse, lower, resolve, lint) and index it.

    With ``previous`` (the snapshot of an earlier version of the same document),
    only the top-level blocks the edit touched are parsed and bound again
    (phasec/lsp/incremental.py); the diagnostics are those of a full analysis.

    Runs on the server's worker thread and leaves the process' global state (the
    garbage collector included) alone; see docs/performance.md.
    """
    from phasec.lsp import incremental
    from phasec.lsp.diagnostics import to_lsp_diagnostics

    t0 = time.perf_counter()
    path = path_of(uri)
    config, config_error = load_config_for(path)
    t1 = time.perf_counter()
    c1 = time.thread_time()
    prev_state = previous.incremental if previous is not None and previous.uri == uri else None
    stats = incremental.Stats()
    result, state = incremental.analyze(text, path or uri, prev_state, config=config, stats=stats)
    t2 = time.perf_counter()
    c2 = time.thread_time()
    region = stats.region
    if region is not None and previous is not None and previous.mapper.encoding == _encoding(encoding):
        # the lines the edit touched split again
        mapper = PositionMapper.edited(previous.mapper, text, *region, lines=stats.region_lines)
    else:
        mapper = PositionMapper(text, encoding)
    lsp_diagnostics = tuple(to_lsp_diagnostics(result.diagnostics, uri, mapper, version, config_error))
    return Snapshot(
        uri=uri,
        path=path or uri,
        version=version,
        text=text,
        result=result,
        mapper=mapper,
        config_error=config_error,
        analyze_ms=(t2 - t1) * 1000,
        analyze_cpu_ms=(c2 - c1) * 1000,
        total_ms=(time.perf_counter() - t0) * 1000,
        started_at=t0,
        lsp_diagnostics=lsp_diagnostics,
        incremental=state,
        stats=stats,
    )
