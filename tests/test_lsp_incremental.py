"""The language server's incremental analysis gives what a full analysis gives.

The server re-parses only the top-level blocks an edit touched and re-binds
only the statements it re-parsed (phasec/lsp/incremental.py).  These tests
apply random edit sequences to real runbooks and compare, after every edit,
the incremental snapshot (chained from the previous version's) with a
snapshot built from scratch: the syntax tree, the comments, the phasec
diagnostics and the LSP diagnostics must be equal.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from phasec.compiler.pipeline import analyze
from phasec.lsp import incremental
from phasec.lsp.analysis import build_snapshot

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = {
    name: (ROOT / "examples" / name).read_text(encoding="utf-8") for name in ("phase-c.phc", "voiceterm-mp306.phc")
}
#: The random edit sequences also run on a runbook with findings (27, of 13 rules): edits on their lines.
WITH_FINDINGS = {"phase-c-as-written.phc": (ROOT / "tests" / "corpus" / "phase-c-as-written.phc").read_text("utf-8")}
URI = "untitled:incremental.phc"

# -- edits -------------------------------------------------------------------------------
# Each edit is a function of the current text (positions are fractions of its length, so
# that any drawn edit applies to any text).  Most keep the file well formed (the
# incremental path); some break it (the full parse) and later ones may mend it.


def _at(text: str, frac: float) -> int:
    return min(int(frac * (len(text) + 1)), len(text))


def _line_bounds(text: str, frac: float) -> tuple[int, int]:
    pos = _at(text, frac)
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    return start, (len(text) if end == -1 else end + 1)


def _top_level_block(text: str, frac: float) -> tuple[int, int] | None:
    """The lines of the top-level statement nearest after ``frac`` (from its line to the `}` at column 1)."""
    starts = [i for i in range(len(text)) if (i == 0 or text[i - 1] == "\n") and text[i : i + 1].isalpha()]
    if not starts:
        return None
    pos = _at(text, frac)
    start = next((s for s in starts if s >= pos), starts[-1])
    line_end = text.find("\n", start)
    line_end = len(text) if line_end == -1 else line_end + 1
    if text[start:line_end].rstrip().endswith("{"):
        close = text.find("\n}", line_end - 1)
        if close == -1:
            return None
        end = text.find("\n", close + 1)
        return start, (len(text) if end == -1 else end + 1)
    return start, line_end


def insert(frac: float, s: str):
    def apply(text: str) -> str:
        pos = _at(text, frac)
        return text[:pos] + s + text[pos:]

    apply.__name__ = f"insert({frac:.3f}, {s!r})"
    return apply


def delete(frac: float, n: int):
    def apply(text: str) -> str:
        pos = _at(text, frac)
        return text[:pos] + text[pos + n :]

    apply.__name__ = f"delete({frac:.3f}, {n})"
    return apply


def in_string(frac: float, s: str):
    """Type ``s`` inside the next one-line string (a title, a note): the file stays well formed."""

    def apply(text: str) -> str:
        pos = _at(text, frac)
        q = text.find('"', pos)
        if q == -1 or text[q : q + 3] == '"""':
            return text
        return text[: q + 1] + s + text[q + 1 :]

    apply.__name__ = f"in_string({frac:.3f}, {s!r})"
    return apply


