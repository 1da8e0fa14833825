"""The IR is built without validation; these tests are the safety net validation gave.

Lowering builds IR nodes with ``Node.model_construct`` (phasec/compiler/ir.py): no
pydantic schema is built and no value is checked or coerced at run time (issue 12,
start-up).  So here the IR of every example, fixture and corpus runbook is
validated after the fact (after name resolution, which writes into it): dumped
and validated again, it must give back exactly the same values *and types* (a str where an int belongs, a tuple where a
list belongs, a Prose where a Ref belongs, an unknown field: each fails), and
dumping it must not warn (pydantic warns when a value does not match its field).
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLES, FIXTURES, ROOT
from pydantic import BaseModel

from phasec.compiler import ir
from phasec.compiler.pipeline import analyze
from phasec.source import Span

SPAN = Span(file="x.phc", line=1, column=1, end_line=1, end_column=2)

RUNBOOKS = sorted(
    {*EXAMPLES.rglob("*.phc"), *FIXTURES.rglob("*.phc"), *(ROOT / "tests" / "corpus").rglob("*.phc")},
)


def _same(a: Any, b: Any, where: str = "runbook") -> None:
    """``a`` and ``b`` hold equal values of the very same types, all the way down.

    The shared empty list of the constructed IR (``ir.EMPTY``, a list subclass) counts as a list.
    """

    def kind(x: Any) -> type:
        return list if type(x) is ir.EmptyList else type(x)

    assert kind(a) is kind(b), f"{where}: {type(a).__name__} {a!r} vs {type(b).__name__} {b!r}"
    if isinstance(a, BaseModel):
        assert a.__dict__.keys() == b.__dict__.keys(), where
        for name in type(a).model_fields:
            _same(getattr(a, name), getattr(b, name), f"{where}.{name}")
    elif isinstance(a, list | tuple):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _same(x, y, f"{where}[{i}]")
    elif isinstance(a, dict):
        assert list(a) == list(b), where
        for k in a:
            _same(a[k], b[k], f"{where}[{k!r}]")
    else:
        assert a == b, where


def _revalidated(rb: ir.Runbook) -> ir.Runbook:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a serialisation warning: a value that does not fit its field
        data = rb.model_dump()
    return ir.Runbook.model_validate(data, strict=False)


def test_there_are_runbooks_to_check():
    assert len(RUNBOOKS) > 150


@pytest.mark.parametrize("path", RUNBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_constructed_ir_equals_its_validated_copy(path: Path):
    rb = analyze(path.read_text(encoding="utf-8"), str(path), rules=False).runbook
    assert rb is not None  # lowering is total: even a runbook with errors has its IR
    _same(_revalidated(rb), rb)


def test_the_check_catches_a_wrong_type_put_into_the_ir():
    """The comparison above fails for what validation used to refuse or coerce."""
    team = ir.Team.model_construct(span=SPAN, max_active="6")  # a str where an int belongs
    rb = ir.Runbook.model_construct(span=SPAN, path="x.phc", sha256="0", team=team)
    with pytest.raises(Exception, match=r"max_active|int"):
        _same(_revalidated(rb), rb)
    stage = ir.Stage.model_construct(
        span=SPAN, id="S", title="t", order=0, covers=(ir.Ref.model_construct(span=SPAN, kind="slice", id="C1"),)
    )
    rb = ir.Runbook.model_construct(span=SPAN, path="x.phc", sha256="0", stages=[stage])
    with pytest.raises(Exception, match=r"covers|list|tuple"):
        _same(_revalidated(rb), rb)
    wrong_node = ir.Slice.model_construct(
        span=SPAN, id="C1", title="t", agents=[ir.Prose.model_construct(span=SPAN, text="x")]
    )
    rb = ir.Runbook.model_construct(span=SPAN, path="x.phc", sha256="0", slices=[wrong_node])
    with pytest.raises(Exception, match=r"agents|Ref|Prose|kind"):
        _same(_revalidated(rb), rb)


def test_model_construct_fills_defaults_and_fresh_default_factories():
    a = ir.Slice.model_construct(span=SPAN, id="C1", title="t")
    b = ir.Slice.model_construct(span=SPAN, id="C2", title="u")
    assert (a.conditional, a.trigger_logic, a.stage, a.files) == (False, "any", None, [])
    assert a.files is not b.files  # a default_factory is called per node, never shared
    assert a.model_fields_set == {"span", "id", "title"}
    assert list(a.__dict__) == list(ir.Slice.model_fields)  # declaration order, as validation gives
    _same(a, ir.Slice(span=SPAN, id="C1", title="t"))
    g = ir.Gate.model_construct(span=SPAN, id="G")
    assert (g.kind, g.steps) == ("gate", [])
    repo = ir.Repo.model_construct(span=SPAN)
    assert repo.remote == "origin"


def test_model_construct_refuses_missing_and_unknown_fields():
    with pytest.raises(TypeError, match=r"missing required field.*'id'"):
        ir.Ref.model_construct(span=SPAN, kind="slice")
    with pytest.raises(TypeError, match=r"unknown field.*'ident'"):
        ir.Ref.model_construct(span=SPAN, kind="slice", id="C1", ident="C1")


def test_model_construct_sets_up_the_runbooks_private_lookups():
    s = ir.Slice.model_construct(span=SPAN, id="C1", title="t")
    rb = ir.Runbook.model_construct(span=SPAN, path="x.phc", sha256="0", slices=[s])
    assert rb.slice("C1") is s and rb.slice("C2") is None
    assert rb.gate("G") is None
    other = ir.Runbook.model_construct(span=SPAN, path="y.phc", sha256="1")
    assert other.slice("C1") is None  # the index is per runbook


def test_every_ir_class_is_deferred_and_buildable():
    """Deferred schemas still build when something validates or serialises (``--emit ir``)."""
    classes = [c for c in vars(ir).values() if isinstance(c, type) and issubclass(c, ir.Node)]
    assert len(classes) > 50
    for c in classes:
        assert c.model_config.get("defer_build") is True, c.__name__
        schema = c.model_json_schema()
        assert c.__name__ in (schema.get("title"), *schema.get("$defs", {})), c.__name__
