"""Line tables made from the previous version's, and made lazily, equal the ones made from scratch.

``SourceFile`` builds its line starts on first use, and ``SourceFile.edited`` derives
them from the previous version's table; ``PositionMapper.edited`` splits again only
the lines an edit touched (phasec/source.py, phasec/lsp/positions.py).  Random texts
(line ends ``\\n`` and ``\\r\\n``, non-ASCII, empty lines, no final line end) and random
edits, compared with what a scan of the whole new text gives.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

import phasec.source as source_mod
from phasec.lsp import incremental
from phasec.lsp.analysis import build_snapshot
from phasec.lsp.positions import UTF8, UTF16, PositionMapper
from phasec.source import SourceFile

texts = st.lists(st.sampled_from(["a", "b", " ", "\n", "\r", "\r\n", "é", "😀", "#"]), max_size=40).map("".join)


def _edit(old: str, a: float, b: float, insert: str) -> tuple[str, int, int, int]:
    """(new text, start, old end, new end) of the changed region, as incremental.analyze finds it."""
    i, j = sorted((int(a * len(old)), int(b * len(old))))
    new = old[:i] + insert + old[j:]
    return (new, *incremental._changed_region(old, new))


fracs = st.floats(min_value=0, max_value=1, allow_nan=False)


def _starts(text: str) -> list[int]:
    return [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]


@settings(max_examples=300, deadline=None)
@given(old=texts, a=fracs, b=fracs, insert=texts, built=st.booleans())
def test_an_edited_source_equals_a_fresh_one(old, a, b, insert, built):
    new, start, old_end, new_end = _edit(old, a, b, insert)
    prev = SourceFile("f", old)
    if built:
        assert list(prev._line_starts) == _starts(old)
    src = SourceFile.edited("f", new, prev, start, old_end, new_end)
    fresh = SourceFile("f", new)
    # lazily, without the table: the line count and the two ends of the text
    assert src._starts is None
    assert src.line_count == fresh.line_count == new.count("\n") + 1
    assert src.position(0) == (1, 1)
    assert src.end_span() == fresh.end_span()
    assert src._starts is None  # none of these built it
    # the table itself (derived when the previous one was built, else scanned)
    assert list(src._line_starts) == list(fresh._line_starts) == _starts(new)
    assert src._basis is None  # the previous version is let go once the table is made
    for line in range(fresh.line_count + 2):
        assert src.line_text(line) == fresh.line_text(line)
    for off in range(len(new) + 1):
        assert src.position(off) == fresh.position(off)


@settings(max_examples=300, deadline=None)
@given(old=texts, a=fracs, b=fracs, insert=texts, encoding=st.sampled_from([UTF8, UTF16]))
def test_an_edited_mapper_equals_a_fresh_one(old, a, b, insert, encoding):
    new, start, old_end, new_end = _edit(old, a, b, insert)
    prev = PositionMapper(old, encoding)
    got = PositionMapper.edited(prev, new, start, old_end, new_end)
    fresh = PositionMapper(new, encoding)
    assert got.lines == fresh.lines and got.encoding == fresh.encoding
    # with the line counts the parse knows (the lines before ``start``, the line ends it replaced)
    hint = (old.count("\n", 0, start), old.count("\n", start, old_end))
    assert PositionMapper.edited(prev, new, start, old_end, new_end, lines=hint).lines == fresh.lines
    assert prev.lines == PositionMapper(old, encoding).lines  # the previous one is not changed


def test_the_lazy_end_position_equals_the_table():
    for text in ["", "a", "a\n", "a\nbc", "a\r\nbc\r\n", "\n\n", "é😀\nx"]:
        lazy = SourceFile("f", text)
        got = (lazy.position(0), lazy.position(len(text)), lazy.line_count)
        assert lazy._starts is None
        eager = SourceFile("f", text)
        eager._line_starts  # noqa: B018 - built
        assert got == (eager.position(0), eager.position(len(text)), eager.line_count)


def test_the_server_scans_the_whole_text_only_for_the_first_version(monkeypatch):
    """Over edits, the line table is derived from the previous version's (no whole-text scan), and
    the position mapper is made from the previous one (the whole text is not split again)."""
    scans: list[int] = []
    real_scan = source_mod._scan_starts
    monkeypatch.setattr(source_mod, "_scan_starts", lambda text: scans.append(len(text)) or real_scan(text))
    inits: list[int] = []
    real_init = PositionMapper.__init__

    def init(self, text, encoding=UTF16):
        inits.append(len(text))
        real_init(self, text, encoding)

    monkeypatch.setattr(PositionMapper, "__init__", init)
    lines = [f'slice S{k} "Slice {k}" {{\n  kind code\n}}\n' for k in range(40)]
    # a suppression comment: the suppressions read the lines, so the table is built every version
    text = "".join(lines) + "# phasec: ignore[PC999] -- an unknown code, reported\n"
    uri = "untitled:lines.phc"
    snap = build_snapshot(uri, text, 0)
    assert len(inits) == 1
    whole = [n for n in scans if n == len(text)]
    assert len(whole) == 1  # the first version
    at = text.index('"Slice 7') + 1
    for version in range(1, 6):
        text = text[:at] + "x" + text[at:]
        snap = build_snapshot(uri, text, version, previous=snap)
        start, old_end, new_end = snap.stats.region
        assert not snap.stats.full_parse and at <= start == old_end == new_end - 1
    assert len(inits) == 1  # every later mapper made from the previous one
    assert [n for n in scans if n > 200] == whole  # no scan of the whole text after the first version
    fresh = build_snapshot(uri, text, 99)
    assert snap.lsp_diagnostics == fresh.lsp_diagnostics and snap.mapper.lines == fresh.mapper.lines
    assert list(snap.document.source._line_starts) == list(fresh.document.source._line_starts)


def test_without_suppressions_or_fixes_the_table_is_not_built():
    text = "".join(f'slice S{k} "Slice {k}" {{\n  kind code\n}}\n' for k in range(10))
    _, state = incremental.analyze(text, "f.phc", None)
    text2 = text.replace('"Slice 3', '"Slice 3x')
    result, _ = incremental.analyze(text2, "f.phc", state)
    src = result.document.source
    assert src._starts is None and src._basis is None  # the previous table was never built: nothing held
    assert src.line_count == text2.count("\n") + 1
