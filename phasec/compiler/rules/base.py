"""What a rule is: a permanent code, a name, a family, a default severity,
documentation (the rule module's docstring) and a check function."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property

from phasec.compiler import ir
from phasec.compiler.diagnostics import Diagnostic, Fix, Related, Severity
from phasec.source import Span

FAMILIES = {
    "PC0": "syntax",
    "PC1": "schema",
    "PC2": "names",
    "PC3": "ordering",
    "PC4": "conditional",
    "PC5": "agents",
    "PC6": "ownership",
    "PC7": "gates-artifacts",
    "PC8": "names-paths",
    "PC9": "suppressions",
}


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    severity: Severity
    summary: str
    doc: str
    check: Callable[[RuleContext], Iterable[Diagnostic]]
    #: Whether the rule's findings may depend on prose: the IR fields of :data:`phasec.compiler.ir.PROSE`,
    #: or any text of the syntax tree beyond the IR (comments, strings read from ``ctx.doc``).  True (the
    #: default) is always safe.  False lets the language server keep the rule's findings of the previous
    #: version when an edit changed only prose (phasec/lsp/incremental.py, :class:`RuleReuse`);
    #: tests/test_rule_prose.py checks every False on real runbooks with their prose rewritten.
    reads_prose: bool = True

    @property
    def family(self) -> str:
        return FAMILIES.get(self.code[:3], "other")


class RuleContext:
    """What a rule sees: the IR, the syntax tree, and the graphs (built on first use)."""

    def __init__(self, rb: ir.Runbook, doc=None, rule: Rule | None = None):
        self.rb = rb
        self.doc = doc
        self.rule = rule
        #: the configuration (duck-typed; None: the defaults), for rules with settings (PC714 `require`)
        self.config = None

    @cached_property
    def facts(self):
        """The runbook's derived facts (gate expansion, slice order, who works on what), computed once
        (kept on the IR: ``facts(rb)``; held here too, as reading the IR's private attribute is slow)."""
        from phasec.compiler.facts import facts

        return facts(self.rb)

    @cached_property
    def memo(self):
        """The language server's memo of the document (:class:`phasec.compiler.facts.StatementMemo`), or None."""
        from phasec.compiler.facts import statement_memo

        return statement_memo(self.doc)

    def per_node(self, node, compute: Callable, env: object = None, name: str = ""):
        """``compute(node)``, reused across the language server's versions for the very same IR node.

        Only for what the running rule derives from ``node`` alone: its fields (as resolved:
        a node name resolution changes is a new object, phasec/lsp/incremental.py), the
        syntax-tree statement it was lowered from (the same object while the node is), the
        rule's code and severity, and ``env``: a token standing for whatever else it reads,
        the very same object while that is unchanged (:meth:`across_versions` gives one).
        Never the configuration.  Keyed by the rule's code and ``name``; without a memo
        (``phasec lint``) computed every time.
        """
        memo = self.memo
        if memo is None:
            return compute(node)
        assert self.rule is not None
        key = self.rule.code + name
        values = memo.values_of(node)
        hit = values.get(key)
        if hit is None or hit[0] is not env:
            hit = values[key] = (env, compute(node))
        return hit[1]

    def token(self, name: str, nodes: tuple, values) -> object:
        """An object that stays the very same across versions while ``nodes`` are the same objects
        and ``values`` are equal (:meth:`across_versions`): an ``env`` for :meth:`per_node`."""
        return self.across_versions(name, nodes, values, object)

    def across_versions(self, name: str, nodes: tuple, values, compute: Callable):
        """``compute()``, reused from an earlier version of the document (the language server's memo)
        when ``nodes`` are the very same IR nodes, in the same order, and ``values`` are equal.

        For what the running rule derives from those nodes alone (their fields, the syntax-tree
        statements they were lowered from, which are the same objects while the nodes are) and
        from ``values`` (plain, comparable data: ids, strings, tuples of them).  Nodes are compared
        by identity, never by value, and kept with the result, so an id cannot be reused.  Without
        a memo (``phasec lint``) computed every time.
        """
        memo = self.memo
        if memo is None:
            return compute()
        assert self.rule is not None
        key = (self.rule.code, name)
        last = memo.results.get(key)
        if (
            last is not None
            and len(last[0]) == len(nodes)
            and last[1] == values
            and all(a is b for a, b in zip(last[0], nodes, strict=True))
        ):
            return last[2]
        out = compute()
        memo.results[key] = (nodes, values, out)
        return out

    @cached_property
    def graph(self):
        from phasec.compiler.facts import statement_memo
        from phasec.compiler.graph import RunbookGraph

        return RunbookGraph(self.rb, statement_memo(self.doc))

    def diag(
        self,
        span: Span,
        message: str,
        *,
        help: str | None = None,
        related: list[tuple[Span, str]] | None = None,
        fix: Fix | None = None,
    ) -> Diagnostic:
        assert self.rule is not None
        return Diagnostic(
            code=self.rule.code,
            severity=self.rule.severity,
            message=message,
            span=span,
            help=help,
            related=[Related(span=s, message=m) for s, m in (related or [])],
            fix=fix,
        )


def rule(code: str, name: str, severity: str = "error", *, reads_prose: bool = True):
    """Decorator for a rule's check function; documentation is the module docstring.

    ``reads_prose=False`` declares that the rule's findings depend on no prose field
    (:data:`phasec.compiler.ir.PROSE`) and no text of the syntax tree beyond what the
    IR holds (:attr:`Rule.reads_prose`): the positions of values aside, the rule reads
    only the IR's structural fields and the configuration.
    """

    def wrap(fn: Callable[[RuleContext], Iterable[Diagnostic]]) -> Rule:
        import sys

        module = sys.modules[fn.__module__]
        doc = (module.__doc__ or "").strip()
        summary = doc.splitlines()[0] if doc else name
        return Rule(code, name, Severity(severity), summary, doc, fn, reads_prose)

    return wrap
