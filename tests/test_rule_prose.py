"""Every rule declared ``reads_prose=False`` finds the same with the prose rewritten.

The language server keeps such a rule's findings of the previous version when an edit
changed only prose (``phasec.compiler.ir.PROSE``; phasec/lsp/incremental.py, ``RuleReuse``).
The declaration is checked here on real input: in every example, as-written corpus runbook
and rule fixture, the strings the server would count as prose (those lowered only into
prose fields, or into no IR field at all) and the comments are rewritten in the text, all
at once -- with text of the same length, longer text and shorter text, the new text full
of what rules look for (paths, placeholders, ids, table cells, keywords) -- and each such
rule's findings (code, severity, message, help, related messages, fix) must be unchanged,
their positions too except on the lines that changed.  Rewriting the text (not the IR)
covers the rules that read the syntax tree (``ctx.doc``).

``test_a_rule_wrongly_declared_is_caught`` shows the check fails for a rule that reads prose
but says it does not.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest
from pydantic import BaseModel

from phasec.compiler import ir
from phasec.compiler.diagnostics import Severity
from phasec.compiler.pipeline import analyze
from phasec.compiler.rules import all_rules, get_rule, run_rules
from phasec.compiler.rules.base import Rule
from phasec.lsp.incremental import ir_changes

ROOT = Path(__file__).resolve().parent.parent
RUNBOOKS = (
    sorted((ROOT / "examples").glob("*.phc"))
    + sorted((ROOT / "tests" / "corpus").glob("*.phc"))
    + sorted((ROOT / "tests" / "fixtures" / "rules").glob("*.phc"))
)
PATH = "prose.phc"

#: What a rewritten prose value says: what rules look for in text (machine paths, placeholders,
#: slice and gate ids, table cells, backquoted paths, keywords of the prose-reading rules).
NOISE = "see /home/me/TODO.md C1 `src/x.ts` | merge | conflict skill <N> TBD ~/a C2 quick "


class _Record:
    """``reuse`` for run_rules that keeps nothing and records each rule's findings."""

    def __init__(self) -> None:
        self.found: dict = {}

    def keep(self, rb) -> dict:
        return {}


def _findings(text: str):
    """(runbook, {rule code: findings}) of every rule, or None when the front end reports an error."""
    res = analyze(text, PATH, rules=False)
    if res.runbook is None or any(d.severity is Severity.ERROR for d in res.diagnostics):
        return None
    rec = _Record()
    run_rules(res.runbook, res.document, None, rec)
    return res.runbook, rec.found


def _strings(text: str) -> list[tuple[int, int, int]]:
    """(start, end, first line) of the content of every string value and comment of ``text``."""
    res = analyze(text, PATH, rules=False)
    starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def offset(line: int, column: int) -> int:
        return starts[line - 1] + column - 1

    out = []
    for st in res.document.walk():
        for v in st.values:
            if v.kind != "string":
                continue
            q = 3 if v.long else 1
            start = offset(v.span.line, v.span.column) + q
            end = offset(v.span.end_line, v.span.end_column) - q
            if end > start and "\\" not in text[start:end]:
                out.append((start, end, v.span.line))
    for c in res.document.comments:
        start = offset(c.span.line, c.span.column)
        end = offset(c.span.end_line, c.span.end_column)
        if "phasec" not in c.text and end > start + 1:  # suppression comments stay
            out.append((start + 1, end, c.span.line))
    return sorted(out)


def _replace(text: str, spans, make) -> str:
    """``text`` with the content of each span replaced by ``make(content, k)`` (same line ends kept)."""
    out, last = [], 0
    for k, (start, end, _) in enumerate(sorted(spans)):
        out.append(text[last:start])
        out.append("\n".join(make(part, k) if part.strip() else part for part in text[start:end].split("\n")))
        last = end
    out.append(text[last:])
    return "".join(out)


def _marker(k: int) -> str:
    return f"Qz{k:05d}zQ"


_MARKER = re.compile(r"Qz(\d{5})zQ")


def _fields_of(rb) -> dict[int, set]:
    """Marker number -> the (class, field) of the IR holding it."""
    where: dict[int, set] = {}
    stack: list = [rb]
    while stack:
        node = stack.pop()
        for name, v in node.__dict__.items():
            for x in v if isinstance(v, list) else [v]:
                if isinstance(x, BaseModel):
                    stack.append(x)
                elif isinstance(x, str):
                    for m in _MARKER.finditer(x):
                        where.setdefault(int(m.group(1)), set()).add((node.__class__, name))
    return where


def _only_prose(base_rb, text: str) -> bool:
    res = analyze(text, PATH, rules=False)
    if res.runbook is None or any(d.severity is Severity.ERROR for d in res.diagnostics):
        return False
    changes: set = set()
    ir_changes(base_rb, res.runbook, changes)
    return changes <= ir.PROSE


