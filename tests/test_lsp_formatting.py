"""Formatting through the language server (`textDocument/formatting`, `rangeFormatting`).

End to end over stdio (pytest-lsp): the edits the server returns, applied to the
document, must give exactly what `phasec fmt` gives; a document with syntax errors
gets no edits and a `window/showMessage` saying why.  The edit computation itself
(line hunks, ranges, document ends without a newline) is tested in-process.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from phasec.format import format_text
from phasec.lsp.formatting import format_document, format_range, line_edits
from phasec.lsp.positions import UTF8, UTF16, units_to_chars

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"

e2e = pytest.mark.asyncio(loop_scope="module")

#: Badly laid out but valid: statements joined with `;`, odd indentation, a trailing comment.
MESSY = (
    'phase C "Messy"   {\n'
    "posture forward_only ;   status draft\n"
    "}\n"
    'slice C1 "first"{\n'
    "      owner @a   # the owner\n"
    "  agent P1\n"
    "}\n"
    "\n\n\n"
    'slice C2 "second é" { owner @b\n'
    "after C1 }\n"
)

BROKEN = 'phase C "T" {\n  posture forward_only\n}\nslice C1 "x {\n'


def apply_edits(text: str, edits: list[types.TextEdit], encoding: str = UTF16) -> str:
    """Apply LSP edits to ``text`` as an editor does (from the last to the first)."""
    lines = text.splitlines(keepends=True)

    def offset(p: types.Position) -> int:
        before = sum(len(ln) for ln in lines[: p.line])
        if p.line >= len(lines):
            return len(text)
        line = lines[p.line].rstrip("\r\n")
        return before + units_to_chars(line, p.character, encoding)

    out = text
    for e in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        out = out[: offset(e.range.start)] + e.new_text + out[offset(e.range.end) :]
    return out


# -- in-process: the edits ------------------------------------------------------------


def test_edits_applied_give_the_formatters_output():
    expected = format_text(MESSY, "messy.phc")
    assert expected != MESSY
    res = format_document(MESSY, "messy.phc", UTF16)
    assert res.message is None and res.edits
    assert apply_edits(MESSY, res.edits) == expected


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.phc")), ids=lambda p: p.name)
def test_formatted_examples_need_no_edits(path):
    text = format_text(path.read_text(encoding="utf-8"), str(path))
    assert format_document(text, str(path), UTF16).edits == []


def test_line_edits_leave_unchanged_lines_alone():
    old = "a\nb\nc\nd\n"
    new = "a\nB\nc\nd\ne\n"
    edits = line_edits(old, new, UTF16)
    assert [(e.range.start.line, e.range.end.line, e.new_text) for e in edits] == [(1, 2, "B\n"), (4, 4, "e\n")]
    assert apply_edits(old, edits) == new


def test_line_edits_at_a_last_line_without_newline_and_in_utf8():
    old = 'x "é"\ny'  # no final newline: the edit ends at the end of the last line
    new = 'x "é"\ny\n'
    for enc in (UTF16, UTF8):
        edits = line_edits(old, new, enc)
        assert edits[-1].range.end == types.Position(line=1, character=1)
        assert apply_edits(old, edits, enc) == new
    edits = line_edits('a "é"', 'a "é"\n', UTF8)
    assert edits[0].range.end == types.Position(line=0, character=len('a "é"'.encode()))


def test_syntax_errors_give_no_edits_and_a_message():
    res = format_document(BROKEN, "broken.phc", UTF16)
    assert res.edits is None
    assert res.message is not None and "broken.phc not formatted" in res.message and "syntax error" in res.message
    assert "PC0" in res.message  # the first error's code, with its place


def test_a_layout_that_would_move_a_suppression_is_refused_like_phasec_fmt():
    # the case tests/test_format.py shows `phasec fmt` refusing: the block would split and
    # the trailing suppression end up on another line than the `after` it suppresses
    text = (ROOT / "tests" / "fixtures" / "rules" / "PC403_hard_dependency.phc").read_text(encoding="utf-8")
    text = text.replace(
        'slice C5 "Review" {\n  after C3 C4\n}',
        'slice C5 "Review" { after C3 C4 }  # phasec: ignore[PC403] -- accepted',
    )
    res = format_document(text, "sup.phc", UTF16)
    assert res.edits is None
    assert res.message is not None and "suppress" in res.message


def test_range_formatting_keeps_only_the_hunks_on_the_selected_lines():
    full = format_document(MESSY, "messy.phc", UTF16).edits
    assert full is not None and len(full) >= 2
    first = full[0]
    rng = types.Range(start=types.Position(line=first.range.start.line, character=0), end=first.range.start)
    part = format_range(MESSY, "messy.phc", UTF16, rng).edits
    assert part == [first]
    # the whole document selected: every hunk
    everything = types.Range(start=types.Position(line=0, character=0), end=types.Position(line=99, character=0))
    assert format_range(MESSY, "messy.phc", UTF16, everything).edits == full
    # lines that are already laid out: nothing
    clean = format_text(MESSY, "messy.phc")
    assert format_range(clean, "messy.phc", UTF16, everything).edits == []


# -- end to end over stdio --------------------------------------------------------------


@pytest_lsp.fixture(
    scope="module",
    config=ClientServerConfig(server_command=[sys.executable, "-m", "phasec", "lsp"]),
)
async def client(lsp_client: LanguageClient):
    result = await lsp_client.initialize_session(
        types.InitializeParams(capabilities=client_capabilities("visual-studio-code"), root_uri=ROOT.as_uri())
    )
    lsp_client.init_result = result
    yield
    await lsp_client.shutdown_session()


def _open(client: LanguageClient, uri: str, text: str) -> None:
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id="phasec", version=1, text=text)
        )
    )


OPTIONS = types.FormattingOptions(tab_size=2, insert_spaces=True)


@e2e
async def test_server_advertises_formatting(client: LanguageClient):
    caps = client.init_result.capabilities
    assert caps.document_formatting_provider
    assert caps.document_range_formatting_provider


@e2e
async def test_format_on_save_gives_what_phasec_fmt_gives(client: LanguageClient, tmp_path_factory):
    path = tmp_path_factory.mktemp("fmt") / "messy.phc"
    path.write_text(MESSY, encoding="utf-8")
    uri = path.as_uri()
    _open(client, uri, MESSY)
    edits = await client.text_document_formatting_async(
        types.DocumentFormattingParams(text_document=types.TextDocumentIdentifier(uri=uri), options=OPTIONS)
    )
    assert edits
    cli = subprocess.run([sys.executable, "-m", "phasec", "fmt", "-"], input=MESSY, capture_output=True, text=True)
    assert cli.returncode == 0, cli.stderr
    assert apply_edits(MESSY, edits) == cli.stdout


@e2e
async def test_range_formatting_over_stdio(client: LanguageClient):
    uri = "untitled:range.phc"
    _open(client, uri, MESSY)
    everything = types.Range(start=types.Position(line=0, character=0), end=types.Position(line=20, character=0))
    edits = await client.text_document_range_formatting_async(
        types.DocumentRangeFormattingParams(
            text_document=types.TextDocumentIdentifier(uri=uri), range=everything, options=OPTIONS
        )
    )
    assert apply_edits(MESSY, edits) == format_text(MESSY)


@e2e
async def test_syntax_errors_leave_the_document_unchanged_with_a_message(client: LanguageClient):
    uri = "untitled:broken.phc"
    _open(client, uri, BROKEN)
    before = len(client.messages)
    edits = await client.text_document_formatting_async(
        types.DocumentFormattingParams(text_document=types.TextDocumentIdentifier(uri=uri), options=OPTIONS)
    )
    assert not edits  # null: nothing to apply
    for _ in range(200):  # the notification may arrive just after the response
        if len(client.messages) > before:
            break
        await asyncio.sleep(0.01)
    msg = client.messages[before]
    assert msg.type == types.MessageType.Warning
    assert "not formatted" in msg.message and "syntax error" in msg.message
