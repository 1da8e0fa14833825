"""Paths mentioned inside strings: commands and prose (helpers for PC805, PC813, PC814).

The IR keeps commands and prose as text.  These helpers walk the syntax tree
(every statement with the keywords of the blocks around it), split each
string value into words and yield the path-like ones with a span of their
own, so that a diagnostic points at the path inside the string.  Not a rule
module (the name does not match ``pcNNN_*``), so the registry skips it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from phasec.source import Span

if TYPE_CHECKING:
    from phasec.grammar.tree import Statement

#: Words of a string: split at white space, quotes, backticks, brackets and shell punctuation.
_WORD = re.compile(r"[^\s'\"`;&|<>(),\[\]{}]+")
_EXT = re.compile(r"\.[A-Za-z][A-Za-z0-9]{0,7}$")

#: Statement keywords whose string values are shell commands, per enclosing block keyword (None: top level).
COMMANDS = {
    ("gate", "run"),
    ("procedure", "step"),
    ("orchestrator", "check"),
    ("repo", "sync"),
    ("repo", "submit"),
    ("slice", "gate"),
}


#: Statements whose paths are structured (checked from the IR) or outside the repository by nature,
#: and blocks about documents outside the repository or records of what happened: not walked.
SKIP_KEYWORDS = frozenset({"file", "doc", "equivalent", "branch", "root", "create", "outputs", "artifact", "manifest"})
SKIP_BLOCKS = frozenset({"grounding", "introspect", "agent", "ledger"})


@dataclass
class Mention:
    path: str  # the word as written (trailing punctuation removed)
    value: object  # the string value it is in
    keyword: str  # the statement's keyword
    parents: tuple[str, ...]  # the keywords of the enclosing blocks, outermost first
    command: bool  # the string is a shell command

    @property
    def span(self) -> Span:
        """The word's own span (the string's span when it cannot be placed); built on demand."""
        sp = self.__dict__.get("_span")
        if sp is None:
            sp = self.__dict__["_span"] = _sub_span(self.value, self.path)
        return sp


def is_command(keyword: str, parents: tuple[str, ...], index: int, values) -> bool:
    parent = parents[-1] if parents else None
    if (parent, keyword) in COMMANDS:
        if keyword == "step":  # `step "text" run "command"`: only the value after `run`
            return index > 0 and values[index - 1].kind == "name" and values[index - 1].value == "run"
        return True
    # `gate ID "command"`: the one-command shorthand.
    return parent is None and keyword == "gate" and index == 1


def _sub_span(value, word: str) -> Span:
    sp = value.span
    if sp.line != sp.end_line or value.long:
        return sp
    k = value.text.find(word)
    if k < 0:
        return sp
    return Span(
        file=sp.file, line=sp.line, column=sp.column + k, end_line=sp.line, end_column=sp.column + k + len(word)
    )


def looks_like_path(word: str) -> bool:
    if "://" in word or word.startswith(("-", "@")):
        return False
    return "/" in word or bool(_EXT.search(word))


def mentions(doc) -> list[Mention]:
    """Every path-like word in a string value of the document, with its context (computed once per document).

    Statements in :data:`SKIP_KEYWORDS` and blocks in :data:`SKIP_BLOCKS` are not walked.  The words of
    a top-level statement depend on that statement alone: with a statement memo (the language server's,
    :class:`phasec.compiler.facts.StatementMemo`) an unchanged statement's are those of the previous version."""
    if doc is None:
        return []
    cached = doc.__dict__.get("_path_mentions")
    if cached is not None:
        return cached
    from phasec.compiler.facts import statement_memo

    memo = statement_memo(doc)
    out: list[Mention] = []
    if memo is not None:
        for found in memo.per_statement(doc.statements, "path_mentions", _statement_mentions):
            out.extend(found)
    else:
        for st in doc.statements:
            out.extend(_statement_mentions(st))
    doc.__dict__["_path_mentions"] = out
    return out


def _statement_mentions(top: Statement) -> list[Mention]:
    """:func:`mentions` of one top-level statement."""
    out: list[Mention] = []
    stack: list[tuple[Statement, tuple[str, ...]]] = [(top, ())]
    while stack:
        st, parents = stack.pop()
        if st.keyword in SKIP_KEYWORDS or st.keyword in SKIP_BLOCKS:
            continue
        for i, v in enumerate(st.values):
            if v.kind != "string" or ("/" not in v.value and "." not in v.value):
                continue
            cmd = is_command(st.keyword, parents, i, st.values)
            for m in _WORD.finditer(v.value):
                word = m.group(0).rstrip(".:")
                if looks_like_path(word):
                    out.append(Mention(word, v, st.keyword, parents, cmd))
        if st.block:
            inner = parents + (st.keyword,)
            stack.extend((kid, inner) for kid in reversed(st.block))
    return out
