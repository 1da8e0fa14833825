"""The language server builds a document's symbol index only once the document is quiet.

The real server over stdio (pytest-lsp), with ``{"debounceMs": 0, "timings": true,
"indexDelayMs": 1000}``: with ``timings`` the server logs ``phasec-index`` for each symbol
index it builds in the background.  A burst of edits publishes diagnostics but builds no
index for the versions it replaced; the last version's index follows once the document is
quiet; a request that comes sooner builds the index itself (phasec/lsp/server.py).
"""

import asyncio
import json
import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pygls.protocol import default_converter
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

ROOT = Path(__file__).resolve().parent.parent
PHASE_C = ROOT / "examples" / "phase-c.phc"

e2e = pytest.mark.asyncio(loop_scope="module")


def _make_client() -> LanguageClient:
    client = LanguageClient(converter_factory=default_converter)
    client.published = []

    def publish(c: LanguageClient, params: types.PublishDiagnosticsParams) -> None:
        c.published.append(params)

    features = dict(DEFAULT_CLIENT_FEATURES)
    features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = publish
    register_lsp_features(client, features)
    return client


@pytest_lsp.fixture(
    scope="module",
    config=ClientServerConfig(server_command=[sys.executable, "-m", "phasec", "lsp"], client_factory=_make_client),
)
async def client(lsp_client: LanguageClient):
    await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=client_capabilities("visual-studio-code"),
            root_uri=ROOT.as_uri(),
            initialization_options={"debounceMs": 0, "timings": True, "indexDelayMs": 1000},
        )
    )
    yield
    await lsp_client.shutdown_session()


def _indexed(client: LanguageClient, uri: str) -> list[int]:
    """The versions of ``uri`` whose symbol index the server built in the background, in order."""
    out = []
    for m in client.log_messages:
        if m.message.startswith("phasec-index "):
            data = json.loads(m.message.split(" ", 1)[1])
            if data["uri"] == uri:
                out.append(data["version"])
    return out


async def _until(predicate, timeout: float = 20.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("timed out")
        await asyncio.sleep(0.01)


@e2e
async def test_a_burst_of_edits_builds_the_index_of_the_last_version_only(client, tmp_path):
    text = PHASE_C.read_text(encoding="utf-8")
    uri = (tmp_path / "phase-c.phc").as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id="phasec", version=1, text=text)
        )
    )
    await _until(lambda: _indexed(client, uri) == [1])  # opened and left alone: indexed
    line = next(i for i, ln in enumerate(text.split("\n")) if ln.startswith("slice "))
    col = text.split("\n")[line].index('"') + 1
    for version in range(2, 8):  # typing in a slice title, faster than the index delay
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[
                    types.TextDocumentContentChangePartial(
                        range=types.Range(start=types.Position(line, col), end=types.Position(line, col)), text="x"
                    )
                ],
            )
        )
    await _until(lambda: any(p.uri == uri and p.version == 7 for p in client.published))
    # A request before the index is built in the background builds it itself.
    res = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line, len("slice "))
        )
    )
    assert res is not None and "**slice `C0`**" in res.contents.value
    await _until(lambda: len(_indexed(client, uri)) >= 2)
    await asyncio.sleep(0.5)
    published = sorted({p.version for p in client.published if p.uri == uri})
    assert published[-1] == 7 and len(published) >= 2
    assert _indexed(client, uri) == [1, 7]
