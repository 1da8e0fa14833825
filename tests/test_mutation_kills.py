"""Tests written to kill mutants that survived the rest of the suite.

Each test names the mutation it kills (see docs/testing.md).  Every one was
checked by applying the mutation by hand, watching the test fail, and reverting.
They go through public behaviour (`analyze`, `emit_all`, the CLI) so they keep
working when the code behind them moves.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import ROOT
from helpers import diags

from phasec.compiler.pipeline import analyze
from phasec.emitters import EmitOptions, emit_all

HEAD = 'phase C "T" {\n  posture forward_only\n}\n'


def found(text: str, code: str) -> list[tuple[int, int, str]]:
    return [(d.span.line, d.span.column, d.message) for d in diags(text) if d.code == code]


# -- PC501: the cap is inclusive (`width <= max_active` is fine) ----------------------------


def _three_parallel(cap: int) -> str:
    return HEAD + (
        f"team {{\n  max_active {cap}\n"
        '  agent P1 "a"\n  agent P2 "b"\n  agent P3 "c"\n}\n'
        'stage 1 "p" {\n  parallel {\n'
        '    step "x" by P1\n    step "y" by P2\n    step "z" by P3\n  }\n}\n'
    )


def test_pc501_width_equal_to_the_cap_is_allowed():
    # Kills `result.width <= team.max_active` -> `<` in pc501_agent_cap_exceeded.py.
    assert found(_three_parallel(3), "PC501") == []
    assert found(_three_parallel(4), "PC501") == []


def test_pc501_width_one_over_the_cap_is_reported():
    assert found(_three_parallel(2), "PC501") == [
        (
            5,
            3,
            "up to 3 agents can be active at once, more than max_active 2: P1, P2, P3 "
            "(they overlap at stage 1 step 1, stage 1 step 2, stage 1 step 3)",
        )
    ]


# -- graph.py: "finishes before" needs every first activity of the later agent ---------------

AGENT_SPLIT = HEAD + (
    'team {\n  max_active 1\n  agent A "a"\n  agent B "b"\n}\n'
    'slice C1 "one" {\n  agent A\n}\n'
    'slice C2 "two" {\n  agent B\n  after C1\n}\n'
    'slice C3 "three" {\n  agent B\n}\n'
)


def test_agent_does_not_finish_before_an_agent_with_an_unordered_first_activity():
    # B works on C2 (after A's C1) and on C3 (unordered with C1): B can start C3
    # while A still works on C1, so A does not finish before B and both can be
    # active at once.  Kills `all(...)` -> `any(...)` in RunbookGraph._agent_overlap.
    assert [m for _, _, m in found(AGENT_SPLIT, "PC501")] == [
        "up to 2 agents can be active at once, more than max_active 1: A, B "
        "(they overlap at the start of slice C1, the start of slice C3)"
    ]
    # ...and B's work is not totally ordered, which PC502 reports.
    (msg,) = [m for _, _, m in found(AGENT_SPLIT, "PC502")]
    assert msg in (
        "agent `B` is bound to slice C2 and slice C3, which can run concurrently",
        "agent `B` is bound to slice C3 and slice C2, which can run concurrently",
    )


def test_agent_finishes_before_when_every_first_activity_waits():
    ordered = AGENT_SPLIT.replace('slice C3 "three" {\n  agent B\n}', 'slice C3 "three" {\n  agent B\n  after C1\n}')
    assert found(ordered, "PC501") == []


# -- PC303: two stages with the same number -------------------------------------------------


def test_pc303_same_number_written_differently():
    # Kills `key <= top[0]` -> `key < top[0]` (the "same number" branch) in PC303.
    text = HEAD + (
        'stage 1 "a" {\n  step "x"\n}\n'
        'stage 2 "b" {\n  step "y"\n}\n'
        'stage 02 "c" {\n  step "z"\n}\n'
        'stage 2A "d" {\n  step "z"\n}\n'
        'stage 2a "e" {\n  step "z"\n}\n'
    )
    assert found(text, "PC303") == [
        (10, 7, "stage `02` is declared after stage `2`, but 02 and 2 are the same number"),
        (16, 7, "stage `2a` is declared after stage `2A`, but 2a and 2A are the same number"),
    ]


def test_pc303_related_note_points_at_the_earlier_stage():
    text = HEAD + 'stage 2 "b" {\n  step "y"\n}\nstage 1.5 "c" {\n  step "z"\n}\n'
    (d,) = [d for d in diags(text) if d.code == "PC303"]
    assert (d.span.line, d.span.column) == (7, 7)
    assert [(sp.line, sp.column, note) for sp, note in ((r.span, r.message) for r in d.related)] == [
        (4, 7, "stage `2` is declared here, earlier")
    ]


# -- PC705: a slice is covered when ANY of its gates is run by the exit ---------------------

PARTIAL = HEAD + (
    'cadence quick "Quick suite"\ncadence full "Full suite"\n'
    'slice C1 "one" {\n  gate quick c1_quick\n  gate full c1_full\n}\n'
    'slice C2 "two" {\n  gate quick c2_quick\n}\n'
    'gate drift "bun run drift"\n'
    'gate c1_quick "bun c1 quick"\n'
    'gate c1_full {\n  use drift\n  run "bun c1 full"\n}\n'
    'gate c2_quick "bun c2 quick"\n'
    "gate gates_exit {\n  use drift\n}\n"
    "exit {\n  gate gates_exit\n}\n"
)


def test_pc705_slice_with_one_of_its_gates_run_by_the_exit_is_covered():
    # C1 binds c1_quick (not run by the exit) and c1_full, which uses `drift`,
    # which the exit runs: C1 is covered.  C2's only gate is not: reported.
    # Kills `any(...)` -> `all(...)` and a subset test instead of an intersection.
    got = found(PARTIAL, "PC705")
    assert [m for _, _, m in got] == [
        "the phase exit does not cover slice `C2`: it is not in `exit { covers }` "
        "and none of its gates is run by exit gate `gates_exit`"
    ]


def test_pc705_covers_list_and_bound_gates_combine():
    text = PARTIAL.replace("exit {\n  gate gates_exit\n}", "exit {\n  gate gates_exit\n  covers C2\n}")
    assert found(text, "PC705") == []
    # Without the exit gate using `drift`, C1 is uncovered too.
    text = PARTIAL.replace("gate gates_exit {\n  use drift\n}", 'gate gates_exit "bun exit"')
    assert sorted(m.split("`")[1] for _, _, m in found(text, "PC705")) == ["C1", "C2"]


# -- suppressions apply to one line, not to the file -----------------------------------------

SUPPRESSED = (
    HEAD
    + 'slice C0 "owned" {\n  owner @team\n}\n'
    + (  # one owner: PC601 reports per slice
        'slice C1 "one" {  # phasec: ignore[PC601] -- owned by the steward, recorded elsewhere\n'
        '  objective "x"\n}\n'
        'slice C2 "two" {\n  objective "y"\n}\n'
        "# phasec: ignore[PC601] -- the next line only\n"
        'slice C3 "three" {\n  objective "z"\n}\n'
    )
)


def test_suppression_applies_to_its_line_only():
    # Kills dropping `d.span.line == target` (a suppression applying file-wide).
    assert [(line, m) for line, _, m in found(SUPPRESSED, "PC601")] == [(10, "slice `C2` has no owner")]
    assert found(SUPPRESSED, "PC901") == []


def test_suppression_on_its_own_line_skips_following_comment_lines():
    text = SUPPRESSED.replace(
        "# phasec: ignore[PC601] -- the next line only\n",
        "# phasec: ignore[PC601] -- the next line only\n# a plain comment in between\n",
    )
    assert [line for line, _, _ in found(text, "PC601")] == [10]


def test_unused_suppression_is_reported_at_its_comment():
    text = HEAD + 'slice C1 "one" {\n  owner @team  # phasec: ignore[PC601] -- not needed\n}\n'
    assert found(text, "PC901") == [(5, 16, "suppression of PC601 suppresses nothing")]


# -- the acceptance-gates baseline never lists symbolic checks ---------------------------------

BASELINE = HEAD + (
    'team {\n  max_active 2\n  agent I1 "one"\n}\n'
    'cadence quick "Quick suite"\n'
    'slice C1 "One" {\n  agent I1\n  gate quick c1_quick\n}\n'
    'slice C2 "Two" {\n  agent I1\n  after C1\n  gate quick c2_quick\n}\n'
    'gate drift_core "bun run drift"\n'
    'check manual_review "a person reads the diff"\n'
    'gate c1_quick {\n  use drift_core manual_review\n  run "bun c1"\n}\n'
    'gate c2_quick {\n  use drift_core manual_review\n  run "bun c2"\n}\n'
)


def _acceptance(text: str) -> str:
    res = analyze(text, "b.phc")
    assert not [d for d in res.diagnostics if d.code[:3] in ("PC0", "PC1", "PC2")]
    out = emit_all(res.runbook, EmitOptions())
    (doc,) = [v for k, v in out.items() if k.endswith("ACCEPTANCE_GATES.md")]
    return doc


def test_baseline_drops_symbolic_checks():
    # Both slices' quick gates use drift_core and the check manual_review; the
    # baseline is drift_core alone.  Kills keeping checks in baseline_gates.
    doc = _acceptance(BASELINE)
    assert "- `drift_core` runs in every slice's quick suite run.\n" in doc
    assert doc.count(", used by the `quick` gates of every slice that has them:") == 1
    assert "## Baseline: drift_core\n" in doc
    before_matrix = doc.split("## Slice Gate Matrix")[0]
    assert "manual_review" not in before_matrix and "a person reads the diff" not in before_matrix


# -- gate composition cycles do not hang or crash the emitters ---------------------------------

CYCLE = HEAD + (
    'cadence quick "Quick suite"\n'
    'slice C1 "One" {\n  owner @team\n  gate quick c1_quick\n}\n'
    'gate c1_quick {\n  run "bun c1 quick"\n  use c1_full\n}\n'
    'gate c1_full {\n  run "bun c1 full"\n  use c1_quick\n}\n'
)


def _cycle_runbook():
    res = analyze(CYCLE, "cycle.phc")
    assert [d.code for d in res.diagnostics if d.code == "PC703"] == ["PC703"]
    return res.runbook


def test_gates_script_expands_a_gate_cycle_once():
    # Kills removing the cycle guard of gate expansion (compiler/facts.py, Facts._expand):
    # it would recurse until RecursionError.
    # Through the emitters' output, so it survives moving the expansion.
    from phasec.emitters import scripts

    gates = scripts.emit(_cycle_runbook(), EmitOptions())["scripts/gates.sh"]
    steps = [ln.strip() for ln in gates.splitlines() if ln.strip().startswith("step ")]
    # c1_quick runs its command, then c1_full (its command); c1_full's use of c1_quick closes the cycle,
    # which the expansion stops at and lists once, as a manual check naming the cycle (facts.expand_gate).
    assert steps == [
        "step 'run' 'c1_quick' 'bun c1 quick'",
        "step 'run' 'c1_full' 'bun c1 full'",
        "step 'check' 'c1_quick' 'c1_quick -> c1_full -> c1_quick'",
    ]


def test_ci_workflow_expands_a_gate_cycle_once():
    from phasec.emitters import ci

    (wf,) = ci.emit(_cycle_runbook(), EmitOptions(extras=frozenset({"ci"}))).values()
    runs = [ln.strip() for ln in wf.splitlines() if ln.strip().startswith("run: bun c1")]
    assert runs == ["run: bun c1 quick", "run: bun c1 full"]


def test_compile_with_an_ignored_gate_cycle(tmp_path):
    """Lint honours `ignore = ["PC703"]`; compile does not (it always checks what the outputs rely on): it
    refuses with the PC703 error and writes nothing (it crashed with a RecursionError before)."""
    src = tmp_path / "cycle.phc"
    src.write_text(CYCLE, encoding="utf-8")
    (tmp_path / "phasec.toml").write_text('ignore = ["PC703", "PC603"]\n', encoding="utf-8")
    lint = subprocess.run(
        [sys.executable, "-m", "phasec", "lint", "-f", "concise", str(src)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert "PC703" not in lint.stdout + lint.stderr
    out = tmp_path / "out"
    res = subprocess.run(
        [sys.executable, "-m", "phasec", "compile", str(src), "-o", str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert "Traceback" not in res.stderr and "internal error" not in res.stderr, res.stderr
    assert res.returncode == 1 and "PC703" in res.stdout + res.stderr
    assert not out.exists()


def test_gate_cycle_is_an_error_without_the_ignore(tmp_path):
    src = tmp_path / "cycle.phc"
    src.write_text(CYCLE, encoding="utf-8")
    (tmp_path / "phasec.toml").write_text('ignore = ["PC603"]\n', encoding="utf-8")
    res = subprocess.run(
        [sys.executable, "-m", "phasec", "compile", str(src), "-o", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert res.returncode != 0 and "PC703" in res.stdout
    assert not (tmp_path / "out").exists()


# -- configuration: exact errors, case, where it was found -------------------------------------


def _write(tmp_path, name: str, content: str):
    (tmp_path / name).write_text(content, encoding="utf-8")
    return tmp_path / name


@pytest.mark.parametrize(
    "content, message",
    [
        ('[tool.phasec]\nignore = "PC605"\n', "`ignore` must be a list of rule codes"),
        ('[tool.phasec]\nselect = ["PC3", 5]\n', "`select` must be a list of rule codes"),
        ('[tool.phasec]\nseverity = "error"\n', '`severity` must be a table of CODE = "error|warning|info"'),
        ('[tool.phasec.severity]\nPC605 = "fatal"\n', "severity of PC605 must be error, warning or info, not 'fatal'"),
        ('[tool.phasec]\nignroe = ["PC605"]\nslect = []\n', "unknown setting(s): ignroe, slect"),
    ],
)
def test_configuration_errors_name_the_file_and_the_setting(tmp_path, content, message):
    from phasec.compiler.config import ConfigError, load_config

    f = _write(tmp_path, "pyproject.toml", content)
    with pytest.raises(ConfigError) as exc:
        load_config(tmp_path / "x.phc")
    assert str(exc.value) == f"{f}: {message}"


def test_configuration_codes_are_case_insensitive_and_the_file_is_recorded(tmp_path):
    from phasec.compiler.config import Config, load_config

    f = _write(tmp_path, "phasec.toml", 'select = ["pc5", "pc3"]\nignore = ["pc502"]\n[severity]\npc501 = "info"\n')
    cfg = load_config(tmp_path / "x.phc")
    assert (cfg.select, cfg.ignore, cfg.path) == (["PC5", "PC3"], ["PC502"], f)
    assert {k: v.value for k, v in cfg.severity.items()} == {"PC501": "info"}
    assert cfg.enabled("PC501") and cfg.enabled("PC303") and not cfg.enabled("PC502") and not cfg.enabled("PC601")
    # Built directly, too.
    direct = Config(select=["pc50"], ignore=["pc502"], severity={"pc501": "warning"})
    assert direct.enabled("PC501") and not direct.enabled("PC502") and not direct.enabled("PC601")
    assert direct.severity == {"PC501": direct.severity["PC501"]} and direct.severity["PC501"].value == "warning"


def test_configuration_regrades_only_the_named_code():
    from phasec.compiler.config import Config

    text = _three_parallel(2) + 'slice C1 "x" {\n  objective "y"\n}\n'
    res = analyze(text, "t.phc", config=Config(severity={"PC501": "info"}))
    sev = {d.code: d.severity.value for d in res.diagnostics}
    assert sev["PC501"] == "info" and sev["PC601"] == "error"


def test_configuration_in_a_folder_without_settings_is_the_default(tmp_path):
    from phasec.compiler.config import load_config

    _write(tmp_path, "pyproject.toml", "[tool.other]\nx = 1\n")
    cfg = load_config(tmp_path / "sub" / "x.phc")
    assert (cfg.select, cfg.ignore, cfg.severity, cfg.path) == ([], [], {}, None)
    # A runbook path that exists: its folder is searched.
    _write(tmp_path, "x.phc", HEAD)
    _write(tmp_path, "phasec.toml", 'ignore = ["PC6"]\n')
    assert load_config(tmp_path / "x.phc").ignore == ["PC6"]
    assert load_config(tmp_path).ignore == ["PC6"]


# -- suppressions: spelling, reasons, configuration of the suppression rules --------------------


def ownerless(comment: str) -> str:
    return HEAD + 'slice C1 "one" {  ' + comment + '\n  objective "x"\n}\n'


@pytest.mark.parametrize(
    "comment",
    [
        "# phasec: ignore[PC601] -- owned elsewhere",
        "# phasec: ignore[pc601]: owned elsewhere",
        "#PHASEC:IGNORE[ PC601 , PC605 ]--owned elsewhere",
        "# note # phasec: ignore[PC601] -- owned elsewhere",
    ],
)
def test_suppression_spellings(comment):
    text = ownerless(comment)
    got = {d.code for d in diags(text)}
    assert "PC601" not in got and "PC902" not in got and "PC903" not in got


@pytest.mark.parametrize(
    "comment, message",
    [
        ("# phasec: ignore[PC601]", "suppression without a reason"),
        ("# phasec: ignore[PC601] --   ", "suppression without a reason"),
        ("# phasec: ignroe[PC601] -- typo", "malformed suppression comment"),
    ],
)
def test_suppression_without_reason_or_malformed_suppresses_nothing(comment, message):
    text = ownerless(comment)
    ds = diags(text)
    assert [(d.span.line, d.span.column, d.message) for d in ds if d.code == "PC902"] == [(4, 19, message)]
    assert [d.span.line for d in ds if d.code == "PC601"] == [4]


def test_suppression_help_lines():
    reasonless = [d for d in diags(ownerless("# phasec: ignore[PC601]")) if d.code == "PC902"]
    assert reasonless[0].help == "add the reason after `--`: `# phasec: ignore[CODE] -- why this is fine`"
    malformed = [d for d in diags(ownerless("# phasec ignore")) if d.code == "PC902"]
    assert malformed == []  # not a phasec comment at all
    malformed = [d for d in diags(ownerless("# phasec: nope")) if d.code == "PC902"]
    assert malformed[0].help == "write `# phasec: ignore[CODE] -- why this is fine`"


def test_unknown_and_front_end_codes_in_a_suppression():
    text = ownerless("# phasec: ignore[PC601, PC999, PC101] -- mixed")
    got = sorted((d.code, d.message, d.help) for d in diags(text) if d.code in ("PC601", "PC901", "PC903"))
    assert got == [
        ("PC903", "unknown rule `PC101` in suppression", "front-end errors cannot be suppressed"),
        ("PC903", "unknown rule `PC999` in suppression", "run `phasec rules` for the list"),
    ]


def test_suppression_rules_follow_the_configuration():
    from phasec.compiler.config import Config

    bad = ownerless("# phasec: ignore[PC601, PC999]") + "# phasec: nope\n"
    ds = analyze(bad, "t.phc", config=Config(ignore=["PC902"])).diagnostics
    assert sorted(d.code for d in ds if d.code[:3] == "PC9") == []
    ds = analyze(bad, "t.phc", config=Config(severity={"PC902": "info"})).diagnostics
    assert [(d.code, d.severity.value) for d in ds if d.code[:3] == "PC9"] == [("PC902", "info"), ("PC902", "info")]
    stale = ownerless("# phasec: ignore[PC601, PC605, PC999] -- two of these are wrong")
    ds = analyze(stale, "t.phc", config=Config(ignore=["PC901", "PC903"])).diagnostics
    assert [d.code for d in ds if d.code[:3] == "PC9"] == []
    ds = analyze(stale, "t.phc", config=Config(severity={"PC901": "info", "PC903": "info"})).diagnostics
    assert sorted((d.code, d.severity.value) for d in ds if d.code[:3] == "PC9") == [
        ("PC901", "info"),
        ("PC903", "info"),
    ]


def test_suppression_at_column_one_on_its_own_line():
    text = HEAD + '# phasec: ignore[PC601] -- owned elsewhere\nslice C1 "one" {\n  objective "x"\n}\n'
    assert {d.code for d in diags(text)} & {"PC601", "PC901"} == set()


def test_unused_suppression_fixes():
    def fix(text):
        (d,) = [d for d in diags(text) if d.code == "PC901"]
        return d.fix.description, [
            (e.span.line, e.span.column, e.span.end_line, e.span.end_column, e.replacement) for e in d.fix.edits
        ]

    # Some codes used: only the unused ones go.
    text = ownerless("# phasec: ignore[PC601, PC605] -- owned elsewhere")
    assert fix(text) == ("remove the unused codes from the suppression", [(4, 36, 4, 48, "PC601")])
    # Prose before the suppression in the same comment stays.
    text = HEAD + 'slice C1 "one" {\n  owner @o  # keep this # phasec: ignore[PC601] -- stale\n}\n'
    assert fix(text) == ("remove the unused suppression", [(5, 24, 5, 57, "")])
    # A whole comment line goes with its newline; at the end of the file, without one.
    text = HEAD + '# phasec: ignore[PC601] -- stale\nslice C1 "one" {\n  owner @o\n}\n'
    assert fix(text) == ("remove the unused suppression comment", [(4, 1, 5, 1, "")])
    text = HEAD + "# phasec: ignore[PC601] -- stale"
    assert fix(text) == ("remove the unused suppression comment", [(4, 1, 4, 33, "")])


def test_no_front_end_code_can_be_disabled():
    from phasec.compiler.config import Config

    cfg = Config(ignore=["PC0", "PC1", "PC2", "PC"], select=["PC9"])
    assert all(cfg.enabled(c) for c in ("PC001", "PC101", "PC201", "PC202"))
    assert not cfg.enabled("PC301") and not cfg.enabled("PC901")
    res = analyze(HEAD + 'slice C1 "one" {\n  after C9\n}\n', "t.phc", config=cfg)
    assert "PC202" in {d.code for d in res.diagnostics}


def test_plain_comments_before_a_suppression_do_not_stop_it():
    text = (
        HEAD
        + '# a plain comment\n# phasec: nope\nslice C1 "one" {  # phasec: ignore[PC601] -- owned elsewhere\n  objective "x"\n}\n'
    )
    assert [d.code for d in diags(text) if d.code in ("PC601", "PC901", "PC902")] == ["PC902"]


def test_suppression_before_trailing_comment_lines_at_the_end_of_the_file():
    # The suppression applies to the next line that is not a comment; at the end
    # of the file there is none, so it suppresses nothing (not the comment's PC902).
    text = HEAD + "# phasec: ignore[PC902] -- end\n# phasec: nope"
    got = sorted((d.code, d.span.line) for d in diags(text) if d.code in ("PC901", "PC902"))
    assert got == [("PC901", 4), ("PC902", 5)]


def test_unused_suppression_fixes_keep_the_code_before_them():
    def edits(text):
        (d,) = [d for d in diags(text) if d.code == "PC901"]
        return [(e.span.line, e.span.column, e.span.end_line, e.span.end_column, e.replacement) for e in d.fix.edits]

    # End of a line: the comment and the blanks before it go, the code stays.
    text = HEAD + 'slice C1 "one" {\n  owner @o   # phasec: ignore[PC601] -- stale\n}\n'
    assert edits(text) == [(5, 11, 5, 46, "")]
    text = HEAD + 'slice C1 "one" {\n  owner @o# phasec: ignore[PC601] -- stale\n}\n'
    assert edits(text) == [(5, 11, 5, 43, "")]
    # Several codes kept: written back with ", ".
    text = HEAD + 'slice C1 "one" {  # phasec: ignore[PC601, PC605, PC602] -- only one of these is stale\n}\n'
    assert edits(text) == [(4, 36, 4, 55, "PC601, PC602")]


# -- release_after a slice -------------------------------------------------------------------

HELD = HEAD + (
    'team {\n  max_active 2\n  agent A "a"\n  agent B "b"\n  agent D "d"\n}\n'
    'slice C1 "one" {\n  agent A\n}\n'
    'slice C2 "two" {\n  agent B\n  after C1\n}\n'
    'slice C3 "three" {\n  agent D\n  after C1\n}\n'
)


def test_release_after_a_slice_holds_the_agent_until_that_slice_ends():
    # A works on C1 only; B and D follow C1 concurrently.  Alone, A is done
    # before they start (width 2).  Held until C2 ends, A overlaps B and D.
    assert found(HELD, "PC501") == []
    held = HELD.replace('agent A "a"', 'agent A "a" release_after C2')
    assert [m.split(" (")[0] for _, _, m in found(held, "PC501")] == [
        "up to 3 agents can be active at once, more than max_active 2: A, B, D"
    ]
    assert found(held, "PC503") == []


AFTER_RELEASE = HELD.replace('agent A "a"', 'agent A "a" release_after C1').replace(
    'slice C3 "three" {\n  agent D\n', 'slice C3 "three" {\n  agent D A\n'
)


def test_work_after_a_release_at_a_slice_is_reported():
    got = found(AFTER_RELEASE, "PC503")
    assert (17, 1, "agent `A` works on slice C3 after its release at `C1`") in got
    assert {(line, col) for line, col, _ in got} == {(17, 1)}


def test_work_after_a_release_at_a_slice_is_reported_once():
    # Was a bug: PC503 reported a slice twice, as `slice C3` and as `the start of slice C3`.
    assert [m for _, _, m in found(AFTER_RELEASE, "PC503")] == ["agent `A` works on slice C3 after its release at `C1`"]


# -- graph: cycles per component, activity order independent of names -------------------------


def test_each_dependency_cycle_is_reported_from_its_own_component():
    # C1 <-> C2 feeds C3 <-> C4; searching from C1 must not wander into C3/C4.
    text = HEAD + (
        'slice C3 "c" {\n  after C1 C4\n}\nslice C1 "a" {\n  after C2\n}\n'
        'slice C2 "b" {\n  after C1\n}\nslice C4 "d" {\n  after C3\n}\n'
    )
    assert found(text, "PC301") == [
        (5, 12, "dependency cycle: C3 -> C4 -> C3 (each waits for the next)"),
        (8, 9, "dependency cycle: C1 -> C2 -> C1 (each waits for the next)"),
    ]


def test_agent_overlap_counts_every_activity_whatever_the_names():
    # A does C2, then C1; B follows C2 and runs while A is on C1: 2 at once.
    text = HEAD + (
        'team {\n  max_active 1\n  agent A "a"\n  agent B "b"\n}\n'
        'slice C2 "first" {\n  agent A\n}\n'
        'slice C1 "second" {\n  agent A\n  after C2\n}\n'
        'slice C3 "other" {\n  agent B\n  after C2\n}\n'
    )
    assert [m.split(" (")[0] for _, _, m in found(text, "PC501")] == [
        "up to 2 agents can be active at once, more than max_active 1: A, B"
    ]


def test_agent_overlap_is_computed_once_per_graph():
    from phasec.compiler.graph import RunbookGraph

    g = RunbookGraph(analyze(AGENT_SPLIT, "t.phc", rules=False).runbook)
    assert g.agent_overlap() is g.agent_overlap()


# -- PC805: every kind of machine-specific path, named -------------------------------------------


@pytest.mark.parametrize(
    "path, why",
    [
        ("~/x/a.ts", "a home-directory path"),
        ("$HOME/x/a.ts", "a home-directory path"),
        ("${HOME}/x/a.ts", "a home-directory path"),
        ("C:\\\\x\\\\a.ts", "an absolute Windows path"),
        ("\\\\\\\\server\\\\share\\\\a.ts", "a network (UNC) path"),
        ("/Users/me/a.ts", "an absolute path under `/Users/`"),
        ("/home/me/a.ts", "an absolute path under `/home/`"),
        ("/root/a.ts", "an absolute path under `/root/`"),
        ("/private/tmp/a.ts", "an absolute path under `/private/`"),
        ("/var/folders/xy/a.ts", "an absolute path under `/var/folders/`"),
        ("/tmp/a.ts", "an absolute path under `/tmp/`"),
        ("/mnt/data/a.ts", "an absolute path under `/mnt/`"),
        ("/Volumes/disk/a.ts", "an absolute path under `/Volumes/`"),
        ("/opt/a.ts", "an absolute path"),
        ("/rooted/a.ts", "an absolute path"),
    ],
)
def test_pc805_names_why_a_path_is_machine_specific(path, why):
    text = HEAD + f'slice C1 "one" {{\n  file "{path}"\n}}\n'
    written = path.replace("\\\\", "\\")
    assert [m for _, _, m in found(text, "PC805")] == [
        f"file `{written}` of slice `C1` is machine-specific ({why}); write it repo-relative"
    ]


def test_pc805_relative_paths_are_fine():
    text = HEAD + 'slice C1 "one" {\n  file "packages/a.ts"\n  file "./HOME/x"\n  file "tmp/x"\n}\n'
    assert found(text, "PC805") == []


# -- PC305: the stages it lists ------------------------------------------------------------------


def _unstaged(n_stages: int) -> str:
    stages = "".join(f'stage {i} "s" {{\n  step "x"\n}}\n' for i in range(1, n_stages + 1))
    return HEAD + stages + 'slice C1 "one" {\n  objective "x"\n}\n'


def test_pc305_help_lists_up_to_eight_stages():
    def helps(n):
        return [d.help for d in diags(_unstaged(n)) if d.code == "PC305"]

    one, two, eight, nine = helps(1), helps(2), helps(8), helps(9)
    assert len(one) == len(two) == len(eight) == len(nine) == 1
    assert "stage 1" in one[0] and "stages 1" not in one[0]
    assert "stages 1, 2" in two[0]
    assert "stages 1, 2, 3, 4, 5, 6, 7, 8" in eight[0] and "..." not in eight[0]
    assert "stages 1, 2, 3, 4, 5, 6, 7, 8, ..." in nine[0] and ", 9" not in nine[0]


# -- PC801: what is wrong with a branch name, and the suggestion ---------------------------------

GIT_REJECTS = "git rejects it (`git check-ref-format --branch`)"


@pytest.mark.parametrize(
    "name, problems, suggestion",
    [
        ("HEAD", "is `HEAD`, which git reserves", None),
        ("/codex/x", "starts with `/`", "codex/x"),
        ("codex//x", "contains `//` (an empty component)", "codex/x"),
        ("codex/x.", "ends with `.`", "codex/x"),
        ("codex/x..", "contains `..`", "codex/x"),
        ("codex/.x./y.", "component `.x.` starts with `.`; ends with `.`", "codex/x/y"),
        ("codex/a~b", "contains `~`", "codex/a-b"),
        ("codex/x y", "contains a space", "codex/x-y"),
        ("codex/a\x7fb", "contains a control character (U+007F)", "codex/a-b"),
        ("codex/-a- -b-", "contains a space", "codex/a-b"),
        ("codex/x--  y", "contains a space", "codex/x-y"),
        ("/", "starts with `/`; ends with `/`", None),
    ],
)
def test_pc801_problems_and_suggestion(name, problems, suggestion):
    text = HEAD + 'repo {\n  branch b "' + name + '"\n}\n'
    (d,) = [d for d in diags(text) if d.code == "PC801"]
    assert d.message == f"invalid branch name `{name}`: {problems}"
    assert d.help == GIT_REJECTS + (f"; try `{suggestion}`" if suggestion else "")


def test_pc801_empty_branch_name():
    text = HEAD + 'repo {\n  branch b ""\n}\n'
    assert [m for _, _, m in found(text, "PC801")] == ["invalid branch name ``: is empty"]


# -- PC605: paths compared after normalisation, described as written -----------------------------


@pytest.mark.parametrize(
    "a, b, touched",
    [
        ("./src//a.ts", "src/a.ts", "`src/a.ts`"),
        ("././src/a", "src/a", "`src/a`"),
        ("src\\\\lib\\\\a.ts", "src/lib/a.ts", "`src/lib/a.ts`"),
        ("src/lib/", "src/lib/a.ts", "`src/lib/a.ts` (in folder `src/lib`)"),
        ("src/lib/a.ts", "src/lib/", "`src/lib/a.ts` (in folder `src/lib`)"),
        ("src/lib/", "./src/lib/", "`src/lib` (a folder)"),
        ("src/lib/", "src/lib", "`src/lib`"),
        ("src/lib", "src/lib/x", None),
    ],
)
def test_pc605_paths_are_normalised(a, b, touched):
    text = HEAD + f'slice C1 "a" {{\n  file "{a}"\n}}\nslice C2 "b" {{\n  file "{b}"\n}}\n'
    want = [f"slices `C1` and `C2` can run concurrently and both touch {touched}"] if touched else []
    assert [m for _, _, m in found(text, "PC605")] == want


def test_pc504_names_every_stage_of_the_wave():
    text = HEAD + (
        'team {\n  max_active 6\n  wave runtime "Runtime" {\n    stages 1 2\n    agent I1 "r"\n  }\n}\n'
        'stage 1 "a" {\n  step "x" by I1\n}\nstage 2 "b" {\n  step "y" by I1\n}\n'
        'stage 3 "c" {\n  step "z" by I1\n}\n'
    )
    assert [m for _, _, m in found(text, "PC504")] == [
        "agent `I1` of wave `runtime` acts in stage 3 step 1, but wave `runtime` works only in stages 1, 2"
    ]


def test_pc701_messages_for_one_adding_slice_and_a_longer_path():
    from conftest import FIXTURES

    text = (FIXTURES / "rules" / "PC701_scripts_added_later.phc").read_text().replace("added_in C2 C3", "added_in C2")
    got = [m for _, _, m in found(text, "PC701")]
    assert got == [
        "slice `C1` uses gates `drift_core`, `c1_storage_lock_static`, `c1_full`, whose scripts are added in slice `C2`, "
        "which does not finish before `C1`"
    ]
    text = (FIXTURES / "rules" / "PC701_defined_by_later_slice.phc").read_text().replace(
        "gate c1_full {\n  use c1_quick\n  use c2_quick\n", "gate c1_full {\n  use c1_quick\n  use mid\n"
    ) + "gate mid {\n  use c2_quick\n  defined_by C1\n}\n"
    assert [m for _, _, m in found(text, "PC701")] == [
        "slice `C1` uses gate `c2_quick` (through `c1_full` -> `mid`), defined by slice `C2`, "
        "which does not finish before `C1`"
    ]


# -- PC806: which names leave their folder, and the name suggested instead ------------------------


def _artifact(name: str):
    text = HEAD + f'outputs runtime "docs/pass" {{\n  artifact A1 "{name}"\n}}\n'
    return [d for d in diags(text) if d.code == "PC806"]


@pytest.mark.parametrize(
    "name, why, inside",
    [
        ("a/./../../x.md", "through `..`", "x.md"),
        ("x//../../y.md", "through `..`", "y.md"),
        ("../a/b.md", "through `..`", "a/b.md"),
        ("./../a/./b.md", "through `..`", "a/b.md"),
        ("..//a.md", "through `..`", "a.md"),
        ("/Users/me/x.md", "it is an absolute path under `/Users/`", "x.md"),
    ],
)
def test_pc806_escaping_names_and_suggestions(name, why, inside):
    (d,) = _artifact(name)
    assert d.message == f"artifact `A1` name `{name}` leaves the output folder of `runtime` ({why})"
    assert d.help.startswith(f"write the name relative to its output folder, e.g. `{inside}` (subfolders")


@pytest.mark.parametrize("name", ["a/b/../../y.md", "a/../b.md", "./x.md", "a//b.md"])
def test_pc806_names_that_stay_inside(name):
    assert _artifact(name) == []


# -- fixes of the dependency rules -------------------------------------------------------------------


def _fix(text: str, code: str):
    (d,) = [d for d in diags(text) if d.code == code]
    return d.fix.description, [
        (e.span.line, e.span.column, e.span.end_line, e.span.end_column, e.replacement) for e in d.fix.edits
    ]


def test_pc406_fix_removes_the_flag():
    text = HEAD + 'slice C1 "a" {\n  objective "x"\n}\nslice C2 "b" {\n  after C1 if_triggered\n}\n'
    assert _fix(text, "PC406") == ("remove `if_triggered`: the slice always runs", [(8, 11, 8, 24, "")])


def test_pc403_fix_splits_conditional_first_in_the_list():
    text = HEAD + (
        'slice C1 "a" conditional {\n  defer_record C2\n}\nslice C3 "c" {\n  objective "x"\n}\n'
        'slice C2 "b" {\n  after C1 C3\n}\n'
    )
    assert _fix(text, "PC403") == (
        "split the dependencies: `if_triggered` for the conditional slices only",
        [(11, 3, 11, 14, "after C1 if_triggered\n  after C3")],
    )


def test_pc303_ties_are_reported_against_the_first_stage_of_that_number():
    text = HEAD + 'stage 2 "a" {\n  step "x"\n}\nstage 02 "b" {\n  step "y"\n}\nstage 002 "c" {\n  step "z"\n}\n'
    assert [m for _, _, m in found(text, "PC303")] == [
        "stage `02` is declared after stage `2`, but 02 and 2 are the same number",
        "stage `002` is declared after stage `2`, but 002 and 2 are the same number",
    ]


def test_path_details_kept_in_messages():
    # A path ending in X keeps its X (normalisation strips only `/`).
    text = HEAD + 'slice C1 "a" {\n  file "src/BOX"\n}\nslice C2 "b" {\n  file "src/BOX"\n}\n'
    assert [m for _, _, m in found(text, "PC605")] == [
        "slices `C1` and `C2` can run concurrently and both touch `src/BOX`"
    ]
    # The root itself as an output name: reported, and no crash suggesting a name.
    (d,) = _artifact("/")
    assert d.message == "artifact `A1` name `/` leaves the output folder of `runtime` (it is an absolute path)"
    # `!` is allowed in branch names and kept in the suggestion.
    text = HEAD + 'repo {\n  branch b "codex/a!b c"\n}\n'
    (d,) = [d for d in diags(text) if d.code == "PC801"]
    assert d.help == GIT_REJECTS + "; try `codex/a!b-c`"


# -- Rules keep going after an item they skip ---------------------------------------------
# Each runbook puts a reportable item after one the rule skips (and, where a rule
# `continue`s after a finding, a second finding after the first): a rule that
# stopped at the first skip (`continue` -> `break`, benchmarks/mutation_decorated.py)
# would miss the later ones.


def messages(text: str, code: str) -> list[str]:
    return [m for _, _, m in found(text, code)]


def test_pc302_reports_a_later_stage_dependency_after_unstaged_and_same_stage_ones():
    text = HEAD + (
        'stage 1 "a" {\n  covers C1 C9\n}\nstage 2 "b" {\n  covers C5\n}\n'
        'slice C0 "unstaged" {\n  after C5\n}\n'
        'slice C1 "one" {\n  after C0\n  after C9\n  after C5\n}\n'
        'slice C9 "nine" {\n  objective "x"\n}\n'
        'slice C5 "five" {\n  objective "x"\n}\n'
    )
    assert found(text, "PC302") == [
        (16, 9, "slice `C1` (stage 1) depends on `C5`, which is covered by a later stage (2)")
    ]


def test_pc404_reports_a_conditional_producer_after_unconditional_and_either_path_ones():
    text = HEAD + (
        'outputs runtime "docs" {\n  artifact A1 "a.md" by C1\n  artifact A2 "b.md" by C4\n'
        '  artifact A3 "c.md" by C4 either_path\n}\n'
        'gate scan {\n  run "x"\n}\n'
        'slice C1 "one" {\n  objective "x"\n}\n'
        'slice C4 "four" conditional {\n  trigger t1 "t" by scan\n  defer_record C5\n}\n'
        'slice C5 "five" {\n  after C1\n  after C4 if_triggered\n  requires A1\n  requires A3\n  requires A2\n}\n'
    )
    assert messages(text, "PC404") == [
        "slice `C5` requires artifact `A2`, which conditional slice `C4` produces only when triggered"
    ]


def test_pc405_reports_every_trigger_without_a_working_gate_whatever_comes_before():
    # A precondition without a gate and a trigger whose gate runs a command are
    # fine; the two after them are not, and the first is reported before the second.
    text = HEAD + (
        'gate scan {\n  run "x"\n}\ncheck review "judge"\n'
        'slice C4 "c" conditional {\n  trigger t1 "holds" precondition\n  trigger t2 "scanned" by scan\n'
        '  trigger t3 "no gate"\n  trigger t4 "judged" by review\n  defer_record C7\n}\n'
        'slice C7 "r" {\n  after C4 if_triggered\n}\n'
    )
    assert messages(text, "PC405") == [
        "trigger `t3` of slice `C4` names no gate: it cannot be evaluated mechanically",
        "trigger `t4` of slice `C4` is evaluated by `review`, a check that runs no command",
    ]


def test_pc406_reports_if_triggered_after_a_plain_dependency():
    text = HEAD + (
        'slice C1 "a" {\n  objective "x"\n}\nslice C3 "c" {\n  objective "x"\n}\n'
        'slice C2 "b" {\n  after C1\n  after C3 if_triggered\n}\n'
    )
    assert [(line, col) for line, col, _ in found(text, "PC406")] == [(12, 9)]


def test_pc502_reports_a_later_concurrent_pair_after_a_repeated_one():
    # A slice is two activity nodes (its start and its end), so C1 and C2 make two
    # consecutive concurrent pairs that are one finding; C3 and C4 (after both)
    # are another pair, found after that repeat.
    text = HEAD + (
        'team {\n  max_active 4\n  agent A "a"\n}\n'
        'slice C1 "a" {\n  agent A\n}\nslice C2 "b" {\n  agent A\n}\n'
        'slice C3 "c" {\n  agent A\n  after C1 C2\n}\nslice C4 "d" {\n  agent A\n  after C1 C2\n}\n'
    )
    pairs = [frozenset(m.split(" is bound to ")[1].split(", which")[0].split(" and ")) for m in messages(text, "PC502")]
    assert pairs == [frozenset({"slice C1", "slice C2"}), frozenset({"slice C3", "slice C4"})]


def test_pc503_reports_every_slice_after_the_release():
    text = HEAD + (
        'team {\n  max_active 4\n  agent A "a" release_after C1\n}\n'
        'slice C1 "a" {\n  agent A\n}\nslice C2 "b" {\n  agent A\n  after C1\n}\n'
        'slice C3 "c" {\n  agent A\n  after C2\n}\n'
    )
    assert messages(text, "PC503") == [
        "agent `A` works on slice C2 after its release at `C1`",
        "agent `A` works on slice C3 after its release at `C1`",
    ]


def test_pc504_reports_a_staged_slice_after_an_unstaged_one():
    text = HEAD + (
        'team {\n  max_active 6\n  wave w "W" {\n    stages 1\n    agent I1 "i"\n  }\n}\n'
        'stage 1 "a" {\n  covers C1\n}\nstage 2 "b" {\n  covers C2\n}\n'
        'slice C0 "free" {\n  agent I1\n}\nslice C1 "one" {\n  agent I1\n}\n'
        'slice C2 "two" {\n  agent I1\n  after C1\n}\n'
    )
    assert messages(text, "PC504") == [
        "agent `I1` of wave `w` acts in slice `C2` (stage 2), but wave `w` works only in stage 1"
    ]


def test_pc701_reports_a_later_gate_reached_after_a_gate_seen_twice():
    # suite -> a -> c, suite -> b -> c (c seen again), suite -> late.
    text = HEAD + (
        'cadence quick "Q"\n'
        "gate suite {\n  use a b late\n}\n"
        'gate a {\n  use c\n}\ngate b {\n  use c\n}\ngate c {\n  run "x"\n}\n'
        'gate late {\n  run "y"\n  defined_by C9\n}\n'
        'slice C1 "one" {\n  gate quick suite\n}\n'
        'slice C9 "nine" {\n  after C1\n}\n'
    )
    assert messages(text, "PC701") == [
        "slice `C1` uses gate `late` (through `suite`), defined by slice `C9`, which does not finish before `C1`"
    ]


def test_pc701_reports_every_later_gate_of_a_suite():
    text = HEAD + (
        'cadence quick "Q"\n'
        "gate suite {\n  use late1 late2\n}\n"
        'gate late1 {\n  run "y"\n  defined_by C9\n}\n'
        'gate late2 {\n  run "z"\n  defined_by C8\n}\n'
        'slice C1 "one" {\n  gate quick suite\n}\n'
        'slice C9 "nine" {\n  after C1\n}\n'
        'slice C8 "eight" {\n  after C1\n}\n'
    )
    assert messages(text, "PC701") == [
        "slice `C1` uses gate `late1` (through `suite`), defined by slice `C9`, which does not finish before `C1`",
        "slice `C1` uses gate `late2` (through `suite`), defined by slice `C8`, which does not finish before `C1`",
    ]


def test_pc704_reports_every_slice_missing_a_cadence_gate():
    # A slice without a kind and one that binds every cadence are skipped; the
    # two after them each miss one.
    text = HEAD + (
        'cadence quick "Q" for code\ncadence full "F" for code\n'
        'gate g {\n  run "x"\n}\n'
        'slice C0 "nokind" {\n  objective "x"\n}\n'
        'slice C1 "all" {\n  kind code\n  gate quick g\n  gate full g\n}\n'
        'slice C2 "one" {\n  kind code\n  gate quick g\n}\n'
        'slice C3 "two" {\n  kind code\n  gate full g\n}\n'
    )
    assert messages(text, "PC704") == [
        "slice `C2` (kind `code`) has no `full` gate, which cadence `full` requires for `code` slices",
        "slice `C3` (kind `code`) has no `quick` gate, which cadence `quick` requires for `code` slices",
    ]


def test_pc806_reports_an_escaping_name_after_one_that_stays_inside():
    text = HEAD + (
        'protocol {\n  artifact ok "AGENT_<N>.md"\n  artifact bad "../AGENT_<N>.md"\n}\n'
        'outputs runtime "docs" {\n  artifact A1 "a.md" by C1\n  artifact A2 "../b.md" by C1\n}\n'
        'slice C1 "one" {\n  objective "x"\n}\n'
    )
    assert found(text, "PC806") == [
        (6, 16, "protocol artifact `bad` template `../AGENT_<N>.md` leaves the output folder (through `..`)"),
        (10, 15, "artifact `A2` name `../b.md` leaves the output folder of `runtime` (through `..`)"),
    ]


def test_pc706_a_producer_that_is_both_a_slice_and_a_stage_is_the_slice():
    # `by 1` with a slice `1` and a stage `1`: the slice produces it (as the
    # emitters read it, `producer_kind` "slice"), so no stage step must `produce` it.
    text = HEAD + (
        'outputs runtime "docs" {\n  artifact A1 "a.md" by 1\n  artifact A2 "b.md" by 2\n}\n'
        'stage 1 "s" {\n  covers 1\n}\nstage 2 "t" {\n  step "write"\n}\nslice 1 "a" {\n  objective "x"\n}\n'
    )
    assert messages(text, "PC706") == ["artifact `A2` (`b.md`) is declared `by` stage 2, but no step `produces` it"]


# -- graph.py: `starts_after G` orders the slice after the one that defines G -------------

STARTS_AFTER = HEAD + 'cadence quick "Q"\ngate late {\n  run "y"\n  defined_by C1\n}\n'


def test_a_gate_is_there_for_a_slice_that_starts_after_it():
    # C2 waits for gate `late` (`starts_after`), so C1, which defines it, finishes first.
    text = (
        STARTS_AFTER
        + 'slice C1 "one" {\n  objective "x"\n}\nslice C2 "two" {\n  starts_after late\n  gate quick late\n}\n'
    )
    assert found(text, "PC701") == []


def test_a_cycle_through_a_precondition_is_a_dependency_cycle():
    text = STARTS_AFTER + 'slice C1 "one" {\n  after C2\n}\nslice C2 "two" {\n  starts_after late\n}\n'
    assert messages(text, "PC301") == ["dependency cycle: C1 -> C2 -> C1 (each waits for the next)"]


# -- PC801: the suggested branch name ------------------------------------------------------
# Each repair of `suggest`, one per row; the expected names were worked out by
# hand from git's rules (docs of PC801), not copied from the output.


@pytest.mark.parametrize(
    ("name", "better"),
    [
        ("codex/phase-c-c1: storage lock", "codex/phase-c-c1-storage-lock"),  # `:` and space, dashes collapsed
        ("a~b^c", "a-b-c"),
        ("a\tb", "a-b"),  # a control character
        ("a\x7fb", "a-b"),  # DEL
        ("a..b", "a-b"),
        ("a//b", "a/b"),
        ("/a/b/", "a/b"),
        ("x@{1}", "x-1"),
        ("x@{y", "x-y"),  # `@{` never closed
        ("a/@{x}/b", "a/x/b"),
        ("feat/.hidden", "feat/hidden"),
        ("a/.lock", "a/lock"),
        ("feat/x.lock", "feat/x"),
        ("feat/x.lock.lock", "feat/x"),
        ("a.lock/b", "a/b"),
        ("name.", "name"),
        ("-lead", "lead"),
        ("a/--b--/c:", "a/b/c"),
        ("a/-.b.", "a/b"),
        ("a/ b /c", "a/b/c"),  # a component left empty is dropped
        # Only `-`, `.` and `/` are trimmed: letters at the ends (here X) stay.
        ("X: fix", "X-fix"),
        ("fix/BOX:", "fix/BOX"),
        ("fix/BOX.", "fix/BOX"),
        ("feat/a-.", "feat/a"),  # a dash left at the end once the dot is gone
    ],
)
def test_pc801_suggests_the_nearest_name_git_accepts(name, better):
    from phasec.compiler.rules.pc801_invalid_branch_name import ref_format_problems, suggest

    assert ref_format_problems(name)
    assert suggest(name) == better
    assert ref_format_problems(better) == []


@pytest.mark.parametrize("name", ["@", "HEAD", "...", "/", "-", "a/b.lock."])  # `a/b.lock` is still invalid
def test_pc801_suggests_nothing_when_no_close_name_is_valid(name):
    from phasec.compiler.rules.pc801_invalid_branch_name import suggest

    assert suggest(name) is None


def test_pc507_cycle_passes_a_junction_only_between_two_parallel_units():
    # A junction node is put only between two parallel units; a stage that opens
    # with a parallel group goes from its start to each step of it, and the cycle
    # PC507 prints names no junction.
    text = (
        'phase C "T" {}\nteam { max_active 2; agent A "a"; agent B "b" }\n'
        'stage 1 "First" { covers S1 }\n'
        'stage 2 "Second" {\n  parallel {\n    step "x" by B for S2\n    step "y" by B for S2\n  }\n}\n'
        'slice S1 "One" { agent A; after S2 }\nslice S2 "Two" { agent B }\n'
    )
    assert messages(text, "PC507") == [
        "the order of the work has a cycle (slice S2 -> the start of slice S1 -> slice S1 -> the end of stage 1 "
        "-> the start of stage 2 -> stage 2 step 1 -> slice S2): the agent analyses (PC501, PC502, PC503) cannot run"
    ]
    # ...and from a parallel group to the single step after it.
    text = (
        'phase C "T" {}\nteam { max_active 2; agent A "a"; agent B "b" }\n'
        'stage 1 "First" { covers S1 }\n'
        'stage 2 "Second" {\n  parallel {\n    step "x" by B\n    step "y" by B\n  }\n  step "z" by B for S2\n}\n'
        'slice S1 "One" { agent A; after S2 }\nslice S2 "Two" { agent B }\n'
    )
    assert messages(text, "PC507") == [
        "the order of the work has a cycle (slice S2 -> the start of slice S1 -> slice S1 -> the end of stage 1 "
        "-> the start of stage 2 -> stage 2 step 1 -> stage 2 step 3 -> slice S2): the agent analyses "
        "(PC501, PC502, PC503) cannot run"
    ]


# -- Rules over an IR without its syntax tree (`pipeline.check(rb)`, doc None) -------------


def test_rules_without_a_syntax_tree_report_the_same_at_the_declarations_without_fixes():
    # The span helpers (_locate, _values, _fixes) fall back to the declaration's
    # span, and fixes (text edits over the tree) are left out; the findings are the same.
    from phasec.compiler.pipeline import check

    text = HEAD + (
        'owners {\n  owner @a "A" backup @a\n}\n'
        'outputs runtime "docs" {\n  artifact A1 "../a.md" by C1\n}\n'
        'slice C1 "one" {\n  owner @a backup @a\n}\n'
        'slice C4 "four" branching {\n  owner @a\n}\n'
        'slice C5 "five" {\n  owner @a\n  after C1 if_triggered\n}\n'
        'cadence quick "Q"\nslice C6 "six" {\n  owner @a\n  gate quick c6_static\n}\n'
        'gate c6_static { script "phase-c:gate:c6-static" }\n'
    )
    res = analyze(text, "t.phc")
    with_tree = {(d.code, d.message) for d in res.diagnostics}
    without = check(res.runbook)
    assert {(d.code, d.message) for d in without} == with_tree
    assert [d.code for d in res.diagnostics if d.fix is not None] == ["PC606", "PC606", "PC406"]
    assert [d for d in without if d.fix is not None] == []
    at = {d.code: (d.span.line, d.span.column) for d in without if d.code in ("PC401", "PC806", "PC406", "PC711")}
    # PC401: the slice's statement (with the tree: its word `branching`, 13:17);
    # PC806: the artifact's statement (8:15 with the tree); PC406: the dependency
    # itself; PC711: the gate's statement (25:25 with the tree: the script's name).
    assert at == {"PC401": (13, 1), "PC806": (8, 3), "PC406": (18, 9), "PC711": (25, 1)}
    assert {(d.code, d.span.line, d.span.column) for d in res.diagnostics if d.code in ("PC401", "PC806", "PC711")} == {
        ("PC401", 13, 17),
        ("PC806", 8, 15),
        ("PC711", 25, 25),
    }


def test_pc401_points_at_the_word_branching_or_conditional():
    text = HEAD + (
        'slice C4 "four" branching {\n  objective "x"\n}\n'
        'slice C6 "six" conditional {\n  defer_record C7\n}\nslice C7 "seven" {\n  after C6 if_triggered\n}\n'
    )
    assert [(line, col) for line, col, _ in found(text, "PC401")] == [(4, 17), (7, 16)]


def test_pc403_suggests_only_the_either_path_artifacts_of_the_slice_depended_on():
    text = HEAD + (
        'outputs runtime "docs" {\n'
        '  artifact A1 "a.md" by C4 either_path\n  artifact A2 "b.md" by C4\n'
        '  artifact B1 "c.md" by C6 either_path\n  artifact S1 "d.md" by 1 either_path\n}\n'
        'gate scan {\n  run "x"\n}\n'
        'stage 1 "s" {\n  step "write" produces S1\n}\n'
        'slice C4 "four" conditional {\n  trigger t "t" by scan\n  defer_record C5\n}\n'
        'slice C6 "six" conditional {\n  trigger u "u" by scan\n  defer_record C5\n}\n'
        'slice C5 "five" {\n  after C4\n  after C6 if_triggered\n}\n'
    )
    (d,) = [d for d in diags(text) if d.code == "PC403"]
    assert d.help == (
        "write `after C4 if_triggered` to wait for it only when it runs, or `requires A1` "
        "(what `C4` produces on either path)"
    )


def test_pc701_an_existing_script_is_there_even_when_a_later_slice_also_adds_it():
    # Declared `existing` and added by C9: the gate runs from the start, so C1,
    # which does not wait for C9, may use it.
    text = HEAD + (
        'scripts {\n  runner "bun run"\n  manifest "package.json"\n  existing "phase-c:gate:x"\n}\n'
        'cadence quick "Q"\n'
        'gate gx { script "phase-c:gate:x" }\n'
        'slice C1 "one" {\n  gate quick gx\n}\n'
        'slice C9 "nine" {\n  file "package.json" adds "phase-c:gate:x"\n}\n'
    )
    assert found(text, "PC701") == []


def test_pc605_a_folder_and_a_file_in_it_overlap_when_no_path_is_shared():
    # No path is written twice, so only the folder entry makes a pair.
    text = HEAD + 'slice C1 "a" {\n  file "src" dir\n}\nslice C2 "b" {\n  file "src/a.ts"\n}\n'
    assert messages(text, "PC605") == [
        "slices `C1` and `C2` can run concurrently and both touch `src/a.ts` (in folder `src`)"
    ]


def test_pc605_a_ledger_that_is_not_append_only_is_an_overlap():
    text = HEAD + (
        'ledger signoff "Signoff" in "dev/SIGNOFF.md" {\n  rule "Fill in at the end."\n}\n'
        'slice C1 "a" {\n  file "dev/SIGNOFF.md"\n}\nslice C2 "b" {\n  file "dev/SIGNOFF.md"\n}\n'
    )
    assert messages(text, "PC605") == ["slices `C1` and `C2` can run concurrently and both touch `dev/SIGNOFF.md`"]


def test_pc702_reports_an_empty_gate_after_one_that_runs():
    text = HEAD + 'gate ok {\n  run "x"\n}\ngate empty {\n  title "t"\n}\n'
    assert messages(text, "PC702") == ["gate `empty` runs nothing: it has no `script`, `run` or `use`"]


def test_pc605_a_folder_overlaps_a_glob_under_it():
    # `docs` holds every file `docs/*.md` and `docs/api/**` can name.
    for glob in ("docs/*.md", "docs/api/**"):
        text = HEAD + f'slice C1 "a" {{\n  file "docs" dir\n}}\nslice C2 "b" {{\n  file "{glob}"\n}}\n'
        assert len(messages(text, "PC605")) == 1, glob
    # ...and not one beside it.
    text = HEAD + 'slice C1 "a" {\n  file "doc" dir\n}\nslice C2 "b" {\n  file "docs/*.md"\n}\n'
    assert messages(text, "PC605") == []


# -- PC701: the message, notes and help of one cause shared by several slices -------------------


def _pc701(text: str):
    return [d for d in diags(text) if d.code == "PC701"]


def test_pc701_one_added_in_list_shared_by_two_slices_one_through_a_suite():
    # C1 uses `g` directly, C2 through the script-less suite `s`; both are
    # reported once, for the one `added_in` list that adds g's script later.
    text = HEAD + (
        'scripts {\n  runner "bun run"\n  added_in C8 C9\n}\n'
        'cadence quick "Q"\n'
        'gate g { script "phase-c:gate:g" }\n'
        "gate s {\n  use g\n}\n"
        'slice C1 "one" {\n  gate quick g\n}\n'
        'slice C2 "two" {\n  gate quick s\n}\n'
        'slice C8 "eight" {\n  after C1 C2\n}\n'
        'slice C9 "nine" {\n  after C1 C2\n}\n'
    )
    (d,) = _pc701(text)
    assert d.message == (
        "slices `C1`, `C2` use gate `g`, whose script is added in slices `C8`, `C9`, none of which finishes before them"
    )
    assert [r.message for r in d.related] == [
        "`C2` uses `g` here (through `s`)",
        "gate `g` is declared here",
        "`C8` adds the planned scripts (`scripts { added_in ... }`)",
        "`C9` adds the planned scripts (`scripts { added_in ... }`)",
    ]
    assert d.help == (
        "say which slice adds the script (`defined_by` or `added_by` on the gate), list a slice that finishes "
        "before each of them in `scripts { added_in ... }`, or make each of them depend on the slice that adds it"
    )


def test_pc701_a_script_new_in_the_phase_with_two_manifest_editors():
    # No provenance is declared: the phase's own script is taken to be added by
    # the slices that edit package.json, here two, both after C1.
    text = HEAD + (
        'cadence quick "Q"\n'
        'gate gx { script "phase-c:gate:x" }\n'
        'slice C1 "one" {\n  gate quick gx\n}\n'
        'slice C8 "eight" {\n  after C1\n  file "package.json"\n}\n'
        'slice C9 "nine" {\n  after C1\n  file "package.json"\n}\n'
    )
    (d,) = _pc701(text)
    assert d.message == (
        "slice `C1` uses gate `gx`, whose script is new in this phase and taken to be added by slices `C8`, `C9` "
        "(they edit the script manifest `package.json`), none of which finishes before `C1`"
    )


# -- PC605: globs against plain paths, folders and other globs ----------------------------------


def _pc605(*files: str) -> list[str]:
    """PC605's messages for one unordered slice per `file` line (`C1`, `C2`, ...)."""
    text = HEAD + "".join(f'slice C{i} "s{i}" {{\n  file {f}\n}}\n' for i, f in enumerate(files, 1))
    return messages(text, "PC605")


