"""`phasec import` on shapes the corpus does not have (held-out runbooks differ): sections are
recognised by content, and any markdown at all gives a runbook that parses."""

from __future__ import annotations

from conftest import ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from phasec.compiler.pipeline import analyze, parse
from phasec.format import format_text
from phasec.importer import import_markdown

HELD_OUT = ROOT / "tests" / "data" / "import" / "held-out-shapes.md"


def _front_end_errors(text: str) -> list[str]:
    res = analyze(text, "x.phc")
    return [
        f"{d.code} {d.span.line}: {d.message}"
        for d in res.diagnostics
        if d.code[:3] in ("PC0", "PC1", "PC2") and d.severity.value == "error"
    ]


def test_renamed_headings_g_stages_agent_table_slice_table_and_fences():
    res = import_markdown(HELD_OUT.read_text(encoding="utf-8"), "held-out-shapes.md")
    assert _front_end_errors(res.text) == []
    rb = analyze(res.text, "x.phc").runbook
    assert rb.phase.id == "D"
    assert [(s.id, s.title) for s in rb.stages] == [
        ("G0", "Preflight"),
        ("G1", "Build (D1, D2)"),
        ("G1.5", "Checkpoint"),
        ("G2", "Review (D3)"),
    ]
    assert rb.team.max_active == 4
    assert [a.id for a in rb.team.agents] == ["AGENT-1", "AGENT-2", "AGENT-3"]
    slices = {s.id: s for s in rb.slices}
    assert list(slices) == ["D1", "D2", "D3"]
    assert slices["D3"].title == "Review and fix closure"
    assert [a.id for a in slices["D2"].agents] == ["AGENT-2"]
    assert sorted(d.slice.id for d in slices["D3"].after) == ["D1", "D2"]
    assert slices["D1"].branch == "feature/phase-d-d1-ledger-adapter"
    assert {b.name for b in rb.repo.branches} == {"release/phase-d-base", "feature/phase-d-integration"}
    commands = [step.command for g in rb.gates for step in g.steps if step.kind == "run"]
    assert "make integration-test" in commands and "make test" in commands
    assert [c.id for c in rb.cadences] == ["smoke"]
    (warn,) = [d for d in res.diagnostics if d.code == "PC951"]
    assert warn.span.line == 52 and "# md:52 " in res.text and "`a-code-span`" in res.text


def test_a_runbook_with_nothing_recognisable_still_parses():
    for text in [
        "",
        "just a paragraph\n",
        "# Title only\n",
        "## Orphan section\n\n- a\n- b\n",
        '# Phase Z "quoted" \\ title\n\n## Notes\n1. `a "quoted" \\ span`\n   ```\n   fenced in item\n   ```\n',
        "| a | b |\n|---|---|\n| 1 | 2 |\n",
    ]:
        res = import_markdown(text, "t.md")
        _, diags = parse(res.text, "t.phc")
        assert not [d for d in diags if d.severity.value == "error"], (text, res.text)
        assert format_text(res.text) == res.text
        assert _front_end_errors(res.text) == []


_LINE = st.one_of(
    st.sampled_from(
        [
            "# Phase K Plan",
            "## Team (Max 3 Active)",
            "## Execution Base",
            "## Flow",
            "### Stage 1: Build (K1)",
            "### G2 - Review (K2)",
            "#### K3: Extra (P1)",
            "## Assumptions",
            "## Test Cases and Scenarios",
            "1. `P1` Builder.",
            "2. `P2` Reviewer.",
            "1. Parent branch: `codex/phase-k-base`.",
            "2. Worktree: `/tmp/wt-k`.",
            "- After `K1` is green, `P2` runs `K2`.",
            "   1. nested `x`",
            "| Slice | Title | Agent |",
            "|---|---|---|",
            "| K9 | Nine | `P1` |",
            "```bash",
            "make test",
            "```",
            "1. Quick suite on each commit.",
            "Primary files:",
            "   1. `src/a.ts`",
            "1. Agent 1: lane.",
            "- Agent 2 - reviewer",
            "## Stage 3: Top (K4)",
            "1. Keep at most two active agents.",
            "## Work Log (append-only)",
            "| When | Who | Status |",
            "| now | `P1` | `open` |",
            "Status values:",
            "- `open`",
            "- `P1`: `make lint`",
            "Per-lane add-ons:",
            "1. `Status` goes `open` -> `done`.",
            "## Review Tokens",
            "- `DONE P1`",
            "- `LGTM P1`",
            "## Sweep (every 15 minutes)",
            "## Merge policy",
            "- Merge into `main` only after approval.",
            "## Guardrails",
            "## After each merge",
            "## Prompt template",
            "All lanes run:",
            "",
        ]
    ),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=30),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_LINE, max_size=25))
def test_any_markdown_imports_to_a_runbook_that_parses(lines):
    text = "\n".join(lines) + "\n"
    res = import_markdown(text, "fuzz.md")
    assert _front_end_errors(res.text) == [], res.text
    assert format_text(res.text) == res.text


def test_stages_written_as_top_level_sections_and_agents_named_agent_n():
    text = """# Phase R Runtime Plan

## Team
1. Agent 1: backend lane.
2. Agent 2: review lane.
3. Keep at most two active agents.

## Stage 1: Build (`R1`)
1. Agent 1 implements the adapter.

## Stage 2: Review (`R2`)
1. Agent 2 reviews `R1`.
"""
    res = import_markdown(text, "r.md")
    assert _front_end_errors(res.text) == []
    rb = analyze(res.text, "r.phc").runbook
    assert [s.id for s in rb.stages] == ["1", "2"]
    assert {s.id: [a.id for a in s.agents] for s in rb.slices} == {"R1": ["Agent-1"], "R2": ["Agent-2"]}
    assert [d.slice.id for d in rb.slices[1].after] == ["R1"]