def retitle(frac: float, how: str):
    """Rewrite the content of the next one-line string (a title, a description, a note): with text of
    the same length, shorter or longer (the file stays well formed; the columns after it move)."""

    def apply(text: str) -> str:
        pos = _at(text, frac)
        q = text.find('"', pos)
        end = text.find('"', q + 1) if q != -1 else -1
        if end == -1 or text[q : q + 3] == '"""' or "\n" in text[q:end] or "\\" in text[q:end]:
            return text
        body = text[q + 1 : end]
        new = {"same": body[::-1] if body[::-1] != body else "z" * len(body), "shorter": body[: len(body) // 2]}.get(
            how, body + " and more words"
        )
        return text[: q + 1] + new + text[end:]

    apply.__name__ = f"retitle({frac:.3f}, {how!r})"
    return apply


def at_finding(k: int, s: str):
    """Type ``s`` on the line of the ``k``-th finding of a full analysis (in its first string, else at its
    end): a rule whose findings are kept across versions must run again when they may have moved."""

    def apply(text: str) -> str:
        found = analyze(text, URI).diagnostics
        if not found:
            return text
        line = found[k % len(found)].span.line
        start = 0
        for _ in range(line - 1):
            start = text.find("\n", start) + 1
        end = text.find("\n", start)
        end = len(text) if end == -1 else end
        q = text.find('"', start, end)
        at = q + 1 if q != -1 and text[q : q + 3] != '"""' else end
        return text[:at] + s + text[at:]

    apply.__name__ = f"at_finding({k}, {s!r})"
    return apply


def blank_line(frac: float):
    def apply(text: str) -> str:
        start, _ = _line_bounds(text, frac)
        return text[:start] + "\n" + text[start:]

    apply.__name__ = f"blank_line({frac:.3f})"
    return apply


def join_line(frac: float):
    """Delete a line end (two lines become one: often a syntax error, sometimes not)."""

    def apply(text: str) -> str:
        _, end = _line_bounds(text, frac)
        return text[: end - 1] + text[end:] if end and text[end - 1 : end] == "\n" else text

    apply.__name__ = f"join_line({frac:.3f})"
    return apply


def drop_block(frac: float):
    def apply(text: str) -> str:
        b = _top_level_block(text, frac)
        return text if b is None else text[: b[0]] + text[b[1] :]

    apply.__name__ = f"drop_block({frac:.3f})"
    return apply


def copy_block(frac: float, to: float):
    """Duplicate a top-level block elsewhere (duplicate ids, lines shifted)."""

    def apply(text: str) -> str:
        b = _top_level_block(text, frac)
        if b is None:
            return text
        dest, _ = _line_bounds(text, to)
        return text[:dest] + text[b[0] : b[1]] + text[dest:]

    apply.__name__ = f"copy_block({frac:.3f}, {to:.3f})"
    return apply


def undo(k: int):
    """Go back to an earlier version (marker handled by the runner)."""
    return ("undo", k)


def across(frac: float, n: int):
    """Delete from inside one top-level block into the next (two blocks become one, or a syntax error)."""

    def apply(text: str) -> str:
        b = _top_level_block(text, frac)
        if b is None:
            return text
        mid = (b[0] + b[1]) // 2
        return text[:mid] + text[b[1] + n :]

    apply.__name__ = f"across({frac:.3f}, {n})"
    return apply


fracs = st.floats(min_value=0, max_value=1, allow_nan=False)
ends = st.sampled_from([0.0, 1.0])  # the very start and end of the file
snippets = st.sampled_from(
    ["x", " ", "A1", '"', "{", "}", "\n", "# note\n", "C9", "@own", ";", '"""', "\t", "é", "\r\n"]
)
edits = st.one_of(
    st.builds(insert, fracs, snippets),
    st.builds(delete, fracs, st.integers(1, 12)),
    st.builds(in_string, fracs, st.sampled_from(["x", "word ", "ü", "{", "#", '"', '" C1 "', '" after C1 "'])),
    st.builds(retitle, fracs, st.sampled_from(["same", "shorter", "longer"])),
    st.builds(at_finding, st.integers(0, 40), st.sampled_from(["x", "word ", '"', "é"])),
    st.builds(blank_line, fracs),
    st.builds(join_line, fracs),
    st.builds(drop_block, fracs),
    st.builds(copy_block, fracs, fracs),
    st.builds(undo, st.integers(1, 4)),
    st.builds(insert, ends, snippets),
    st.builds(delete, ends, st.integers(1, 12)),
    st.builds(across, fracs, st.integers(0, 40)),
)


def _dump(snap):
    return snap.runbook.model_dump() if snap.runbook is not None else None


def _check_chunks(chunks, text: str, where: str) -> None:
    """The offsets and list indexes a version keeps for the next (``incremental.Chunks``) fit its text
    (a spliced version may divide the text into chunks otherwise than a full parse would, so each
    chunk is checked against the text, not against a full parse's chunks)."""
    starts, fs, fc = list(chunks.starts), list(chunks.first_statement), list(chunks.first_comment)
    assert len(starts) == len(chunks.items) and chunks.end == len(text), where
    assert starts[0] == 0 and starts == sorted(set(starts)), where
    assert all(text[s - 1] == "\n" for s in starts[1:]), where
    assert fs[-1] == len(chunks.statements) and fc[-1] == len(chunks.comments), where
    bounds = [text.count("\n", 0, s) + 1 for s in starts] + [text.count("\n") + 2]
    for k, c in enumerate(chunks.items):
        assert chunks.statements[fs[k] : fs[k + 1]] == list(c.statements), where
        assert chunks.comments[fc[k] : fc[k + 1]] == list(c.comments), where
        for x in (*c.statements, *c.comments):
            assert bounds[k] <= x.span.line <= x.span.end_line < bounds[k + 1], where


def _check_sequence(text: str, sequence) -> None:
    history = [text]
    snap = build_snapshot(URI, text, 0)
    for version, edit in enumerate(sequence, start=1):
        # an edit, or (undo, n): back to the text of n edits ago
        text = history[max(len(history) - 1 - edit[1], 0)] if isinstance(edit, tuple) else edit(text)
        history.append(text)
        before = snap.runbook.model_dump() if snap.runbook is not None else None
        prev, snap = snap, build_snapshot(URI, text, version, previous=snap)
        # the previous version's IR (still read by requests in the server) is left alone
        assert (prev.runbook.model_dump() if prev.runbook is not None else None) == before
        fresh = build_snapshot(URI, text, version)
        where = f"after {[getattr(e, '__name__', e) for e in sequence[:version]]}"
        assert snap.document.statements == fresh.document.statements, where
        assert snap.document.comments == fresh.document.comments, where
        assert snap.diagnostics == fresh.diagnostics, where
        # the IR too: every top-level statement's lowering reused, resolution redone where it writes
        assert _dump(snap) == _dump(fresh), where
        assert snap.lsp_diagnostics == fresh.lsp_diagnostics, where
        # positions: the mapper made from the previous one, the source's line table (derived from the
        # previous version's when that was built, else scanned) and line count, as made from scratch
        assert snap.mapper.lines == fresh.mapper.lines, where
        if snap.stats.region_lines is not None:  # the parse's line counts, as counted in the text
            start, old_end, _ = snap.stats.region
            assert snap.stats.region_lines == (prev.text.count("\n", 0, start), prev.text.count("\n", start, old_end))
        src, full = snap.document.source, fresh.document.source
        assert src.line_count == full.line_count and src.end_span() == full.end_span(), where
        assert list(src._line_starts) == list(full._line_starts), where
        # the chunks spliced from the previous version's: offsets, and where each starts in the lists
        mine, theirs = snap.incremental.chunks, fresh.incremental.chunks
        assert (mine is None) == (theirs is None), where
        if mine is not None:
            _check_chunks(mine, text, where)
            assert mine.statements == theirs.statements and mine.comments == theirs.comments, where
        # the batch pipeline (no statement memo: phasec lint's path) finds the same
        assert snap.diagnostics == analyze(text, URI).diagnostics, where


@pytest.mark.parametrize("name", sorted(EXAMPLES) + sorted(WITH_FINDINGS))
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sequence=st.lists(edits, min_size=1, max_size=6))
def test_incremental_snapshots_equal_full_analysis(name, sequence):
    _check_sequence({**EXAMPLES, **WITH_FINDINGS}[name], sequence)