def _touch(what: str) -> list[str]:
    return [f"slices `C1` and `C2` can run concurrently and both touch {what}"]


def test_pc605_a_file_named_like_a_globs_folder_is_not_in_it():
    # `docs` written without `dir` is a file: nothing `docs/*.md` matches lies in it.
    assert _pc605('"docs"', '"docs/*.md"') == []
    assert _pc605('"docs/*.md"', '"docs"') == []
    assert _pc605('"docs" dir', '"docs/*.md"') == _touch("`docs` and `docs/*.md`")
    assert _pc605('"docs/*.md"', '"docs" dir') == _touch("`docs/*.md` and `docs`")


def test_pc605_a_glob_touches_the_files_it_matches_and_no_other():
    assert _pc605('"docs/*.md"', '"docs/a.txt"') == []
    assert _pc605('"docs/a.txt"', '"docs/*.md"') == []
    assert _pc605('"docs/*.md"', '"docs/a.md"') == _touch("`docs/*.md` and `docs/a.md`")
    assert _pc605('"docs/a.md"', '"docs/*.md"') == _touch("`docs/a.md` and `docs/*.md`")


def test_pc605_two_globs_overlap_unless_their_endings_differ():
    assert _pc605('"src/*.rs"', '"src/*.md"') == []
    assert _pc605('"src/*.ts"', '"src/*.test.ts"') == _touch("`src/*.ts` and `src/*.test.ts`")
    assert _pc605('"src/*.test.ts"', '"src/*.ts"') == _touch("`src/*.test.ts` and `src/*.ts`")
    assert _pc605('"src/*.md"', '"src/*"') == _touch("`src/*.md` and `src/*`")
    assert _pc605('"src/*"', '"src/*.md"') == _touch("`src/*` and `src/*.md`")
    assert _pc605('"src/*.md"', '"src/*.md"') == _touch("`src/*.md`")


