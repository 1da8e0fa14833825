"""Statements as data, rendered as `.phc` text (then laid out by the formatter)."""

from __future__ import annotations

import re
from collections.abc import Container
from dataclasses import dataclass, field

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]*(\.[A-Za-z0-9_\-]+)*$")
_NUMBER = re.compile(r"^[0-9][A-Za-z0-9_.\-]*$")


def s(text: str) -> str:
    """A string value."""
    from phasec.format import render_string

    return render_string(text)


def is_name(text: str) -> bool:
    return bool(_NAME.match(text))


def is_id(text: str) -> bool:
    return bool(_NAME.match(text) or _NUMBER.match(text))


def free_id(base: str, used: Container[str]) -> str:
    """``base``, or ``base_2``, ``base_3``... : the first not in ``used``."""
    name, k = base, 2
    while name in used:
        name, k = f"{base}_{k}", k + 1
    return name


def ident(text: str, lower: bool = True, prefix: str = "x") -> str:
    """A name made from free text: `Planning pass root` -> `planning_pass_root`."""
    t = re.sub(r"[^A-Za-z0-9_\-]+", "_", text.strip())
    t = re.sub(r"_+", "_", t).strip("_-")
    if lower:
        t = t.lower()
    if not t:
        t = prefix
    if not re.match(r"[A-Za-z_]", t):
        t = f"{prefix}_{t}"
    return t[:60].rstrip("_-")


@dataclass
class Stmt:
    kw: str
    args: list[str] = field(default_factory=list)
    body: list[Stmt] | None = None
    comments: list[str] = field(default_factory=list)

    def add(self, st: Stmt) -> Stmt:
        if self.body is None:
            self.body = []
        self.body.append(st)
        return st


def _comment(text: str) -> str:
    return "# " + " ".join(text.split())


def render(stmts: list[Stmt], indent: str = "") -> list[str]:
    out: list[str] = []
    for st in stmts:
        for c in st.comments:
            out.append(indent + _comment(c))
        if st.kw == "__comment__":
            continue
        head = indent + " ".join([st.kw, *st.args])
        if st.body is not None:
            out.append(head + " {")
            out.extend(render(st.body, indent + "  "))
            out.append(indent + "}")
        else:
            out.append(head)
    return out


def render_file(header: list[str], sections: list[tuple[str, list[Stmt]]]) -> str:
    lines = [_comment(h) if h else "#" for h in header]
    for title, stmts in sections:
        if not stmts:
            continue
        lines.append("")
        lines.append(f"# --- {title} ---")
        lines.append("")
        lines.extend(render(sanitise(stmts)))
    return "\n".join(lines) + "\n"


_TEXTUAL = {
    "rule",
    "summary",
    "scope",
    "out_of_scope",
    "entry",
    "order",
    "on",
    "require",
    "duty",
    "source",
    "charter",
    "guard",
    "accept",
    "implement",
    "triggered",
    "not_triggered",
    "always",
    "prereq",
    "close",
    "reuse",
    "compact",
    "fresh",
    "note",
    "item",
    "step",
}


def sanitise(stmts: list[Stmt], ctx: str = "file") -> list[Stmt]:
    """Make every statement legal where it stands, using the language's schema: a keyword the
    context does not allow becomes a `note` (or a comment where no note is allowed either), a
    block a statement cannot have is flattened into sibling statements, a statement that may
    appear once and appears again becomes a note.  Nothing is dropped."""
    from phasec.compiler.schema import CONTEXTS

    allowed = CONTEXTS[ctx].statements
    out: list[Stmt] = []
    seen: set[str] = set()
    for st in stmts:
        spec = allowed.get(st.kw)
        if spec is None or (not spec.many and st.kw in seen):
            text = _first_string(st)
            if "note" in allowed:
                st = Stmt(
                    "note",
                    [text],
                    body=st.body,
                    comments=st.comments
                    + ([f"`{st.kw}` is not allowed here"] if spec is None else [f"a second `{st.kw}`"]),
                )
                spec = allowed["note"]
            else:
                _as_comments(out, st)
                continue
        seen.add(st.kw)
        if st.body is not None and spec.block is None:
            children = st.body
            st = Stmt(st.kw, st.args, None, st.comments)
            out.append(st)
            flat_kw = st.kw if st.kw in _TEXTUAL else ("note" if "note" in allowed else None)
            for c in _flatten(children):
                if flat_kw is None or (not allowed[flat_kw].many and flat_kw in seen):
                    _as_comments(out, c)
                else:
                    out.append(Stmt(flat_kw, [_first_string(c)], comments=c.comments))
            continue
        if st.body is not None and spec.block is not None:
            st = Stmt(st.kw, st.args, sanitise(st.body, spec.block), st.comments)
        elif st.body is None and spec.block_required:
            st = Stmt(st.kw, st.args, [], st.comments)
        out.append(st)
    return out


def _first_string(st: Stmt) -> str:
    strings = [a for a in st.args if a.startswith('"')]
    return strings[0] if strings else s(" ".join([st.kw, *st.args]))


def _flatten(stmts: list[Stmt]) -> list[Stmt]:
    out: list[Stmt] = []
    for st in stmts:
        out.append(Stmt(st.kw, st.args, None, st.comments))
        if st.body:
            out.extend(_flatten(st.body))
    return out


def _as_comments(out: list[Stmt], st: Stmt) -> None:
    """Where no statement can hold the text: keep it as a comment on the next statement."""
    lines = [f"not allowed here, kept as a comment: {st.kw} {' '.join(st.args)}"]
    for c in _flatten(st.body or []):
        lines.append(f"  {c.kw} {' '.join(c.args)}")
    out.append(Stmt("__comment__", [], None, st.comments + lines))
