"""Everything a rule reports, not only its message: goldens per rule fixture.

test_rules.py checks each fixture's codes, positions and messages.  The help
line, the related notes (their positions and wording), the severity and the
fixes are user-facing too; mutation testing showed they could change without
a test failing.  Each golden is the text rendering (as `phasec lint` prints
it) of the diagnostics of the fixture's own code, followed by their fixes.

Regenerate with `pytest tests/test_rule_goldens.py --update-goldens` and review
the diff.
"""

from __future__ import annotations

import pytest
from conftest import FIXTURES, GOLDENS

from phasec.compiler.pipeline import analyze
from phasec.compiler.render import render_text

RULES = FIXTURES / "rules"


def fixtures():
    return [p for p in sorted(RULES.glob("PC*.phc")) if "_clean" not in p.stem]


def describe(path) -> str:
    code = path.stem.split("_")[0]
    name = f"tests/fixtures/rules/{path.name}"
    res = analyze(path.read_text(encoding="utf-8"), name)
    diags = [d for d in res.diagnostics if d.code == code]
    out = [render_text(diags, {name: res.document.source}, color=False)]
    for d in diags:
        if d.fix is None:
            continue
        out.append(f"fix for {d.code} at {d.span.line}:{d.span.column}: {d.fix.description}")
        for e in d.fix.edits:
            s = e.span
            out.append(f"  {s.line}:{s.column}-{s.end_line}:{s.end_column} -> {e.replacement!r}")
    return "\n".join(out).rstrip("\n") + "\n"


@pytest.mark.parametrize("path", fixtures(), ids=lambda p: p.stem)
def test_rule_fixture_golden(path, golden):
    golden(GOLDENS / "rules" / f"{path.stem}.txt", describe(path))
