"""The phasec language server (pygls 2).

One process serves every open runbook.  Per document it keeps the latest
:class:`~phasec.lsp.analysis.Snapshot` — text, syntax tree, IR, diagnostics and
symbol index of one version — and re-analyses on change:

* ``didOpen`` analyses at once; ``didChange`` is debounced (150 ms by default):
  each change restarts the timer, and when it fires the *current* text is
  analysed.  Analyses run one at a time on a worker thread, so the server keeps
  answering requests meanwhile; a change that arrives during an analysis marks
  the document dirty and one more analysis follows.  Diagnostics are published
  in version order with their version, so the latest version always wins.
* The symbol index (hover, definition, references, rename, symbols, completion
  of ids) is built on a second worker thread of its own, once the document has
  been quiet for 250 ms after its diagnostics were published (``indexDelayMs``)
  and only if that version is still the current one; the build waits while an
  analysis runs.  So the next analysis never queues behind an index (on 1,000
  slices it costs several times a re-lint) nor shares the interpreter with one,
  and while the user types no index is built for versions already replaced.  A
  request that comes sooner builds it itself.
* Requests that need positions to match the text (hover, definition,
  references, rename, symbols) first bring the snapshot up to date; completion
  works on the current text directly (see :mod:`phasec.lsp.completion`).
* ``didClose`` drops the document and clears its diagnostics.

Every analysis gives the CLI's result (``pipeline.analyze`` with the
configuration ``load_config`` finds for the file), incrementally: only the
top-level blocks an edit touched are parsed, bound and lowered again
(:mod:`phasec.lsp.incremental`); nothing is re-imported and no process is
started.  ``initializationOptions``: ``{"debounceMs": 150, "indexDelayMs": 250,
"timings": false}`` (with ``timings`` the server logs how long each analysis took,
and each symbol index it builds, see benchmarks/bench_lsp.py).
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from phasec import __version__
from phasec.lsp import actions, completion, hover, navigation, symbols
from phasec.lsp.analysis import Snapshot, build_snapshot, path_of
from phasec.lsp.document import PhasecDocument

log = logging.getLogger("phasec.lsp")

DEFAULT_DEBOUNCE_MS = 150
DEFAULT_INDEX_DELAY_MS = 250


@dataclass
class DocState:
    uri: str
    snapshot: Snapshot | None = None
    timer: asyncio.TimerHandle | None = None
    task: asyncio.Task | None = None
    dirty: bool = False
    force: bool = False
    closed: bool = False
    changed_at: float | None = None  # first change not yet analysed (for timings)
    index_timer: asyncio.TimerHandle | None = None  # the symbol index's build, once the document is quiet
    indexed: Snapshot | None = None  # the latest snapshot whose symbol index is built (completion's ids)


def _cap(obj, path: str):
    for name in path.split("."):
        if obj is None:
            return None
        obj = getattr(obj, name, None)
    return obj


class PhasecServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("phasec", __version__, text_document_sync_kind=types.TextDocumentSyncKind.Incremental)
        self.docs: dict[str, DocState] = {}
        self.debounce = DEFAULT_DEBOUNCE_MS / 1000
        self.index_delay = DEFAULT_INDEX_DELAY_MS / 1000
        self.timings = False
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="phasec-analysis")
        #: the symbol indexes' own thread: an analysis never waits for an index being built
        self.index_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="phasec-index")
        #: set while no analysis runs: the background index build waits on it (SymbolIndex's ``pause``)
        self.no_analysis = threading.Event()
        self.no_analysis.set()
        self.analyses = 0  # analyses submitted and not finished, all documents

    # -- encoding and capabilities ------------------------------------------
    @property
    def encoding(self) -> str:
        try:
            enc = self.workspace.position_encoding
        except Exception:  # noqa: BLE001 - before initialisation
            enc = None
        return str(getattr(enc, "value", enc) or "utf-16")

    def client_supports(self, path: str) -> bool:
        try:
            caps = self.client_capabilities
        except Exception:  # noqa: BLE001
            return False
        return bool(_cap(caps, path))

    # -- analysis scheduling ----------------------------------------------------
    def open(self, uri: str) -> None:
        state = self.docs.get(uri)
        if state is None:
            state = self.docs[uri] = DocState(uri)
        state.closed = False
        state.force = True
        self.kick(state)

    def changed(self, uri: str) -> None:
        state = self.docs.get(uri)
        if state is None:
            state = self.docs[uri] = DocState(uri)
        if state.changed_at is None:
            state.changed_at = time.perf_counter()
        self._cancel_index(state)
        if state.timer is not None:
            state.timer.cancel()
        loop = asyncio.get_running_loop()
        state.timer = loop.call_later(self.debounce, self.kick, state)

    def close(self, uri: str) -> None:
        state = self.docs.pop(uri, None)
        if state is not None:
            state.closed = True
            self._cancel_index(state)
            if state.timer is not None:
                state.timer.cancel()
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    def kick(self, state: DocState) -> asyncio.Task:
        """Start an analysis of the document's current text (or mark it dirty if one is running)."""
        if state.timer is not None:
            state.timer.cancel()
            state.timer = None
        if state.task is not None and not state.task.done():
            state.dirty = True
            return state.task
        state.task = asyncio.ensure_future(self._run(state))
        return state.task

    def _current(self, uri: str):
        try:
            doc = self.workspace.get_text_document(uri)
            return doc.source, doc.version
        except Exception:  # noqa: BLE001 - document gone
            return None, None

    def _fresh(self, state: DocState) -> bool:
        text, version = self._current(state.uri)
        snap = state.snapshot
        return snap is not None and text is not None and snap.version == version and snap.text == text

    async def _run(self, state: DocState) -> None:
        loop = asyncio.get_running_loop()
        while not state.closed:
            state.dirty = False
            text, version = self._current(state.uri)
            if text is None:
                return
            if not state.force and self._fresh(state):
                return
            state.force = False
            changed_at, state.changed_at = state.changed_at, None
            retired = [state.snapshot]  # the previous snapshot, freed only after publishing
            self.analyses += 1
            self.no_analysis.clear()
            try:
                snap = await loop.run_in_executor(
                    self.executor, build_snapshot, state.uri, text, version, self.encoding, state.snapshot
                )
            except Exception as exc:
                log.exception("analysis of %s failed", state.uri)
                self.window_log_message(
                    types.LogMessageParams(type=types.MessageType.Error, message=f"phasec: analysis failed: {exc}")
                )
                return
            finally:
                self.analyses -= 1
                if not self.analyses:
                    self.no_analysis.set()
            if state.closed:
                return
            state.snapshot = snap
            published = time.perf_counter()
            self.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(uri=state.uri, version=version, diagnostics=list(snap.lsp_diagnostics))
            )
            if self.timings:
                self._log_timings(state.uri, version, snap, changed_at, published)
            # The symbol index is not needed for the diagnostics: build it on the worker
            # thread once the document is quiet, so that requests find it ready.
            if not state.dirty:
                self._schedule_index(state, snap)
            retired.clear()
            if not state.dirty:
                return

    def _schedule_index(self, state: DocState, snap: Snapshot) -> None:
        self._cancel_index(state)
        loop = asyncio.get_running_loop()
        state.index_timer = loop.call_later(self.index_delay, self._build_index_if_current, state, snap)

    @staticmethod
    def _cancel_index(state: DocState) -> None:
        if state.index_timer is not None:
            state.index_timer.cancel()
            state.index_timer = None

    def _build_index_if_current(self, state: DocState, snap: Snapshot) -> None:
        state.index_timer = None
        if state.closed or state.snapshot is not snap or state.dirty or state.changed_at is not None:
            return  # a newer version is coming: its own index is scheduled after it is published

        def build() -> None:
            if state.snapshot is snap:  # still current when its turn comes (an older one may have been building)
                _build_index(snap, self.no_analysis.wait)

        future = asyncio.get_running_loop().run_in_executor(self.index_executor, build)
        future.add_done_callback(lambda _f: self._indexed(state, snap))
        if self.timings:
            uri, version = state.uri, snap.version

            def _logged(_f) -> None:
                self.window_log_message(
                    types.LogMessageParams(
                        type=types.MessageType.Log,
                        message="phasec-index " + json.dumps({"uri": uri, "version": version}),
                    )
                )

            future.add_done_callback(_logged)

    @staticmethod
    def _indexed(state: DocState, snap: Snapshot) -> None:
        if "index" in snap.__dict__ and (state.indexed is None or state.indexed.version != snap.version):
            state.indexed = snap

    def _log_timings(self, uri: str, version, snap: Snapshot, changed_at: float | None, published: float) -> None:
        now = time.perf_counter()
        data = {
            "uri": uri,
            "version": version,
            "analyze_ms": round(snap.analyze_ms, 3),
            "analyze_cpu_ms": round(snap.analyze_cpu_ms, 3),
            "snapshot_ms": round(snap.total_ms, 3),
            "change_to_publish_ms": round((now - changed_at) * 1000, 3) if changed_at else None,
            "wait_ms": round((snap.started_at - changed_at) * 1000, 3) if changed_at else None,
            "handoff_ms": round((published - snap.started_at) * 1000 - snap.total_ms, 3),
            "publish_ms": round((now - published) * 1000, 3),
            "diagnostics": len(snap.lsp_diagnostics),
            # edits applied to the server's copy by splicing (phasec/lsp/document.py), so far
            "spliced_edits": getattr(self.workspace.get_text_document(uri), "fast_changes", None),
        }
        self.window_log_message(
            types.LogMessageParams(type=types.MessageType.Log, message="phasec-timings " + json.dumps(data))
        )

    async def snapshot(self, uri: str) -> Snapshot | None:
        """The analysis of the document's current text (analysing now if it is out of date)."""
        state = self.docs.get(uri)
        if state is None:
            text, _ = self._current(uri)
            if text is None:
                return None
            state = self.docs[uri] = DocState(uri)
        for _ in range(5):
            if self._fresh(state):
                break
            await asyncio.shield(self.kick(state))
        snap = state.snapshot
        if snap is not None and "index" not in snap.__dict__:
            # Built on the index thread, after a background build of this version if one is
            # running (it then finds the index built), not on the event loop.
            await asyncio.get_running_loop().run_in_executor(self.index_executor, snap.build_index, _no_pause)
            self._indexed(state, snap)
        return snap

    def latest(self, uri: str) -> Snapshot | None:
        """The last analysis, however old (completion only needs the ids)."""
        state = self.docs.get(uri)
        return state.snapshot if state else None

    def latest_indexed(self, uri: str) -> Snapshot | None:
        """The last analysis whose symbol index is built, else the last one (completion's ids)."""
        state = self.docs.get(uri)
        if state is None:
            return None
        return state.indexed if state.indexed is not None and not state.closed else state.snapshot


