"""A language-server Snapshot is immutable: a frozen dataclass, built complete."""

from __future__ import annotations

import dataclasses

import pytest
from conftest import EXAMPLES

from phasec.lsp.analysis import Snapshot, build_snapshot

BROKEN = 'phase C "T" {\n  posture forward_only\n}\nslice C1 "x {\n'


def test_snapshot_is_frozen_and_complete():
    text = (EXAMPLES / "phase-c.phc").read_text(encoding="utf-8")
    snap = build_snapshot("file:///tmp/phase-c.phc", text, 3)
    assert dataclasses.is_dataclass(snap) and Snapshot.__dataclass_params__.frozen
    for name, value in (("version", 4), ("lsp_diagnostics", ()), ("total_ms", 0.0), ("started_at", 0.0)):
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(snap, name, value)
    # everything a handler reads was filled in before construction
    assert snap.started_at > 0 and snap.total_ms >= snap.analyze_ms > 0
    assert isinstance(snap.lsp_diagnostics, tuple)
    assert len(snap.lsp_diagnostics) == len(snap.diagnostics)


def test_snapshot_lsp_diagnostics_match_its_diagnostics():
    snap = build_snapshot("file:///tmp/broken.phc", BROKEN, 1)
    assert snap.diagnostics and len(snap.lsp_diagnostics) == len(snap.diagnostics)
    assert [d.code for d in snap.lsp_diagnostics] == [d.code for d in snap.diagnostics]
    assert {d.range.start.line for d in snap.lsp_diagnostics} == {d.span.line - 1 for d in snap.diagnostics}