SMALL = """phase C "Small" {
  posture forward_only
}
team {
  max_active 2
  agent A1 "one"
}
# a comment between blocks

slice C1 "First" {
  agent A1
}
slice C2 "Second" { # trailing comment
  agent A1
  after C1
}
"""


@settings(max_examples=60, deadline=None)
@given(sequence=st.lists(edits, min_size=1, max_size=10))
def test_incremental_snapshots_equal_full_analysis_small(sequence):
    _check_sequence(SMALL, sequence)


@settings(max_examples=30, deadline=None)
@given(sequence=st.lists(edits, min_size=1, max_size=8))
def test_incremental_snapshots_equal_full_analysis_crlf(sequence):
    """The same with Windows line ends (``\r`` ends a line's content for phasec and LSP alike)."""
    _check_sequence(SMALL.replace("\n", "\r\n") + "# phasec: ignore[PC713] -- a suppression comment\r\n", sequence)


# -- the shortcut is taken ---------------------------------------------------------------


def _stats(text: str, new: str):
    _, state = incremental.analyze(text, "x.phc", None)
    stats = incremental.Stats()
    result, _ = incremental.analyze(new, "x.phc", state, stats=stats)
    assert result.diagnostics == analyze(new, "x.phc").diagnostics
    return stats


def test_an_edit_inside_a_block_reparses_and_rebinds_that_block_only():
    text = EXAMPLES["phase-c.phc"]
    pos = text.index('slice C3 "') + len('slice C3 "')
    stats = _stats(text, text[:pos] + "x" + text[pos:])
    assert not stats.full_parse
    assert stats.reparsed_chunks == 1 and stats.rebound == 1 and stats.relowered == 1
    assert stats.kept_chunks > 50 and stats.reused_bindings == stats.kept_chunks
    assert stats.reused_nodes > 30  # the other slices and the gates


def test_an_edit_on_one_line_keeps_every_other_chunk_and_statement_object():
    """No line added or removed: the chunks after the edit are the very same objects (their offsets
    are in ``Chunks.starts``), and the document's lists are spliced, not rebuilt from the chunks."""
    text = EXAMPLES["phase-c.phc"]
    _, s1 = incremental.analyze(text, "x.phc", None)
    pos = text.index('slice C3 "') + len('slice C3 "')
    new = text[:pos] + "xyz" + text[pos:]
    result, s2 = incremental.analyze(new, "x.phc", s1)
    old_items, new_items = s1.chunks.items, s2.chunks.items
    assert len(old_items) == len(new_items)
    assert sum(a is not b for a, b in zip(old_items, new_items, strict=True)) == 1
    k = next(i for i, (a, b) in enumerate(zip(old_items, new_items, strict=True)) if a is not b)
    assert list(s2.chunks.starts[k + 1 :]) == [x + 3 for x in s1.chunks.starts[k + 1 :]]
    assert new_items[k + 1].start == s1.chunks.starts[k + 1] != s2.chunks.starts[k + 1]  # as parsed
    changed = [a is not b for a, b in zip(s1.chunks.statements, s2.chunks.statements, strict=True)]
    assert sum(changed) == 1
    assert result.document.statements == s2.chunks.statements
    assert result.document.statements is not s2.chunks.statements  # the document's own list
    fresh, _ = incremental.analyze(new, "x.phc", None)
    assert result.diagnostics == fresh.diagnostics


def test_name_resolution_reuses_the_kinds_and_slices_an_edit_did_not_change():
    """A slice's title edited: the declarations of every other kind (their first declarations and
    duplicates) and every other slice's own duplicate ids are reused; a copied slice declares an id
    twice, and the duplicate is found again (the slices' kind is redone)."""
    from phasec.compiler.resolve import _declared_nodes

    text = EXAMPLES["phase-c.phc"]
    pos = text.index('slice C3 "') + len('slice C3 "')
    stats = _stats(text, text[:pos] + "x" + text[pos:])
    rb = analyze(text, "x.phc").runbook
    kinds = len(list(_declared_nodes(rb)))
    assert stats.reused_kinds == kinds - 1  # all but the slices
    assert stats.reused_per_node == len(rb.slices) - 1
    start = text.index("slice C3 ")
    end = text.index("\n}\n", start) + 3
    doubled = text[:end] + text[start:end] + text[end:]
    stats = _stats(text, doubled)  # the diagnostics compared with a full analysis there
    assert any(d.code == "PC201" for d in analyze(doubled, "x.phc").diagnostics)


