"""Issue 9 (classes 1-5, 8, 12): behaviour of the new checks beyond their fixtures."""

from __future__ import annotations

import pytest

from phasec.compiler.pipeline import analyze
from phasec.compiler.rules.pc712_placeholder_value import placeholder

HEAD = 'phase C "T" {\n  posture forward_only\n}\ncadence quick "Quick suite"\n'


def diags(text: str, code: str):
    res = analyze(text, "t.phc")
    assert not [d for d in res.diagnostics if d.code[:3] in ("PC0", "PC1", "PC2")], res.diagnostics
    return [d for d in res.diagnostics if d.code == code]


def test_pc701_one_added_in_list_is_one_finding_across_slices():
    text = HEAD + (
        'scripts {\n  runner "bun run"\n  added_in C3\n}\n'
        'slice C1 "a" {\n  gate quick g1\n}\nslice C2 "b" {\n  gate quick g2 g1\n}\n'
        'slice C3 "c" {\n  after C1 C2\n}\n'
        'gate g1 { script "phase-c:g1" }\ngate g2 { script "phase-c:g2" }\n'
    )
    (d,) = diags(text, "PC701")
    assert d.message == (
        "slices `C1`, `C2` use gates `g1`, `g2`, whose scripts are added in slice `C3`, which does not finish before them"
    )
    notes = [(r.span.line, r.message) for r in d.related]
    assert (13, "`C2` uses `g2` here") in notes and (13, "`C2` uses `g1` here") in notes
    assert "each of them" in d.help


def test_pc701_two_defined_by_gates_are_two_causes():
    text = HEAD + (
        'slice C1 "a" {\n  gate quick g1 g2\n}\nslice C2 "b" {\n  after C1\n}\n'
        'gate g1 {\n  run "x"\n  defined_by C2\n}\ngate g2 {\n  run "y"\n  defined_by C2\n}\n'
    )
    assert len(diags(text, "PC701")) == 2


def test_pc701_manifest_edits_do_not_add_existing_or_other_phase_scripts_in_v1():
    text = HEAD + (
        'slice C1 "a" {\n  gate quick pa\n}\nslice C2 "b" {\n  after C1\n  file "package.json"\n}\n'
        'gate pa { script "phase-a:gates:exit" }\n'
    )
    assert diags(text, "PC701") == []
    # The same script named for phase C is new in it: C2's manifest edit adds it, after C1 ran it.
    assert len(diags(text.replace("phase-a:gates:exit", "phase-c:gates:exit"), "PC701")) == 1


def test_pc711_added_in_accounts_for_every_script():
    text = (
        HEAD
        + 'scripts {\n  runner "bun run"\n  added_in C1\n}\nslice C1 "a" {\n  gate quick g\n}\ngate g { script "phase-c:g" }\n'
    )
    assert diags(text, "PC711") == []
    assert len(diags(text.replace("  added_in C1\n", '  existing "other"\n'), "PC711")) == 1


@pytest.mark.parametrize(
    "text, found",
    [
        ("codex/<runtime-slice-1>", "<runtime-slice-1>"),
        ("TBD", "TBD"),
        ("@rawr-TODO", "TODO"),
        ("docs/…", "…"),
        ("bun run x ...", "..."),
        ("a/.../b", "..."),
        ("git diff main...HEAD", None),
        ("../wt-a1", None),
        ("todo.md", None),
        ("XXXL-sizes", None),
        ("cat a <b", None),
        ("cmd 2>&1 | tee <(x)", None),
    ],
)
def test_pc712_what_is_a_placeholder(text, found):
    assert placeholder(text) == found


def test_pc712_filled_tokens_only_where_phasec_fills_them():
    assert placeholder("../wt-<SLICE>", {"<SLICE>"}) is None
    text = HEAD + 'slice C1 "a" {\n  branch "codex/<SLICE>"\n}\n'
    (d,) = diags(text, "PC712")
    assert d.message == "branch name `codex/<SLICE>` of slice `C1` is a placeholder (`<SLICE>`)"


def test_pc713_unused_gates_on_a_cycle_are_still_reported():
    text = HEAD + 'slice C1 "a" {\n  objective "x"\n}\ngate a { use b }\ngate b { use a }\n'
    msgs = [d.message for d in diags(text, "PC713") if not d.message.startswith("cadence")]
    assert msgs == ["2 gates are declared but nothing uses them: `a`, `b`"]


def test_pc810_plain_git_with_a_base_is_not_checked():
    text = (
        HEAD + 'repo {\n  tool git\n  base "develop" remote origin\n  branch a "a"\n  branch b "b" worktree "../b"\n}\n'
    )
    assert diags(text, "PC810") == []
    assert len(diags(text.replace('  base "develop" remote origin\n', ""), "PC810")) == 1


def test_pc714_groups_only_slices_missing_the_same_things():
    text = HEAD + (
        'lens ts "TS" kind review\n'
        'slice C1 "a" {\n  kind review\n}\nslice C2 "b" {\n  kind review\n}\nslice C3 "c" {\n  kind review\n  lens ts\n}\n'
    )
    (d,) = diags(text, "PC714")
    assert d.message == "review slices `C1`, `C2` lack a review lens (`lens`)"
    assert [r.span.line for r in d.related] == [10]


def test_pc710_checks_the_per_commit_cadence_when_none_is_called_quick():
    text = (
        'phase C "T" {\n  posture forward_only\n}\ncadence commit "Every commit"\ncadence full "Full"\n'
        'baseline base\ngate base { run "bun a.mjs" }\ngate other { run "bun b.mjs" }\n'
        'slice C1 "a" { gate commit other; gate full base }\nslice C2 "b" { gate commit base }\n'
    )
    (d,) = diags(text, "PC710")
    assert d.message == "baseline gate `base` is not in the commit gates of slice `C1`"
    assert "`gate commit ...`" in d.help