@cache
def prose_spans(path: Path) -> tuple | None:
    """The strings and comments of a runbook whose rewriting the server counts as a prose edit."""
    text = path.read_text(encoding="utf-8")
    base = analyze(text, PATH, rules=False)
    if base.runbook is None or any(d.severity is Severity.ERROR for d in base.diagnostics):
        return None
    spans = _strings(text)
    marked = analyze(_replace(text, spans, lambda part, k: _marker(k)), PATH, rules=False)
    where = _fields_of(marked.runbook) if marked.runbook is not None else {}
    cands = [sp for i, sp in enumerate(spans) if where.get(i, set()) <= ir.PROSE]
    # a value lowering transforms beyond recognition (its marker lost) may be structure: keep the
    # candidates whose rewriting changes only prose fields, halving the groups that do not
    kept: list = []
    todo = [cands]
    while todo:
        group = todo.pop()
        if not group:
            continue
        if _only_prose(base.runbook, _replace(text, group, _same_length)):
            kept.extend(group)
        elif len(group) > 1:
            todo += [group[: len(group) // 2], group[len(group) // 2 :]]
    return tuple(sorted(kept))


def _same_length(part: str, k: int) -> str:
    """Another text of the same length (leading spaces kept: a long string's indentation)."""
    body = part.lstrip(" ")
    pad = part[: len(part) - len(body)]
    noise = (NOISE * (len(body) // len(NOISE) + 2))[k % len(NOISE) :]
    new = noise[: len(body)]
    if new == body:
        new = "x" * len(body)
    return pad + new


def _longer(part: str, k: int) -> str:
    return part + " " + NOISE.strip()


def _shorter(part: str, k: int) -> str:
    body = part.lstrip(" ")
    return part[: len(part) - len(body)] + (body[: max(1, len(body) // 3)].rstrip() or "x")


VARIANTS = {"same length": _same_length, "longer": _longer, "shorter": _shorter}


def _lines(spans, text: str) -> set[int]:
    out: set[int] = set()
    for start, end, line in spans:
        out.update(range(line, line + text.count("\n", start, end) + 1))
    return out


def _pos(span, lines: set[int]):
    """A span, or "changed line" when it touches one of ``lines``."""
    if any(n in lines for n in range(span.line, span.end_line + 1)):
        return "changed line"
    return (span.line, span.column, span.end_line, span.end_column)


def _shape(d, lines: set[int]) -> tuple:
    fix = None
    if d.fix is not None:
        fix = (d.fix.description, d.fix.safe, [(_pos(e.span, lines), e.replacement) for e in d.fix.edits])
    return (
        d.code,
        d.severity,
        d.message,
        d.help,
        _pos(d.span, lines),
        [(_pos(r.span, lines), r.message) for r in d.related],
        fix,
    )


def violations(path: Path, rules) -> list[str]:
    """The ``reads_prose=False`` rules among ``rules`` whose findings on ``path`` change with its prose."""
    spans = prose_spans(path)
    if not spans:
        return []
    text = path.read_text(encoding="utf-8")
    got = _findings(text)
    assert got is not None
    _, before = got
    out = []
    for name, make in VARIANTS.items():
        new = _replace(text, spans, make)
        assert new.count("\n") == text.count("\n")
        got = _findings(new)
        assert got is not None, (path.name, name)
        after = got[1]
        lines = _lines(spans, text)  # the same lines in both: every line end is kept
        for r in rules:
            if r.reads_prose:
                continue
            a = [_shape(d, lines) for d in before.get(r.code, [])]
            b = [_shape(d, lines) for d in after.get(r.code, [])]
            if a != b:
                out.append(f"{r.code} ({name}): {a} != {b}")
    return out


@pytest.mark.parametrize("path", RUNBOOKS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_rules_declared_not_to_read_prose_find_the_same_with_other_prose(path):
    assert violations(path, all_rules()) == []


def test_the_check_rewrites_prose_and_only_prose():
    """The runbooks' prose is found (titles, notes, objectives...), and rewriting it changes no structure."""
    path = ROOT / "examples" / "phase-c.phc"
    spans = prose_spans(path)
    text = path.read_text(encoding="utf-8")
    assert len(spans) > 100
    rb = analyze(text, PATH, rules=False).runbook
    titles = {f'"{s.title}"' for s in rb.slices}
    found = {f'"{text[s:e]}"' for s, e, _ in spans}
    assert titles <= found
    assert f'"{rb.slices[0].files[0].path}"' not in found  # a path is structure
    for make in VARIANTS.values():
        new = _replace(text, spans, make)
        changes: set = set()
        ir_changes(rb, analyze(new, PATH, rules=False).runbook, changes)
        assert changes and changes <= ir.PROSE


def test_a_rule_wrongly_declared_is_caught():
    """PC805 (machine-specific paths, in prose too) and PC712 placeholder values declared as not
    reading prose: the check reports them."""
    wrong = []
    for code in ("PC805", "PC609"):
        r = get_rule(code)
        assert r is not None and r.reads_prose
        wrong.append(Rule(r.code, r.name, r.severity, r.summary, r.doc, r.check, reads_prose=False))
    found = violations(ROOT / "examples" / "phase-c.phc", wrong) + violations(
        ROOT / "tests" / "fixtures" / "rules" / "PC609_lanes_append_ledger.phc", wrong
    )
    assert any(v.startswith("PC805") for v in found)
    assert any(v.startswith("PC609") for v in found)


OBJECTIVE = """phase C "Objective" {
  posture forward_only
}
protocol {
  artifact plan "AGENT_<OBJECTIVE>_PLAN.md"
}
outputs runtime "docs/_phase-c-runtime-pass" {
  artifact C1_REPORT "C1_REPORT.md"
}
team {
  max_active 2
  agent I1 "Runtime owner"
  agent I2 "Runtime owner"
}
"""


def test_text_a_structural_rule_reads_is_not_prose(tmp_path, monkeypatch):
    """An agent's responsibility names its protocol files when a template asks for ``<OBJECTIVE>``: two
    agents with the same one collide (PC815).  So it is not prose; were it marked so, the check would
    report PC815."""
    path = tmp_path / "objective.phc"
    path.write_text(OBJECTIVE, encoding="utf-8")
    assert "PC815" in {d.code for d in analyze(OBJECTIVE, PATH).diagnostics}
    assert (ir.Agent, "responsibility") not in ir.PROSE
    assert violations(path, all_rules()) == []
    prose_spans.cache_clear()
    monkeypatch.setattr(ir, "PROSE", ir.PROSE | {(ir.Agent, "responsibility")})
    found = violations(path, all_rules())
    assert found and all(v.startswith("PC815") for v in found)
