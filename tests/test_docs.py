"""Generated documentation is current, and the language guide's examples are valid."""

from __future__ import annotations

import re

import pytest
from conftest import ROOT

from phasec.compiler.pipeline import analyze
from phasec.compiler.rules.catalog import render_markdown
from phasec.compiler.schema import keywords, render_reference

DOCS = ROOT / "docs"


def test_rules_md_is_current(golden):
    golden(DOCS / "rules.md", render_markdown())


def test_language_reference_is_current(request):
    path = DOCS / "language.md"
    text = path.read_text()
    start, end = "<!-- reference:start -->\n", "\n<!-- reference:end -->"
    assert start in text and end in text
    before, rest = text.split(start, 1)
    _, after = rest.split(end, 1)
    current = before + start + render_reference() + end + after
    if request.config.getoption("--update-goldens"):
        path.write_text(current)
        return
    assert text == current, "docs/language.md reference is stale; run pytest --update-goldens"


def test_every_keyword_is_documented_in_the_language_guide():
    text = (DOCS / "language.md").read_text()
    guide = text.split("<!-- reference:start -->")[0]
    missing = [k for k in keywords() if not re.search(rf"(?<![\w-]){re.escape(k)}(?![\w-])", guide)]
    assert missing == []
    assert len(guide) > 10_000  # the guide is prose, not only the generated table


def _snippets():
    text = (DOCS / "language.md").read_text()
    for i, block in enumerate(re.findall(r"```phc\n(.*?)```", text, re.S)):
        first = block.strip().split()[0] if block.strip() else ""
        if first in keywords() and "..." not in block:
            yield pytest.param(block, id=f"snippet{i}")


@pytest.mark.parametrize("snippet", list(_snippets()))
def test_language_guide_snippets_are_valid(snippet):
    text = snippet
    if not text.lstrip().startswith("phase "):
        text = 'phase C "Doc" {\n  posture forward_only\n}\n' + text
    res = analyze(text, "snippet.phc", rules=False)
    # Snippets are fragments: references to things declared elsewhere are fine.
    bad = [(d.code, d.span.line, d.message) for d in res.diagnostics if d.code != "PC202"]
    assert bad == []