def test_binding_and_lowering_take_the_statements_kept_in_one_loop(monkeypatch):
    """At top level, a statement bound before is taken from the cache inside the binder's loop (no
    ``bind_stmt`` call) and lowered in the cache's own loop (``lower_all``: no call per statement);
    only the edited statement is bound and lowered, and the IR is what a full analysis gives."""
    text = EXAMPLES["phase-c.phc"]
    _, state = incremental.analyze(text, "x.phc", None)
    calls = {"bind_stmt": 0, "call": 0}
    bind_stmt, call = incremental.CachingBinder.bind_stmt, incremental.LoweringCache.__call__

    def counted_bind(self, st, spec):
        calls["bind_stmt"] += not self.depth
        return bind_stmt(self, st, spec)

    def counted_call(self, b, fn):
        calls["call"] += 1
        return call(self, b, fn)

    monkeypatch.setattr(incremental.CachingBinder, "bind_stmt", counted_bind)
    monkeypatch.setattr(incremental.LoweringCache, "__call__", counted_call)
    pos = text.index('slice C3 "') + len('slice C3 "')
    new = text[:pos] + "x" + text[pos:]
    stats = incremental.Stats()
    result, _ = incremental.analyze(new, "x.phc", state, stats=stats)
    assert calls == {"bind_stmt": 1, "call": 0}
    assert stats.rebound == stats.relowered == 1 and stats.reused_bindings == stats.kept_chunks
    assert stats.reused_nodes == len(result.document.statements) - 1
    full = analyze(new, "x.phc")
    assert result.diagnostics == full.diagnostics
    assert result.runbook.model_dump() == full.runbook.model_dump()
    # a kept statement's binding diagnostics (an unknown keyword inside it) come with it
    at = text.index("slice C2 ")
    bad = text[:at] + text[at:].replace("\n", "\n  bogus_keyword 1\n", 1)
    _, state = incremental.analyze(bad, "x.phc", None)
    edited = bad.replace('slice C3 "', 'slice C3 "y', 1)
    result, _ = incremental.analyze(edited, "x.phc", state)
    assert any(d.code == "PC101" for d in result.diagnostics)
    assert result.diagnostics == analyze(edited, "x.phc").diagnostics


def test_the_top_level_binding_is_spliced_around_an_edited_slice():
    """An edit inside a slice: the binding of the statements before and after it (their bound
    entries and diagnostics, a `team` given twice after it, an unknown keyword, the missing
    `phase`) is spliced from the previous version's; the diagnostics are a full analysis'.
    An edit that touches a statement that may appear once, or a required one, binds every
    statement again (what the checks across statements find may change)."""
    body = "".join(f'slice S{k} "Slice {k}" {{\n  kind code\n}}\n' for k in range(8))
    text = "team {\n  max_active 2\n}\nfrobnicate 1\n" + body + "team {\n  max_active 3\n}\n"
    _, state = incremental.analyze(text, "x.phc", None)
    at = text.index('"Slice 4') + 1
    for version in range(3):
        new = text[:at] + "x" + text[at:]
        stats = incremental.Stats()
        result, state = incremental.analyze(new, "x.phc", state, stats=stats)
        n = len(result.document.statements)
        assert stats.spliced_bindings == n - 1 and stats.rebound == 1, version
        # the lowering too: the first `team` and the other slices (the second `team` is not bound)
        assert stats.spliced_nodes == n - 3 and stats.relowered == 1, version
        codes = {d.code for d in result.diagnostics}
        assert {"PC106", "PC101", "PC109"} <= codes
        full = analyze(new, "x.phc")
        assert result.diagnostics == full.diagnostics
        assert result.runbook.model_dump() == full.runbook.model_dump()
        text = new
    # the second `team` (given twice) edited: no splice, the same diagnostics as a full analysis
    new = text.replace("max_active 3", "max_active 4")
    stats = incremental.Stats()
    result, state = incremental.analyze(new, "x.phc", state, stats=stats)
    assert stats.spliced_bindings == 0 and not stats.full_parse
    assert result.diagnostics == analyze(new, "x.phc").diagnostics
    # and after it, splicing again from that version's record
    new2 = new.replace('"xxxSlice 4', '"xxxxSlice 4')
    stats = incremental.Stats()
    result, _ = incremental.analyze(new2, "x.phc", state, stats=stats)
    assert stats.spliced_bindings > 0
    assert result.diagnostics == analyze(new2, "x.phc").diagnostics
    # a binding diagnostic appears in one slice, then slices after and before it are edited
    # (the counts of the spliced record moved), then the first `team` becomes a slice (the
    # statement given twice is no longer a repeat: nothing may be spliced over that)
    steps = [
        lambda t: t.replace('"Slice 5" {\n  kind', '"Slice 5" {\n  kimd', 1),
        lambda t: t.replace('slice S3 "', 'slice @S3 "', 1),  # a slice that does not bind
        lambda t: t.replace('"Slice 6', '"Slice 6y', 1),
        lambda t: t.replace('"Slice 2', '"Slice 2y', 1),
        lambda t: t.replace('"Slice 7', '"Slice 7y', 1),
        lambda t: t.replace("team {\n  max_active 2\n}\n", 'slice T "t" {\n  kind code\n}\n', 1),
        lambda t: t.replace('"Slice 6y', '"Slice 6', 1),
    ]
    text = new2
    for step in steps:
        text = step(text)
        result, state = incremental.analyze(text, "x.phc", state)
        full = analyze(text, "x.phc")
        assert result.diagnostics == full.diagnostics
        assert result.runbook.model_dump() == full.runbook.model_dump()


