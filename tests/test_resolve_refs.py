"""Name resolution's walk over the IR (``resolve.iter_refs``) finds every reference.

``iter_refs`` skips the fields whose nodes can never hold a ``Ref`` (a speed-up
for the language server, which resolves every version).  These tests compare it
with a plain walk over every field of every node, on the examples, the
as-written corpus runbooks, every rule fixture and a generated runbook.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from pydantic import BaseModel

from phasec.compiler import ir
from phasec.compiler.pipeline import analyze
from phasec.compiler.resolve import iter_refs

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import generate  # noqa: E402

FILES = sorted(
    [*ROOT.glob("examples/*.phc"), *ROOT.glob("tests/corpus/*.phc"), *ROOT.glob("tests/fixtures/rules/*.phc")]
)


def every_ref(node) -> list[ir.Ref]:
    """Every Ref under ``node``, depth first in field order, walking every field (no pruning)."""
    out: list[ir.Ref] = []

    def walk(v):
        if isinstance(v, ir.Ref):
            out.append(v)
        elif isinstance(v, (list, tuple)):
            for x in v:
                walk(x)
        elif isinstance(v, dict):
            for x in v.values():
                walk(x)
        elif isinstance(v, BaseModel):
            for name in type(v).model_fields:
                walk(getattr(v, name))

    walk(node)
    return out


@pytest.mark.parametrize("text", [p.read_text(encoding="utf-8") for p in FILES] + [generate.realistic(60)])
def test_iter_refs_finds_every_reference_in_order(text):
    rb = analyze(text, "x.phc", rules=False).runbook
    if rb is None:
        pytest.skip("no IR")
    expected = every_ref(rb)
    assert [id(r) for r in iter_refs(rb)] == [id(r) for r in expected]


def test_the_generated_runbook_has_references_of_every_walked_kind():
    """The comparison above is not vacuous: slices, stages and gates all hold references."""
    rb = analyze(generate.realistic(60), "x.phc", rules=False).runbook
    kinds = {r.kind for r in every_ref(rb)}
    assert len(every_ref(rb)) > 500 and {"slice", "gate", "owner", "cadence", "agent|role", "stage"} <= kinds
