"""The server's document (phasec/lsp/document.py) applies every edit exactly as pygls does.

The oracle is pygls' own ``TextDocument``, given the same changes (each its own objects: pygls'
codec clamps a position in place).  Texts mix ASCII, accents, astral characters (two UTF-16
units, four UTF-8 bytes) and, in some cases, line breaks other than ``\\n``; edits land anywhere,
past line ends, past the last line, with ranges given backwards, inserting and deleting lines;
all three position encodings.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from lsprotocol import types
from pygls.workspace import PositionCodec, TextDocument

from phasec.lsp.document import PhasecDocument

ENCODINGS = [types.PositionEncodingKind.Utf16, types.PositionEncodingKind.Utf8, types.PositionEncodingKind.Utf32]
PIECES = ["a", "slice s1", ' "t"', "é", "😀", " ", "\n", "{", "}", "\t"]
ODD = ["\r\n", "\r", "\u2028", "\x0c"]


def _texts(odd: bool):
    return st.lists(st.sampled_from(PIECES + (ODD if odd else [])), max_size=60).map("".join)


@st.composite
def _change(draw, odd: bool):
    start = (draw(st.integers(0, 12)), draw(st.integers(0, 14)))
    if draw(st.integers(0, 9)) == 0:
        end = (draw(st.integers(0, 12)), draw(st.integers(0, 14)))  # anywhere, backwards included
    else:
        end = (start[0] + draw(st.integers(0, 2)), draw(st.integers(0, 14)))
        if end[0] == start[0]:
            end = (end[0], max(end[1], start[1]))
    return start, end, draw(_texts(odd).filter(lambda t: len(t) < 12))


def _make(cls, text: str, encoding):
    return cls("file:///x.phc", source=text, version=1, position_codec=PositionCodec(encoding))


def _partial(start, end, text: str) -> types.TextDocumentContentChangePartial:
    rng = types.Range(start=types.Position(*start), end=types.Position(*end))
    return types.TextDocumentContentChangePartial(range=rng, text=text)


def _run(text: str, changes, encoding) -> PhasecDocument:
    ours, theirs = _make(PhasecDocument, text, encoding), _make(TextDocument, text, encoding)
    for start, end, new in changes:
        ours.apply_change(_partial(start, end, new))
        theirs.apply_change(_partial(start, end, new))
        assert ours.source == theirs.source, (start, end, new)
    return ours


@settings(max_examples=400, deadline=None)
@given(
    text=_texts(odd=False),
    changes=st.lists(_change(odd=False), max_size=8),
    encoding=st.sampled_from(ENCODINGS),
)
def test_edits_of_a_plain_text_are_pygls_edits(text, changes, encoding):
    _run(text, changes, encoding)


@settings(max_examples=200, deadline=None)
@given(
    text=_texts(odd=True),
    changes=st.lists(_change(odd=True), max_size=8),
    encoding=st.sampled_from(ENCODINGS),
)
def test_edits_of_a_text_with_other_line_breaks_are_pygls_edits(text, changes, encoding):
    _run(text, changes, encoding)


def test_typing_inside_a_long_document_takes_the_shortcut_and_lands_where_pygls_puts_it():
    lines = [f'slice s{i} "title {i} é😀" {{\n' if i % 3 == 0 else "  note 'x'\n" for i in range(3000)]
    text = "".join(lines)
    changes = []
    for k in range(20):  # type at a line far down, then a few lines around it, then near the top
        line = 2400 + (k % 4) if k < 15 else 7 + k
        changes.append(((line, 10), (line, 10), "x"))
    changes.append(((2401, 0), (2403, 2), "joined\nagain "))
    doc = _run(text, changes, types.PositionEncodingKind.Utf16)
    assert doc.fast_changes == len(changes)


def test_a_text_with_crlf_line_ends_is_left_to_pygls_and_stays_right():
    text = 'slice a "t" {\r\n}\r\n'
    doc = _run(text, [((0, 9), (0, 9), "x"), ((1, 1), (1, 1), "\r\n")], types.PositionEncodingKind.Utf16)
    assert doc.fast_changes == 0 and doc.source == 'slice a "xt" {\r\n}\r\n\r\n'


def test_inserting_a_carriage_return_hands_the_document_to_pygls_from_then_on():
    doc = _run("a\nb\n", [((0, 1), (0, 1), "\r"), ((1, 0), (1, 0), "c")], types.PositionEncodingKind.Utf16)
    assert doc.fast_changes == 1 and not doc.plain
