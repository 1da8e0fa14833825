"""`phasec import --packet` and `phasec lint --packet` (issue 11): packets merged, disagreements reported."""

from __future__ import annotations

import shutil
from functools import cache

import pytest
import yaml
from conftest import ROOT
from typer.testing import CliRunner

from phasec.cli.main import app
from phasec.compiler.pipeline import analyze
from phasec.emitters import EmitOptions
from phasec.emitters import workbreakdown as wb
from phasec.importer import import_markdown

CORPUS = ROOT / "tests" / "data" / "corpus"


@cache
def imported(rel: str, packet: str):
    return import_markdown((CORPUS / rel).read_text(encoding="utf-8"), f"corpus/{rel}", str(CORPUS / packet))


def leaves(node, prefix: str = "", acc: dict | None = None) -> dict:
    """The reference's keys: slices by id, file and artifact lists as sets of paths."""
    acc = {} if acc is None else acc
    if isinstance(node, dict):
        for k, v in node.items():
            leaves(v, f"{prefix}.{k}" if prefix else str(k), acc)
    elif isinstance(node, list) and node and all(isinstance(x, dict) and "id" in x for x in node):
        for x in node:
            leaves({k: v for k, v in x.items() if k != "id"}, f"{prefix}.{x['id']}", acc)
    elif isinstance(node, list) and node and all(isinstance(x, dict) and "path" in x for x in node):
        acc[prefix] = sorted({x["path"] for x in node})
    else:
        acc[prefix] = node
    return acc


def compiled_workbreakdown(text: str) -> dict:
    res = analyze(text, "imported.phc")
    assert res.runbook is not None
    assert not [d for d in res.diagnostics if d.code[:3] in ("PC0", "PC1", "PC2") and d.severity.value == "error"]
    out = wb.emit(res.runbook, EmitOptions())
    return yaml.safe_load(next(v for k, v in out.items() if k.endswith("_WORKBREAKDOWN.yaml")))


def test_phase_c_compiled_workbreakdown_agrees_with_the_hand_written_one():
    res = imported("seed/phase-c-runbook.md", "phase-c")
    reference = leaves(yaml.safe_load((CORPUS / "phase-c" / "PHASE_C_WORKBREAKDOWN.yaml").read_text(encoding="utf-8")))
    emitted = leaves(compiled_workbreakdown(res.text))
    same = [k for k in reference if emitted.get(k) == reference[k]]
    ratio = len(same) / len(reference)
    print(f"Phase C: {len(same)}/{len(reference)} reference keys agree ({ratio:.1%})")
    assert len(reference) > 60
    assert ratio >= 0.90, sorted(set(reference) - set(same))


def _pc952(res):
    return [d for d in res.diagnostics if d.code == "PC952"]


def test_phase_c_reports_c2_ownership_with_both_locations():
    res = imported("seed/phase-c-runbook.md", "phase-c")
    hits = [d for d in _pc952(res) if "slice C2" in d.message and "one" in d.message and "I2 + I3" in d.message]
    assert hits
    packet_side = [d for d in hits if any("PHASE_C_WORKBREAKDOWN.yaml" in r.span.file for r in d.related)]
    assert packet_side and packet_side[0].span.file == "corpus/seed/phase-c-runbook.md"
    assert packet_side[0].span.line == 136  # `#### C2: ... (I2 + I3)`
    (rel,) = [r for r in packet_side[0].related if r.span.file.endswith("PHASE_C_WORKBREAKDOWN.yaml")]
    assert (
        "owner: '@rawr-verification-gates'"
        in (CORPUS / "phase-c" / "PHASE_C_WORKBREAKDOWN.yaml").read_text().splitlines()[rel.span.line - 1]
    )


def test_phase_c_reports_gate_scripts_added_by_slices_that_run_after_their_users():
    res = imported("seed/phase-c-runbook.md", "phase-c")
    (d,) = [d for d in _pc952(res) if "planned scripts" in d.message]
    assert "slice C1" in d.message and "C2/C3" in d.message and "phase-c:c1:quick" in d.message
    md = (CORPUS / "seed" / "phase-c-runbook.md").read_text().splitlines()
    assert "during C2/C3" in md[d.span.line - 1]
    files = {r.span.file.rsplit("/", 1)[-1] for r in d.related}
    assert files == {"PHASE_C_WORKBREAKDOWN.yaml", "PHASE_C_ACCEPTANCE_GATES.md"}
    gates_md = (CORPUS / "phase-c" / "PHASE_C_ACCEPTANCE_GATES.md").read_text().splitlines()
    (planned,) = [r for r in d.related if r.span.file.endswith("GATES.md")]
    assert '"phase-c:' in gates_md[planned.span.line - 1]