def test_pc605_a_folder_and_a_glob_that_reaches_into_it_or_holds_it():
    # The glob matches files in the folder, or a folder that holds it.
    assert _pc605('"packages/*/package.json"', '"packages/core" dir') == _touch(
        "`packages/*/package.json` and `packages/core`"
    )
    assert _pc605('"docs/*"', '"docs/a/b" dir') == _touch("`docs/*` and `docs/a/b`")
    assert _pc605('"docs" dir', '"docs/sub/*.md"') == _touch("`docs` and `docs/sub/*.md`")
    assert _pc605('"/srv/data" dir', '"/srv/data/sub/*.md"') == _touch("`/srv/data` and `/srv/data/sub/*.md`")
    assert _pc605('"LaTeX" dir', '"LaTeX/sub/*.tex"') == _touch("`LaTeX` and `LaTeX/sub/*.tex`")
    # `src/?` matches one-letter names only: not `src/docs`, so nothing in `src/docs/x`.
    assert _pc605('"src/?"', '"src/docs/x" dir') == []
    assert _pc605('"src/*/y/*.md"', '"src/docs/x" dir') == []


def test_pc605_a_glob_at_the_top_matches_top_level_files():
    assert _pc605('"*.md"', '"README.md"') == _touch("`*.md` and `README.md`")
    assert _pc605('"README.md"', '"*.md"') == _touch("`README.md` and `*.md`")
    assert _pc605('"*.md"', '"src/README.md"') == []


def test_pc605_one_path_as_a_file_and_as_a_folder_is_not_called_a_folder():
    assert _pc605('"src"', '"src" dir') == _touch("`src`")
    assert _pc605('"src" dir', '"src"') == _touch("`src`")
    assert _pc605('"src" dir', '"src" dir') == _touch("`src` (a folder)")


def test_pc605_a_double_star_crosses_any_number_of_folders():
    # `src/**/x/*.md` matches `src/a/b/c/x/y.md`, inside the folder `src/a/b/c`.
    assert _pc605('"src/**/x/*.md"', '"src/a/b/c" dir') == _touch("`src/**/x/*.md` and `src/a/b/c`")
    assert _pc605('"src/**"', '"src/a" dir') == _touch("`src/**` and `src/a`")


def test_pc605_the_root_folder_holds_every_absolute_glob():
    assert _pc605('"/" dir', '"/*.md"') == _touch("`/` and `/*.md`")
    assert _pc605('"/" dir', '"/srv/*.md"') == _touch("`/` and `/srv/*.md`")