def test_a_check_among_the_gates_keeps_the_lowering_from_splicing():
    """A `check` adds to the runbook's gates between gate statements: the gates are not spliced
    (lowered in one loop instead), and come in the order a full analysis gives."""
    gates = "".join(f'gate g{k} {{\n  run "echo {k}"\n}}\ncheck c{k} "Check {k}"\n' for k in range(4))
    text = gates + "".join(f'slice S{k} "Slice {k}" {{\n  kind code\n}}\n' for k in range(4))
    _, state = incremental.analyze(text, "x.phc", None)
    new = text.replace('"Slice 2', '"Slice 2x')
    stats = incremental.Stats()
    result, _ = incremental.analyze(new, "x.phc", state, stats=stats)
    assert stats.spliced_bindings > 0 and stats.spliced_nodes == 0
    full = analyze(new, "x.phc")
    assert result.runbook.model_dump() == full.runbook.model_dump()
    assert [g.id for g in result.runbook.gates] == ["g0", "c0", "g1", "c1", "g2", "c2", "g3", "c3"]


def test_an_added_line_shifts_the_blocks_after_it():
    text = EXAMPLES["phase-c.phc"]
    pos = text.index('slice C3 "')
    stats = _stats(text, text[:pos] + "\n\n" + text[pos:])
    assert not stats.full_parse and stats.reparsed_chunks <= 2
    # the blocks after the edit are moved (new objects), so they are bound again
    assert stats.rebound > stats.reparsed_chunks


def test_a_syntax_error_falls_back_to_the_full_parse_and_recovers():
    text = EXAMPLES["phase-c.phc"]
    pos = text.index('slice C3 "')
    broken = text[:pos] + 'slice C9 "unclosed {\n' + text[pos:]
    _, state = incremental.analyze(text, "x.phc", None)
    stats = incremental.Stats()
    result, state = incremental.analyze(broken, "x.phc", state, stats=stats)
    assert stats.full_parse and state.chunks is None
    assert result.diagnostics == analyze(broken, "x.phc").diagnostics
    assert any(d.code.startswith("PC0") for d in result.diagnostics)
    stats = incremental.Stats()
    result, state = incremental.analyze(text, "x.phc", state, stats=stats)
    assert stats.full_parse and state.chunks is not None  # mended: chunks again for the next edit
    assert result.diagnostics == analyze(text, "x.phc").diagnostics


EDITS_IN_PLACE = {
    # a slice no longer covered by its stage: its stage comes from name resolution
    "stage-cover": ("  covers C1 C2 C3 C4\n", "  covers C2 C3 C4\n"),
    # file paths (and an outputs root) under the worktree become repo-relative in name resolution
    "worktree-path": (
        'wt-agent-codex-phase-c-runtime-implementation"\n',
        'wt-agent-codex-phase-c-runtime-implementation-2"\n',
    ),
    # one slice's dependencies: the graphs, the slice order
    "slice-after": ("  after C2\n", "  after C0\n"),
    # a gate's command
    "gate-script": (
        'script "phase-a:gate:metadata-contract" existing',
        'script "phase-a:gate:metadata-kontract" existing',
    ),
    # an agent renamed (references to it become unknown) and the team's cap
    "agent": ('agent P2 "Interfaces', 'agent P7 "Interfaces'),
    "max-active": ("  max_active 6\n", "  max_active 2\n"),
    # who does a step: the agents' activities (the agent-cap analysis), with the activity graph unchanged
    "step-agents": (
        '"C1: Cross-Instance Storage-Lock Redesign" by I1 for C1',
        '"C1: Cross-Instance Storage-Lock Redesign" by I1 I2 I3 I4 I5 I6 I4A for C1',
    ),
    # a dependency cycle (the slice graph's cycles) and a step's slice (the activity graph)
    "cycle": ("  after C0\n", "  after C7\n"),
    # a gate that changes directory (PC814), a slice binding another gate (the gates something runs: PC713)
    "gate-cd": (
        '  run "bun scripts/phase-c/verify-storage-lock-contract.mjs"',
        '  run "cd /tmp && bun scripts/phase-c/verify-storage-lock-contract.mjs"',
    ),
    "slice-binding": ("  gate quick c1_quick\n", "  gate quick pa_metadata_contract\n"),
    # an agent protocol file without the agent's id: every agent's is the same file (PC815)
    "protocol": ('artifact plan "AGENT_<N>_PLAN_VERBATIM.md"', 'artifact plan "AGENT_PLAN_VERBATIM.md"'),
    "step-slice": ("by I2 for C3\n", "by I2 for C2\n"),
    # a stage inserted before the others (stage positions) and a stage dropped
    "stage-order": ('stage 0 "Preflight', 'stage 0.1 "Preflight'),
}


@pytest.mark.parametrize("name", sorted(EDITS_IN_PLACE))
def test_reused_statements_are_resolved_again(name):
    """An edit outside the slices (same line count) keeps them, but what resolution wrote into them is
    redone, into copies: the previous version's IR is left as it was."""
    old, new = EDITS_IN_PLACE[name]
    text = EXAMPLES["phase-c.phc"]
    assert text.count(old) == 1
    edited = text.replace(old, new)
    prev, state = incremental.analyze(text, "x.phc", None)
    for n, version in enumerate((edited, text, edited, edited)):
        before = prev.runbook.model_dump()
        stats = incremental.Stats()
        ran_before = state.findings is not None  # the rules ran (no front-end error)
        result, state = incremental.analyze(version, "x.phc", state, stats=stats)
        assert not stats.full_parse and stats.reused_nodes > 30 and stats.relowered == (n < 3)
        # not prose: every rule runs again (the same text again: every rule reading no prose is kept)
        assert (stats.rules_reused == 0) == (n < 3 or not ran_before or state.findings is None), stats.no_reuse
        full = analyze(version, "x.phc")
        assert result.diagnostics == full.diagnostics
        assert result.runbook.model_dump() == full.runbook.model_dump()
        assert prev.runbook.model_dump() == before, "the previous version's IR was written to"
        prev = result
    assert stats.copied == 0  # the same text again: nothing to redo
    a, b = analyze(edited, "x.phc"), analyze(text, "x.phc")
    assert a.runbook.model_dump() != b.runbook.model_dump()  # the edit matters
    if name in ("stage-cover", "worktree-path", "agent", "max-active", "step-agents", "cycle", "gate-cd", "protocol"):
        assert a.diagnostics != b.diagnostics