def create_server() -> PhasecServer:
    server = PhasecServer()

    @server.feature(types.INITIALIZE)
    def initialize(ls: PhasecServer, params: types.InitializeParams) -> None:
        opts = params.initialization_options if isinstance(params.initialization_options, dict) else {}
        debounce = opts.get("debounceMs", opts.get("debounce_ms"))
        if isinstance(debounce, (int, float)) and debounce >= 0:
            ls.debounce = debounce / 1000
        delay = opts.get("indexDelayMs")
        if isinstance(delay, (int, float)) and delay >= 0:
            ls.index_delay = delay / 1000
        ls.timings = bool(opts.get("timings", False))

    @server.feature(types.INITIALIZED)
    def initialized(ls: PhasecServer, params: types.InitializedParams) -> None:
        # Warm up (imports, the parser tables, the rule registry) off the event loop.
        ls.executor.submit(_warm_up)

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: PhasecServer, params: types.DidOpenTextDocumentParams) -> None:
        _keep_as_phasec_document(ls, params.text_document.uri)
        ls.open(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: PhasecServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.changed(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: PhasecServer, params: types.DidSaveTextDocumentParams) -> None:
        # The configuration may have changed on disk: re-lint even if the text did not.
        state = ls.docs.get(params.text_document.uri)
        if state is not None:
            state.force = True
            ls.kick(state)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: PhasecServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.close(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    async def on_hover(ls: PhasecServer, params: types.HoverParams):
        snap = await ls.snapshot(params.text_document.uri)
        return hover.hover(snap, params.position) if snap else None

    @server.feature(types.TEXT_DOCUMENT_DEFINITION)
    async def on_definition(ls: PhasecServer, params: types.DefinitionParams):
        snap = await ls.snapshot(params.text_document.uri)
        return navigation.definition(snap, params.position) if snap else None

    @server.feature(types.TEXT_DOCUMENT_REFERENCES)
    async def on_references(ls: PhasecServer, params: types.ReferenceParams):
        snap = await ls.snapshot(params.text_document.uri)
        if snap is None:
            return None
        return navigation.references(snap, params.position, params.context.include_declaration)

    @server.feature(types.TEXT_DOCUMENT_DOCUMENT_HIGHLIGHT)
    async def on_highlight(ls: PhasecServer, params: types.DocumentHighlightParams):
        snap = await ls.snapshot(params.text_document.uri)
        return navigation.highlights(snap, params.position) if snap else None

    @server.feature(types.TEXT_DOCUMENT_PREPARE_RENAME)
    async def on_prepare_rename(ls: PhasecServer, params: types.PrepareRenameParams):
        snap = await ls.snapshot(params.text_document.uri)
        return navigation.prepare_rename(snap, params.position) if snap else None

    @server.feature(types.TEXT_DOCUMENT_RENAME, types.RenameOptions(prepare_provider=True))
    async def on_rename(ls: PhasecServer, params: types.RenameParams):
        snap = await ls.snapshot(params.text_document.uri)
        if snap is None:
            return None
        versioned = ls.client_supports("workspace.workspace_edit.document_changes")
        return navigation.rename(snap, params.position, params.new_name, document_changes=versioned)

    @server.feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    async def on_symbols(ls: PhasecServer, params: types.DocumentSymbolParams):
        snap = await ls.snapshot(params.text_document.uri)
        if snap is None:
            return None
        hierarchical = ls.client_supports("text_document.document_symbol.hierarchical_document_symbol_support")
        return symbols.document_symbols(snap, hierarchical)

    @server.feature(
        types.TEXT_DOCUMENT_COMPLETION,
        types.CompletionOptions(trigger_characters=[" ", "@"], resolve_provider=False),
    )
    def on_completion(ls: PhasecServer, params: types.CompletionParams):
        text, _ = ls._current(params.text_document.uri)
        if text is None:
            return None
        uri = params.text_document.uri
        return completion.complete(text, params.position, ls.encoding, ls.latest(uri), ls.latest_indexed(uri))

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]),
    )
    def on_code_action(ls: PhasecServer, params: types.CodeActionParams):
        text, version = ls._current(params.text_document.uri)
        if text is None:
            return None
        versioned = ls.client_supports("workspace.workspace_edit.document_changes")
        return actions.code_actions(
            params, text, version, ls.encoding, ls.latest(params.text_document.uri), document_changes=versioned
        )

    @server.feature(types.TEXT_DOCUMENT_FORMATTING)
    def on_formatting(ls: PhasecServer, params: types.DocumentFormattingParams):
        """The layout of `phasec fmt` (phasec/lsp/formatting.py)."""
        from phasec.lsp import formatting

        uri = params.text_document.uri
        text, _ = ls._current(uri)
        if text is None:
            return None
        return _formatted(ls, formatting.format_document(text, path_of(uri) or uri, ls.encoding))

    @server.feature(types.TEXT_DOCUMENT_RANGE_FORMATTING)
    def on_range_formatting(ls: PhasecServer, params: types.DocumentRangeFormattingParams):
        from phasec.lsp import formatting

        uri = params.text_document.uri
        text, _ = ls._current(uri)
        if text is None:
            return None
        return _formatted(ls, formatting.format_range(text, path_of(uri) or uri, ls.encoding, params.range))

    return server


