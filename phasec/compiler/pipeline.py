"""The pipeline as functions: parse -> lower -> check -> emit.

The CLI, the language server, the importer and the tests all call these.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from phasec.compiler.diagnostics import Diagnostic, DiagnosticBag, Severity
from phasec.compiler.ir import Runbook
from phasec.grammar.tree import Document


@dataclass
class Result:
    document: Document | None
    runbook: Runbook | None
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def has_errors(self) -> bool:
        return any(d.severity is Severity.ERROR for d in self.diagnostics)


def parse(text: str, path: str = "<input>") -> tuple[Document, list[Diagnostic]]:
    """Text -> syntax tree, with every syntax error found."""
    from phasec.compiler.schema import top_level_only
    from phasec.grammar.parser import parse as _parse

    return _parse(text, path, top_level=top_level_only())


def lower(doc: Document) -> tuple[Runbook, list[Diagnostic]]:
    """Syntax tree -> typed IR, checking every statement against the schema and resolving names."""
    from phasec.compiler.bind import bind
    from phasec.compiler.lower import lower as _lower
    from phasec.compiler.resolve import resolve

    bag = DiagnosticBag()
    bound = bind(doc.statements, bag, doc.source.span(0, 0))
    rb = _lower(bound, doc.source)
    resolve(rb, bag)
    return rb, bag.sorted()


def check(rb: Runbook, doc: Document | None = None, config=None) -> list[Diagnostic]:
    """Run the lint rules over the IR (see phasec.compiler.rules)."""
    from phasec.compiler.rules import run_rules

    return run_rules(rb, doc, config)


def analyze(text: str, path: str = "<input>", *, rules: bool = True, config=None) -> Result:
    """The whole front end: parse, lower, resolve and (optionally) lint."""
    import gc

    # The pipeline allocates many small, acyclic objects; the cycle collector
    # would spend up to half the time scanning them.  Reference counting still
    # frees everything; cycles (if any) are collected once we are done.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _analyze(text, path, rules=rules, config=config)
    finally:
        if was_enabled:
            gc.enable()


def _analyze(text: str, path: str, *, rules: bool, config) -> Result:
    doc, diags = parse(text, path)
    rb, more = lower(doc)
    diags = diags + more
    if rules and not any(d.severity is Severity.ERROR for d in diags):
        from phasec.compiler.suppress import apply_suppressions

        diags = diags + apply_suppressions(doc, check(rb, doc, config), config)
    diags.sort(key=Diagnostic.sort_key)
    return Result(doc, rb, diags)