def test_unchanged_statements_are_the_same_nodes():
    """A one-character edit in one slice: every other top-level node is the previous version's object."""
    text = EXAMPLES["phase-c.phc"]
    pos = text.index('slice C3 "') + len('slice C3 "')
    prev, state = incremental.analyze(text, "x.phc", None)
    stats = incremental.Stats()
    result, _ = incremental.analyze(text[:pos] + "x" + text[pos:], "x.phc", state, stats=stats)
    old, new = prev.runbook, result.runbook
    assert stats.copied == 0 and stats.relowered == 1
    assert [s is t for s, t in zip(old.slices, new.slices, strict=True)] == [s.id != "C3" for s in old.slices]
    assert all(g is h for g, h in zip(old.gates, new.gates, strict=True))
    assert (
        old.team is new.team
        and old.repo is new.repo
        and all(a is b for a, b in zip(old.stages, new.stages, strict=True))
    )


def _naive_region(a: str, b: str) -> tuple[int, int, int]:
    n = min(len(a), len(b))
    p = 0
    while p < n and a[p] == b[p]:
        p += 1
    s = 0
    while s < n - p and a[len(a) - 1 - s] == b[len(b) - 1 - s]:
        s += 1
    return p, len(a) - s, len(b) - s


@settings(max_examples=200, deadline=None)
@given(
    base=st.text(alphabet="ab\n", max_size=9000),
    edits=st.lists(st.tuples(fracs, st.integers(0, 4), st.text(alphabet="ab\n", max_size=5)), max_size=3),
)
def test_changed_region_is_the_text_between_common_prefix_and_suffix(base, edits):
    new = base
    for frac, cut, ins in edits:
        pos = _at(new, frac)
        new = new[:pos] + ins + new[pos + cut :]
    assert incremental._changed_region(base, new) == _naive_region(base, new)


# -- the statement memo (phasec.compiler.facts.StatementMemo) ----------------------------

FINDINGS = sorted((ROOT / "tests" / "fixtures" / "rules").glob("*.phc")) + sorted(
    (ROOT / "tests" / "corpus").glob("*.phc")
)


def _edit_every_slice_title(text: str) -> list[str]:
    """Versions of ``text``, each with one more character typed in the next slice's title."""
    out = []
    for k in range(text.count("\nslice ")):
        at = -1
        for _ in range(k + 1):
            at = text.index("\nslice ", at + 1)
        q = text.find('"', at)
        if q < 0 or text.find("\n", at + 1) < q:
            continue
        text = text[: q + 1] + "x" + text[q + 1 :]
        out.append(text)
    return out


@pytest.mark.parametrize("path", FINDINGS, ids=lambda p: p.stem)
def test_rules_with_the_statement_memo_find_what_the_batch_pipeline_finds(path):
    """The rule fixtures (each fires its rule) and the as-written corpus runbooks, analysed as the server
    does (statement memo; from scratch, then chained over edits that keep most statements) and as
    ``phasec lint`` does (no memo): the same diagnostics.  A rule helper that derives per top-level
    statement (path mentions, the statement at a span) and answers differently with the memo fails here."""
    text = path.read_text(encoding="utf-8")
    snap = build_snapshot(URI, text, 0)
    assert snap.document.statement_memo is not None
    assert snap.diagnostics == analyze(text, URI).diagnostics
    found = {d.code for d in snap.diagnostics}
    for version, new in enumerate(_edit_every_slice_title(text)[:4] + [text], start=1):
        snap = build_snapshot(URI, new, version, previous=snap)
        assert snap.diagnostics == analyze(new, URI).diagnostics, (path.name, version)
    if path.parent.name == "rules" and "_clean" not in path.stem:
        assert path.stem.split("_")[0] in found  # the fixture does exercise its rule


def test_the_fast_shallow_copy_is_model_copy():
    """``_copy`` copies slices and their files with ``_shallow``: equal to pydantic's ``model_copy``, and the
    copy's fields are its own (writing one does not write the original)."""
    rb = analyze(EXAMPLES["phase-c.phc"], "x.phc", rules=False).runbook
    s = next(s for s in rb.slices if s.files)
    for node in (s, s.files[0], rb.gates[0]):
        fast, slow = incremental._shallow(node), node.model_copy()
        assert fast == slow and fast is not node
        assert fast.model_fields_set == slow.model_fields_set
        assert fast.__pydantic_private__ == slow.__pydantic_private__
    c = incremental._copy(s)
    c.stage, c.files[0].path = "elsewhere", "moved.txt"
    assert s.stage != "elsewhere" and s.files[0].path != "moved.txt"


