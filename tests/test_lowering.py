"""Schema checking in lowering, and name resolution."""

from __future__ import annotations

from helpers import concise, diags

HEAD = 'phase C "T" {\n  posture forward_only\n}\n'


def one(text: str):
    ds = diags(HEAD + text, rules=False)
    assert len(ds) == 1, concise(ds)
    return ds[0]


def test_unknown_keyword_with_suggestion():
    d = one('slice C1 "x" {\n  ownr @rawr-x\n}\n')
    assert (d.code, d.span.line, d.span.column) == ("PC101", 5, 3)
    assert d.message == "unknown keyword `ownr` in slice"
    assert d.help == "did you mean `owner`?"


def test_misplaced_keyword_names_where_it_belongs():
    d = one('slice C1 "x" {\n  max_active 6\n}\n')
    assert d.code == "PC102"
    assert d.message == "`max_active` is not allowed in slice"
    assert d.help == "`max_active` belongs in team"


def test_missing_value():
    d = one("slice C1 {\n}\n")
    assert d.code == "PC103"
    assert "missing a quoted string for `title`" in d.message


def test_wrong_value_type():
    d = one("team {\n  max_active six\n}\n")
    assert d.code == "PC104"
    assert d.message == "`max_active` expects a whole number for `n`, found the name `six`"
    assert (d.span.line, d.span.column) == (5, 14)


def test_unexpected_extra_value_suggests_clause():
    d = one('owners {\n  owner @a "A" bakup @b\n}\n')
    assert d.code == "PC105"
    assert d.message == "unknown clause `bakup` in `owner`; did you mean `backup`?"


def test_singleton_given_twice():
    d = one("team {\n  max_active 6\n  max_active 7\n}\n")
    assert d.code == "PC106"
    assert d.span.line == 6


def test_block_where_none_allowed_and_block_required():
    d = one('deferred x "y" {\n}\n')
    assert d.code == "PC107"
    d = one('stage 1 "x"\n')
    assert d.code == "PC108"


def test_required_statement_missing():
    d = one("team {\n}\n")
    assert d.code == "PC109"
    assert "max_active" in d.message


def test_phase_is_required():
    ds = diags('slice C1 "x" { objective "y" }\n', rules=False)
    assert [d.code for d in ds] == ["PC109"]


def test_duplicate_ids_point_at_both():
    ds = diags(HEAD + 'slice C1 "a" { objective "x" }\nslice C1 "b" { objective "y" }\n', rules=False)
    assert [d.code for d in ds] == ["PC201"]
    d = ds[0]
    assert d.span.line == 5
    assert d.related[0].span.line == 4


def test_unknown_reference_with_suggestion():
    ds = diags(HEAD + 'slice C0 "a" { objective "x" }\nslice C1 "b" { after C9 }\n', rules=False)
    assert concise(ds) == ["5:22 PC202 unknown slice `C9`"]
    assert ds[0].help == "did you mean `C0`?"


def test_unknown_references_of_every_kind():
    text = HEAD + (
        'owners {\n  owner @rawr-a "A"\n}\n'
        'team {\n  max_active 2\n  agent P1 "x"\n}\n'
        "cadence quick\n"
        'outputs o "docs" {\n  artifact art "A.md" by S9\n}\n'
        'stage 1 "s" {\n  covers C7\n  step "go" by P2 produces arf\n}\n'
        'slice C1 "b" {\n  owner @rawr-b\n  gate quik g1\n}\n'
    )
    ds = diags(text, rules=False)
    msgs = sorted(d.message for d in ds)
    assert msgs == sorted(
        [
            "unknown slice or stage `S9`",
            "unknown slice `C7`",
            "unknown agent or role `P2`",
            "unknown artifact `arf`",
            "unknown owner `@rawr-b`",
            "unknown cadence `quik`",
            "unknown gate `g1`",
        ]
    )
    helps = {d.message: d.help for d in ds}
    assert helps["unknown agent or role `P2`"] == "did you mean `P1`?"
    assert helps["unknown artifact `arf`"] == "did you mean `art`?"
    assert helps["unknown cadence `quik`"] == "did you mean `quick`?"
    assert helps["unknown owner `@rawr-b`"] == "did you mean `@rawr-a`?"


def test_agents_and_slices_have_separate_namespaces():
    text = HEAD + 'team {\n  max_active 2\n  agent A1 "x"\n}\nslice A1 "s" {\n  agent A1\n}\n'
    assert diags(text, rules=False) == []


def test_paths_under_a_declared_worktree_become_repo_relative():
    from phasec.compiler.pipeline import analyze

    text = HEAD + (
        'repo {\n  branch rt "codex/x" worktree "/wt/rt"\n}\n'
        'slice C1 "b" {\n  file "/wt/rt/pkg/a.ts"\n  file "pkg/b.ts"\n}\n'
    )
    rb = analyze(text, rules=False).runbook
    files = rb.slices[0].files
    assert [(f.path, f.written, f.worktree) for f in files] == [
        ("pkg/a.ts", "/wt/rt/pkg/a.ts", "rt"),
        ("pkg/b.ts", None, None),
    ]


def test_id_lookup_follows_changes_to_the_ir():
    """rb.slice/rb.gate never answer from a stale index: replaced, removed and added elements."""
    from phasec.compiler.pipeline import analyze

    rb = analyze(
        HEAD + 'slice C0 "a" { objective "x" }\nslice C1 "b" { after C0 }\ngate g "true"\n', "t.phc", rules=False
    ).runbook
    assert rb.slice("C1").title == "b" and rb.gate("g") is not None
    rb.slices[1] = rb.slices[1].model_copy(update={"id": "C9"})  # replaced, same length
    assert rb.slice("C1") is None and rb.slice("C9").title == "b"
    rb.slices.pop(0)
    assert rb.slice("C0") is None and rb.slice("C9") is rb.slices[0]
    rb.gates.append(rb.gates[0].model_copy(update={"id": "h"}))
    assert rb.gate("h") is rb.gates[1]


def test_schema_access_is_typed_and_fails_loudly():
    """Lowering reads bound statements through the schema: a parameter, clause or child keyword the signature
    does not have is a bug in phasec (a renamed parameter would otherwise drop data silently)."""
    import pytest as _pytest

    from phasec.compiler.bind import bind
    from phasec.compiler.diagnostics import DiagnosticBag
    from phasec.compiler.pipeline import parse

    doc, _ = parse(HEAD + 'slice C1 "b" { owner @a backup @b }\n', "t.phc")
    (stmt,) = [st for st in doc.statements if st.keyword == "slice"]
    (sl,) = bind([stmt], DiagnosticBag(), stmt.span)
    owner = sl.kid("owner")
    assert owner.clause_text("backup", "b") == "@b"
    with _pytest.raises(KeyError, match="no clause `bakup`"):
        owner.clause_value("bakup", "b")
    with _pytest.raises(KeyError, match="no parameter `handle`"):
        owner.get("handle")
    with _pytest.raises(KeyError, match="no `max_active` statement"):
        sl.kid("max_active")
