"""Every lint rule has a fixture that triggers it and one that does not.

Fixtures live in tests/fixtures/rules/, named after the rule code:
``PC302_<what>.phc`` must trigger PC302, ``PC302_clean_<what>.phc`` must not.
Expectations sit beside the input, as comments:

    # expect: PC302 14:9 slice `C1` depends on `C5`, which is in a later stage (3)

Each expect line gives the code, line:column of the primary span and the
exact message.  A triggering fixture must produce exactly its expected
diagnostics of that code; a clean fixture must produce none of that code.
"""

from __future__ import annotations

import re

import pytest

from conftest import FIXTURES
from phasec.compiler.pipeline import analyze
from phasec.compiler.rules import all_rules

RULES = FIXTURES / "rules"
EXPECT = re.compile(r"#\s*expect:\s*(PC\d{3})\s+(\d+):(\d+)\s+(.*?)\s*$")


def fixtures():
    return sorted(RULES.glob("PC*.phc"))


def expectations(text: str) -> list[tuple[str, int, int, str]]:
    out = []
    for line in text.splitlines():
        m = EXPECT.search(line)
        if m:
            out.append((m.group(1), int(m.group(2)), int(m.group(3)), m.group(4)))
    return out


@pytest.mark.parametrize("path", fixtures(), ids=lambda p: p.stem)
def test_rule_fixture(path):
    code = path.stem.split("_")[0]
    text = path.read_text()
    res = analyze(text, path.name)
    front = [d for d in res.diagnostics if d.code[:3] in ("PC0", "PC1", "PC2")]
    assert not front, f"fixture does not compile: {[(d.code, d.span.line, d.message) for d in front]}"
    got = sorted((d.code, d.span.line, d.span.column, d.message) for d in res.diagnostics if d.code == code)
    if "_clean" in path.stem:
        assert got == [], f"{code} must not fire on {path.name}"
        assert not expectations(text), "clean fixtures carry no expectations"
    else:
        want = sorted(e for e in expectations(text) if e[0] == code)
        assert want, f"{path.name} has no `# expect: {code} ...` lines"
        assert got == want


def test_every_rule_has_a_triggering_and_a_clean_fixture():
    names = [p.stem for p in fixtures()]
    missing = []
    for r in all_rules():
        if not any(n.startswith(r.code + "_") and "_clean" not in n for n in names):
            missing.append(f"{r.code} trigger")
        if not any(n.startswith(r.code + "_clean") for n in names):
            missing.append(f"{r.code} clean")
    assert not missing, missing


def test_rule_docs_have_three_parts():
    for r in all_rules():
        assert r.summary and not r.summary.startswith("#"), r.code
        for part in ("## What it does", "## Why it matters", "## Example"):
            assert part in r.doc, f"{r.code} documentation lacks '{part}'"


def test_codes_are_unique_and_well_formed():
    codes = [r.code for r in all_rules()]
    assert len(codes) == len(set(codes))
    assert all(re.fullmatch(r"PC[3-9]\d\d", c) for c in codes)