CAP = """phase C "Cap" {
  posture forward_only
}
team {
  max_active 1
  agent A1 "one"
  agent A2 "two"
}
slice C1 "First" {
  agent A1
}
slice C2 "Second" {
  agent A1
}
"""


def test_an_edit_that_changes_only_who_works_redoes_the_agent_analysis():
    """The activity graph is the same (same slices, same dependencies), the agents' work is not:
    the agent-cap analysis reused from the previous version would miss the second agent."""
    text = CAP
    edited = text.replace('slice C2 "Second" {\n  agent A1', 'slice C2 "Second" {\n  agent A2')
    snap = build_snapshot(URI, text, 0)
    for version, new in enumerate((edited, text, edited), start=1):
        snap = build_snapshot(URI, new, version, previous=snap)
        assert not snap.stats.full_parse
        assert snap.diagnostics == analyze(new, URI).diagnostics
    assert "PC501" in {d.code for d in snap.diagnostics}
    assert "PC501" not in {d.code for d in analyze(text, URI).diagnostics}


GATES = """phase C "Gates" {
  posture forward_only
}
cadence quick "Per commit"
gate g1 {
  run "make one"
}
gate g2 {
  run "make two"
}
slice C1 "First" {
  gate quick g1
}
"""


def test_an_edit_that_changes_only_which_gates_run_redoes_the_unused_gates():
    """The gates are the same objects, the slice binds another one: PC713's findings about the gates
    (reused while the gates and the gates run directly are the same) must follow."""
    edited = GATES.replace("  gate quick g1\n", "  gate quick g2\n")
    snap = build_snapshot(URI, GATES, 0)
    found = []
    for version, new in enumerate((edited, GATES, edited), start=1):
        snap = build_snapshot(URI, new, version, previous=snap)
        assert not snap.stats.full_parse
        assert snap.diagnostics == analyze(new, URI).diagnostics
        found.append([d.message for d in snap.diagnostics if d.code == "PC713"])
    assert found[0] == found[2] != found[1] and all(found)


def test_an_edit_elsewhere_that_orders_a_slice_redoes_its_gate_findings():
    """PC701's findings are kept per slice while the gates, stages, dependencies and script files
    are the same: a dependency added to another slice (C2 -> C3 -> C1) must redo them for C1,
    whose node is reused."""
    fixture = (ROOT / "tests" / "fixtures" / "rules" / "PC701_defined_by_later_slice.phc").read_text(encoding="utf-8")
    text = fixture.replace('slice C1 "Storage lock" {\n', 'slice C1 "Storage lock" {\n  after C3\n')
    text += 'slice C3 "Bridge" {\n  note "nothing yet"\n}\n'
    edited = text.replace('  note "nothing yet"\n', "  after C2\n")
    snap = build_snapshot(URI, text, 0)
    found = []
    for version, new in enumerate((edited, text, edited), start=1):
        prev, snap = snap, build_snapshot(URI, new, version, previous=snap)
        assert not snap.stats.full_parse
        assert prev.runbook.slice("C1") is snap.runbook.slice("C1")  # reused: the same node
        assert snap.diagnostics == analyze(new, URI).diagnostics
        found.append([d.message for d in snap.diagnostics if d.code == "PC701"])
    assert found[0] == found[2] != found[1]


def test_a_configuration_change_between_versions_gives_the_batch_findings():
    """The text stays, the configuration changes (a rule's severity, a rule ignored, a kind's requirements):
    what is reused across versions must not carry the previous configuration's findings."""
    from phasec.compiler.config import Config
    from phasec.compiler.diagnostics import Severity

    text = EXAMPLES["phase-c.phc"]
    pos = text.index('slice C3 "') + len('slice C3 "')
    strict = {"runtime": ["files", "branch", "gate:quick", "gate:full", "owner", "worktree"]}
    configs = [
        Config(),
        Config(require=strict),
        Config(require=strict, severity={"PC714": Severity.ERROR}),
        Config(require=strict, ignore=["PC714"]),
        Config(),
    ]
    _, state = incremental.analyze(text, "x.phc", None, config=configs[0])
    seen = []
    for n, config in enumerate(configs[1:], start=1):
        text = text[:pos] + "x" * n + text[pos:]  # an edit too, so that most statements are reused
        stats = incremental.Stats()
        result, state = incremental.analyze(text, "x.phc", state, config=config, stats=stats)
        assert not stats.full_parse and stats.reused_nodes > 30
        assert stats.rules_reused == 0 and stats.no_reuse == "the configuration changed"
        batch = analyze(text, "x.phc", config=config).diagnostics
        assert result.diagnostics == batch
        seen.append({(d.code, d.severity) for d in batch})
    # the configurations matter: PC714 as a warning, as an error, not at all
    assert seen[0] == {("PC714", Severity.WARNING)} and seen[1] == {("PC714", Severity.ERROR)}
    assert seen[2] == seen[3] == set()


# -- rules kept across versions when an edit changed only prose (incremental.RuleReuse) --------


def _title_edit(text: str, sid: str, typed: str) -> str:
    pos = text.index(f'slice {sid} "') + len(f'slice {sid} "')
    return text[:pos] + typed + text[pos:]


