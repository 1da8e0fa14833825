"""Completion reads from the top-level statement that holds the cursor, not from the file's start.

``completion.resume_point`` picks the start of the analysed version's chunk that holds the cursor
(when the text before it is unchanged since that version) and the keywords of the top-level
statements before it.  The cursor it gives must be the one a scan from the start of the file
gives, for any offset, in the analysed text and in texts edited since (before or after the cursor,
inside strings and blocks, unbalanced).
"""

from __future__ import annotations

import random
import tempfile
from pathlib import Path

import pytest
from conftest import EXAMPLES, ROOT

from phasec.lsp import completion
from phasec.lsp.analysis import build_snapshot

TEXTS = sorted(EXAMPLES.glob("*.phc")) + sorted((ROOT / "tests" / "corpus").glob("*.phc"))
EDITS = ["x", "\n", '"', "}", "{", 'slice Z9 "t" {\n', "#", '"""', '\n\n  step "a"\n', ""]


def _cursor(c: completion.Cursor):
    return (
        [(f.ctx, [t.text for t in f.head], sorted(f.seen)) for f in c.frames],
        [(t.kind, t.text) for t in c.statement],
        c.partial,
        c.in_string_or_comment,
    )


def _snap(text: str):
    uri = (Path(tempfile.gettempdir()) / "completion-resume.phc").as_uri()
    return build_snapshot(uri, text, 1)


@pytest.mark.parametrize("path", TEXTS, ids=lambda p: p.name)
def test_a_resumed_scan_finds_what_a_scan_from_the_start_finds(path):
    text = path.read_text(encoding="utf-8")
    snap = _snap(text)
    rng = random.Random(path.name)
    resumed = 0
    for _ in range(60):
        edited = text
        if rng.random() < 0.6:  # an edit since the analysed version, anywhere
            at = rng.randrange(len(text) + 1)
            cut = rng.choice([0, 0, 1, 5])
            edited = text[:at] + rng.choice(EDITS) + text[at + cut :]
        offset = rng.randrange(len(edited) + 1)
        start, seen = completion.resume_point(edited, offset, snap)
        resumed += start > 0
        assert _cursor(completion.scan(edited, offset, start, seen)) == _cursor(completion.scan(edited, offset)), (
            offset,
            start,
        )
    assert resumed >= 10  # the shortcut is taken, not only the fall-back


def test_no_shortcut_without_an_analysed_version_or_when_the_text_before_the_chunk_changed():
    text = (EXAMPLES / "phase-c.phc").read_text(encoding="utf-8")
    snap = _snap(text)
    end = len(text) - 1
    assert completion.resume_point(text, end, None) == (0, None)
    start, seen = completion.resume_point(text, end, snap)
    assert start > 0 and "phase" in seen and "slice" in seen
    assert completion.resume_point('"' + text, end + 1, snap) == (0, None)  # a string opened at the top