def test_phase_c_other_disagreements_and_the_recorded_choices():
    res = imported("seed/phase-c-runbook.md", "phase-c")
    msgs = [d.message for d in _pc952(res)]
    assert any("slice C4: the title differs" in m for m in msgs)
    assert any("cadence quick: 1 event(s) here, 2 in the packet" in m for m in msgs)
    assert any("slice C4: dependencies differ" in m for m in msgs)
    # every disagreement has a location in the other document
    assert all(d.related for d in _pc952(res))
    # the .phc records the choices made
    assert "# choice: the packet's title" in res.text
    assert 'note "Runbook title: Conditional Decision Tightening"' in res.text


def test_phase_b_reports_the_phase_a_leftovers():
    res = imported("phase-b/runbook-runtime.md", "phase-b")
    msgs = [d.message for d in _pc952(res)]
    # branches
    assert any(
        "branch implementation: `codex/phase-a-runtime-implementation` here, `codex/phase-b-runtime-implementation`"
        in m
        for m in msgs
    )
    # slice ids: Phase A slices in the runbook, Phase B slices only in the packet
    assert {f"slice A{k} is in the runbook but not in the packet's work breakdown" for k in range(10)} <= set(msgs)
    assert "slice B0 is in the packet's work breakdown but not in the runbook" in msgs
    # the pass root
    assert any(
        "pass root `_phase-a-runtime-execution-pass-01-2026-02-20`" in m and "_phase-b-runtime-execution-pass-01" in m
        for m in msgs
    )


def test_unreadable_packet_documents_are_errors_not_tracebacks(tmp_path):
    (tmp_path / "PHASE_X_WORKBREAKDOWN.yaml").write_text("slices: [\n  - id: X1\n", encoding="utf-8")
    res = import_markdown("# Phase X\n\n## Summary\n1. hi\n", "x.md", str(tmp_path))
    (d,) = [d for d in res.diagnostics if d.code == "PC950"]
    assert d.severity.value == "error" and d.span.file.endswith("PHASE_X_WORKBREAKDOWN.yaml") and d.span.line >= 2
    empty = import_markdown("# Phase X\n", "x.md", str(tmp_path / "nothing"))
    assert [d.code for d in empty.diagnostics] == ["PC950"]


# ─── the CLI ──────────────────────────────────────────────────────────────────────

runner = CliRunner()


def test_cli_import_writes_the_phc_and_reports(tmp_path):
    out = tmp_path / "seed.phc"
    r = runner.invoke(
        app,
        ["import", str(CORPUS / "seed" / "phase-c-runbook.md"), "-o", str(out), "--packet", str(CORPUS / "phase-c")],
    )
    assert r.exit_code == 0, r.output
    assert out.read_text().startswith("# Imported by `phasec import`")
    assert "PC952" in r.stderr and "PHASE_C_WORKBREAKDOWN.yaml:" in r.stderr
    r2 = runner.invoke(app, ["lint", str(out)])
    assert r2.exit_code in (0, 1) and "PC0" not in r2.stderr.replace("PC0 ", "")


def test_cli_import_to_stdout_and_usage_errors(tmp_path):
    md = tmp_path / "r.md"
    md.write_text("# Phase Q Plan\n\n## Summary\n1. Ship it.\n", encoding="utf-8")
    r = runner.invoke(app, ["import", str(md)])
    assert r.exit_code == 0 and 'phase Q "Phase Q Plan"' in r.stdout
    assert runner.invoke(app, ["import", str(tmp_path / "missing.md")]).exit_code == 2
    assert runner.invoke(app, ["import", str(md), "--packet", str(tmp_path / "nope")]).exit_code == 2
    assert runner.invoke(app, ["import", str(md), "-o", str(tmp_path)]).exit_code == 2


def test_lint_packet_drift_check(tmp_path):
    example = ROOT / "examples" / "phase-c.phc"
    # the example's own compiled work breakdown: no drift
    res = analyze(example.read_text(), str(example))
    own = tmp_path / "own"
    own.mkdir()
    (own / "PHASE_C_WORKBREAKDOWN.yaml").write_text(
        next(v for k, v in wb.emit(res.runbook, EmitOptions()).items() if k.endswith("_WORKBREAKDOWN.yaml"))
    )
    r = runner.invoke(app, ["lint", str(example), "--packet", str(own), "-f", "concise"])
    assert "PC952" not in r.stdout
    # a hand-edited packet: another owner for C2
    edited = tmp_path / "edited"
    shutil.copytree(CORPUS / "phase-c", edited)
    ypath = edited / "PHASE_C_WORKBREAKDOWN.yaml"
    text = ypath.read_text().replace("owner: '@rawr-verification-gates'", "owner: '@someone-else'")
    ypath.write_text(text)
    r = runner.invoke(app, ["lint", str(example), "--packet", str(edited), "-f", "json"])
    import json

    diags = [d for d in json.loads(r.stdout)["diagnostics"] if d["code"] == "PC952"]
    owner = [d for d in diags if d["message"].startswith("slices.C2.owner")]
    assert len(owner) == 1 and "@someone-else" in owner[0]["message"]
    line = next(i for i, ln in enumerate(text.splitlines(), 1) if "@someone-else" in ln)
    assert any(
        rel["span"]["line"] == line and rel["span"]["file"].endswith("PHASE_C_WORKBREAKDOWN.yaml")
        for rel in owner[0]["related"]
    )