def test_a_prose_edit_keeps_the_findings_of_the_rules_that_read_no_prose():
    """Typing in a slice title of a runbook with findings: every rule declared ``reads_prose=False`` whose
    findings are elsewhere keeps its previous findings (the very objects); the prose rules run; the
    diagnostics are the full analysis'.  A structural edit, an added line or an added statement keeps none."""
    from phasec.compiler.rules import all_rules

    text = WITH_FINDINGS["phase-c-as-written.phc"]
    prose_rules = {r.code for r in all_rules() if r.reads_prose}
    assert prose_rules == {"PC609", "PC715", "PC717", "PC805", "PC813"}
    _, state = incremental.analyze(text, "x.phc", None)
    for n, typed in enumerate(("x", "a longer title", "é")):
        text = _title_edit(text, "C3", typed)
        stats = incremental.Stats()
        result, new_state = incremental.analyze(text, "x.phc", state, stats=stats)
        assert result.diagnostics == analyze(text, "x.phc").diagnostics
        assert stats.no_reuse == "" and not stats.full_parse
        assert stats.rules_reused >= len(all_rules()) - len(prose_rules) - 3, n
        assert stats.rules_run == len(all_rules()) - stats.rules_reused
        kept = [c for c in new_state.findings if new_state.findings[c] is state.findings[c]]
        assert len(kept) == stats.rules_reused and not prose_rules & set(kept)
        assert sum(len(new_state.findings[c]) for c in kept) >= 15  # findings kept, not only empty lists
        state = new_state
    line_added = text.replace('slice C3 "', '\nslice C3 "', 1)
    statement_added = text.replace('slice C3 "', 'note "x"; slice C3 "', 1)
    for edited, why in (
        (line_added, "lines added or removed"),
        (statement_added, "a top-level statement added or removed"),
        (text.replace("  after C2\n", "  after C1\n", 1), "not only prose changed"),
    ):
        assert edited != text
        stats = incremental.Stats()
        result, _ = incremental.analyze(edited, "x.phc", state, stats=stats)
        assert result.diagnostics == analyze(edited, "x.phc").diagnostics
        assert stats.rules_reused == 0 and stats.no_reuse == why


ON_THE_LINE = """phase C "Small" {
  posture forward_only
}
team {
  max_active 2
  agent A1 "one"
}
slice C1 "First" {
  agent A1
}
slice C2 "Second" conditional {
  agent A1
  after C1
}
"""


def test_a_finding_on_the_edited_line_is_found_again(monkeypatch):
    """PC401 reports the `conditional` word after the title: typing in the title moves it.  The rule reads
    no prose, but its finding touches the changed line, so it runs again; kept, its column would be stale
    (checked: with the touch test disabled the diagnostics differ from the full analysis')."""
    text = ON_THE_LINE
    edited = text.replace('"Second"', '"Second slice"')
    assert {d.code for d in analyze(text, "x.phc").diagnostics} >= {"PC401"}
    full = analyze(edited, "x.phc").diagnostics
    _, state = incremental.analyze(text, "x.phc", None)
    stats = incremental.Stats()
    result, _ = incremental.analyze(edited, "x.phc", state, stats=stats)
    assert result.diagnostics == full
    assert stats.rules_reused > 0 and stats.no_reuse == ""
    pc401 = [d for d in full if d.code == "PC401"]
    assert pc401 and pc401[0].span.line == 11
    monkeypatch.setattr(incremental, "_touches", lambda d, lo, hi: False)
    result, _ = incremental.analyze(edited, "x.phc", state)
    assert result.diagnostics != full


def test_per_statement_values_follow_the_very_same_statements():
    """``StatementMemo.per_statement`` (PC805's and PC813's path mentions): a statement at the same
    position as in the last list, or anywhere in it once statements were added or removed, gives the
    value computed for that very object; a new object is computed, even in an old one's place."""
    from phasec.compiler.facts import StatementMemo

    class St:
        def __init__(self, name: str) -> None:
            self.name = name

    calls: list[str] = []

    def compute(st: St) -> list[str]:
        calls.append(st.name)
        return [st.name]

    a, b, c, d, e = (St(x) for x in "abcde")
    memo = StatementMemo()
    first = memo.per_statement([a, b, c], "k", compute)
    assert first == [["a"], ["b"], ["c"]] and calls == ["a", "b", "c"]
    memo.seal()
    calls.clear()
    memo = memo.next()
    second = memo.per_statement([a, d, c], "k", compute)  # an edit in place: d replaces b
    assert second == [["a"], ["d"], ["c"]] and calls == ["d"]
    assert second[0] is first[0] and second[2] is first[2]
    memo.seal()
    calls.clear()
    memo = memo.next()
    third = memo.per_statement([c, e, d, a], "k", compute)  # a statement added, the others moved
    assert third == [["c"], ["e"], ["d"], ["a"]] and calls == ["e"]
    assert third[0] is first[2] and third[2] is second[1]


def test_the_random_prose_edits_take_the_shortcut_and_equal_the_full_analysis():
    """The edit functions the random sequences draw from, applied one by one to the runbook with findings:
    the rewrites of strings and the typing on a finding's line give the full analysis' diagnostics, and
    most of them do keep rules (so the random test exercises the kept findings, not only the rerun)."""
    text = WITH_FINDINGS["phase-c-as-written.phc"]
    base = build_snapshot(URI, text, 0)
    kept = 0
    edits_ = [retitle(i / 10, how) for i in range(10) for how in ("same", "shorter", "longer")]
    edits_ += [at_finding(k, "x") for k in range(0, 27, 4)]
    for n, edit in enumerate(edits_, start=1):
        new = edit(text)
        snap = build_snapshot(URI, new, n, previous=base)
        assert snap.diagnostics == analyze(new, URI).diagnostics, edit.__name__
        kept += snap.stats.rules_reused > 0
    assert kept >= len(edits_) // 2