def _keep_as_phasec_document(ls: PhasecServer, uri: str) -> None:
    """Swap pygls' copy of a document just opened for a :class:`PhasecDocument`, which applies each
    edit in time proportional to the edit (pygls rewrites every line of the text)."""
    docs = ls.workspace.text_documents
    doc = ls.workspace.get_text_document(uri)
    if isinstance(doc, PhasecDocument):
        return
    for key, held in docs.items():
        if held is doc:
            docs[key] = PhasecDocument.like(doc)
            return


def _formatted(ls: PhasecServer, res) -> list[types.TextEdit] | None:
    """The edits of a formatting request; a refusal (syntax errors) is shown to the user, the text left as it is."""
    if res.message:
        ls.window_show_message(types.ShowMessageParams(type=types.MessageType.Warning, message=res.message))
    return res.edits


def _no_pause() -> None:
    return None


def _build_index(snap: Snapshot, pause) -> None:
    try:
        snap.build_index(pause)
    except Exception:
        log.debug("symbol index failed", exc_info=True)


def _warm_up() -> None:
    """Import and build everything once (parser tables, schema, rules), then freeze it.

    ``gc.freeze`` moves the long-lived objects of the modules out of the garbage
    collector's generations, so later collections do not rescan them.
    """
    import gc

    try:
        from phasec.compiler.pipeline import analyze

        analyze('phase W "warm up" {\n}\n', "<warm-up>")
    except Exception:  # warming up is best effort (logged)
        log.debug("warm-up failed", exc_info=True)
    gc.collect()
    gc.freeze()


class _QuietRenameErrors(logging.Filter):
    """pygls logs every error response with a traceback; a refused rename is not an error of the server."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, navigation.RenameError)


def serve_stdio() -> None:
    logging.getLogger("pygls").addFilter(_QuietRenameErrors())
    for name in ("pygls.protocol.json_rpc", "pygls.protocol"):
        logging.getLogger(name).addFilter(_QuietRenameErrors())
    create_server().start_io()