def test_gate_lists_are_compared_after_expanding_the_planned_scripts(tmp_path):
    # as written, the gates document's C1 Quick list is exactly what `phase-c:c1:quick` runs: no finding
    res = imported("seed/phase-c-runbook.md", "phase-c")
    assert not [d for d in _pc952(res) if "gate list" in d.message]
    edited = tmp_path / "packet"
    shutil.copytree(CORPUS / "phase-c", edited)
    gates = edited / "PHASE_C_ACCEPTANCE_GATES.md"
    text = gates.read_text().replace("- `bun run phase-c:gate:c1-storage-lock-runtime`\n\nFull:", "\nFull:", 1)
    assert text != gates.read_text()
    gates.write_text(text)
    res2 = import_markdown((CORPUS / "seed" / "phase-c-runbook.md").read_text(), "seed.md", str(edited))
    (d,) = [d for d in res2.diagnostics if d.code == "PC952" and "gate list" in d.message]
    assert "slice C1: the quick gate list differs" in d.message
    assert d.span.file.endswith("PHASE_C_ACCEPTANCE_GATES.md") and d.related[0].span.file.endswith("WORKBREAKDOWN.yaml")


def test_phase_c_packet_detail_is_merged():
    res = imported("seed/phase-c-runbook.md", "phase-c")
    rb = analyze(res.text, "seed.phc").runbook
    c1 = next(s for s in rb.slices if s.id == "C1")
    assert (c1.owner.id, c1.backup.id) == ("@rawr-runtime-host", "@rawr-platform-duty")
    assert {o.handle if hasattr(o, "handle") else o.id for o in rb.owners} >= {
        "@rawr-runtime-host",
        "@rawr-platform-duty",
    }
    assert any(sig.response and "isolate mutation primitive" in sig.response for sig in c1.signals)
    assert [d.id for d in rb.deferred][:1] == ["full_d016_productized_ux_control_plane"]
    assert [i.id for i in rb.invariants] == [
        "runtime_semantics",
        "route_families",
        "manifest_authority",
        "process_posture",
    ]
    bound = {b.cadence.id: [i.gate.id for i in b.items if i.gate] for b in c1.gates}
    assert set(bound) == {"quick", "full"}
    assert rb.exit is not None and rb.exit.gates


@pytest.mark.parametrize(
    "text",
    [
        "slices: 5\n",
        "slices:\n  - 3\n  - id: C1\n    files: 7\n    depends_on: C0\n    gates: [1]\n",
        "gates: [1, 2]\n",
        "slices:\n  - id: C1\n    owner: [x]\n    requires_artifacts: [5]\ngates:\n  C1: 5\ninvariants: 5\n",
    ],
)
def test_a_malformed_work_breakdown_is_reported_at_its_line_and_the_rest_imported(tmp_path, text):
    (tmp_path / "PHASE_C_WORKBREAKDOWN.yaml").write_text(text)
    res = import_markdown((CORPUS / "seed" / "phase-c-runbook.md").read_text(), "seed.md", str(tmp_path))
    bad = [d for d in res.diagnostics if d.code == "PC950"]
    assert bad and all(d.span.file.endswith("PHASE_C_WORKBREAKDOWN.yaml") for d in bad)
    assert all(1 <= d.span.line <= text.count("\n") for d in bad)
    assert not [d for d in analyze(res.text, "x.phc").diagnostics if d.code[:3] in ("PC0", "PC1", "PC2")]


def test_phase_c_command_contract_becomes_scripted_composite_gates():
    res = imported("seed/phase-c-runbook.md", "phase-c")
    result = analyze(res.text, "seed.phc")
    rb = result.runbook
    gates = {g.script: g for g in rb.gates if g.script}
    quick = gates["phase-c:c1:quick"]
    assert [(st.kind, [r.id for r in st.gates]) for st in quick.steps] == [
        ("use", ["phase-c_gate_drift-core"]),
        ("use", ["phase-c_gate_c1-storage-lock-static"]),
        ("use", ["phase-c_gate_c1-storage-lock-runtime"]),
    ]
    assert [st.command for st in gates["phase-c:gate:c1-storage-lock-static"].steps] == [
        "bun scripts/phase-c/verify-storage-lock-contract.mjs"
    ]
    assert rb.scripts is not None and rb.scripts.runner == "bun run"
    # the linter agrees with the reported disagreement: C1 uses gates that C2/C3 bring into existence
    assert any(d.code == "PC701" and "`C1`" in d.message for d in result.diagnostics)
