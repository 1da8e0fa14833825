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


def parse(text: str, path: str = "<input>", *, compact: bool = False) -> tuple[Document, list[Diagnostic]]:
    """Text -> syntax tree, with every syntax error found.

    Parsed one top-level block at a time (phasec/grammar/blocks.py), so that Lark's
    syntax tree of one block at most is alive; a file with a syntax error is parsed
    as a whole, by the recovering parser.  ``compact``: a file without one comes as a
    :class:`phasec.grammar.compact.CompactDocument` (the same statements, rebuilt on
    demand from a flat array; the full tree of a few blocks at most is ever alive).
    """
    from phasec.compiler.schema import top_level_only
    from phasec.grammar.blocks import parse_blocks, parse_compact

    if compact:
        return parse_compact(text, path, top_level=top_level_only())
    doc, diags, _ = parse_blocks(text, path, top_level=top_level_only())
    return doc, diags


def lower(doc: Document, *, binder=None, reuse=None) -> tuple[Runbook, list[Diagnostic]]:
    """Syntax tree -> typed IR, checking every statement against the schema and resolving names.

    ``binder``: a :class:`phasec.compiler.bind.Binder` factory (called with the
    diagnostic bag); the language server passes one that reuses the binding of
    top-level statements it has bound before (phasec/lsp/incremental.py), and
    ``reuse`` (see :func:`phasec.compiler.lower.lower`) to reuse their lowering.
    Without them, slices and gates (the bulk of a runbook) are lowered as soon as
    they are bound, one at a time (:func:`_lowering_binder`), so that the bound
    form of one of them at most is alive.
    """
    from phasec.compiler.bind import Binder
    from phasec.compiler.lower import lower as _lower
    from phasec.compiler.resolve import resolve

    bag = DiagnosticBag()
    # The server's ``reuse`` shares the sets of the nodes it lowers itself, and skips the ones it reuses.
    sets = getattr(reuse, "fields_sets", None) or FieldsSets()
    if binder is None and reuse is None:
        binder, reuse = _lowering_binder(sets)
    bound = (binder or Binder)(bag).bind_block(doc.statements, "file", doc.source.span(0, 0))
    rb = _lower(bound, doc.source, reuse)
    del bound
    sets(rb)
    resolve(rb, bag, getattr(reuse, "across", None))
    return rb, bag.sorted()


class FieldsSets:
    """Gives the IR nodes of one class that were built with the same fields one fields-set.

    Pydantic keeps, per model instance, the set of the fields given at construction
    (``model_fields_set``): a set of its own per node, about 420 bytes on average, half
    of the IR's memory (docs/performance.md, *Memory*).  Nothing in phasec reads it
    (no ``exclude_unset``); equality and serialisation ignore it.  After this, the
    nodes of a class built with the same fields hold one set object.  A field assigned
    later (name resolution writes a slice's stage) adds its name to that shared set,
    so ``model_fields_set`` may name a field that a node left at its default: only an
    ``exclude_unset`` dump would see that.

    The same walk replaces every empty list field by the one shared :data:`phasec.compiler.ir.EMPTY`
    (56 bytes each, about 230,000 of them on 10,000 slices), which refuses to change.
    """

    def __init__(self) -> None:
        self.shared: dict[tuple, set] = {}
        self.done: set[int] = set()  # ids of the top-level nodes already walked (kept alive by the IR)

    def __call__(self, root, *, top: bool = False) -> None:
        """Share the sets of ``root`` and the nodes under it (``top``: remember it as done)."""
        from pydantic import BaseModel

        from phasec.compiler.ir import EMPTY

        shared = self.shared
        done = self.done
        setattr_ = object.__setattr__
        seen: set[int] = set()
        stack: list = [root]
        while stack:
            node = stack.pop()
            if isinstance(node, list):
                stack.extend(node)
                continue
            if not isinstance(node, BaseModel) or id(node) in seen or id(node) in done:
                continue
            seen.add(id(node))
            fs = node.__pydantic_fields_set__
            one = shared.setdefault((node.__class__, frozenset(fs)), fs)
            if one is not fs:
                setattr_(node, "__pydantic_fields_set__", one)
            d = node.__dict__
            for name, v in d.items():
                if v.__class__ is list:
                    if not v:
                        d[name] = EMPTY  # same key: the dict does not change size while iterated
                    elif len(v) > 16 and done:
                        # a runbook's slices or gates: those already walked left out at C speed
                        rest = set(map(id, v)) - done
                        if len(rest) == len(v):
                            stack.extend(v)
                        elif rest:
                            stack.extend(x for x in v if id(x) in rest)
                    else:
                        stack.extend(v)
                elif isinstance(v, BaseModel):
                    stack.append(v)
        if top:
            self.done.add(id(root))


def _lowering_binder(sets: FieldsSets):
    """(binder factory, ``reuse``): a binder that lowers each top-level slice and gate right after
    binding it, and the ``reuse`` that hands :func:`phasec.compiler.lower.lower` those nodes.

    Lowering a slice or a gate depends on nothing but its bound statement (the language
    server's ``LoweringCache`` relies on that too), so the IR is the same; what changes
    is that the binder keeps a bare ``Bound`` (statement and signature, no values or
    children) in place of each, instead of the whole bound tree until lowering; each
    node's fields-sets are shared (:class:`FieldsSets`) as soon as it is built.
    """
    from phasec.compiler.bind import Binder, Bound
    from phasec.compiler.lower import _lower_gate, _lower_slice
    from phasec.grammar.tree import Statement

    early = {"slice": _lower_slice, "gate": _lower_gate}
    nodes: dict[int, tuple] = {}

    class LoweringBinder(Binder):
        depth = 0

        def bind_stmt(self, st, spec):
            if self.depth:
                return super().bind_stmt(st, spec)
            self.depth += 1
            try:
                b = super().bind_stmt(st, spec)
            finally:
                self.depth -= 1
            fn = early.get(st.keyword)
            if b is None or fn is None:
                return b
            # The bare Bound holds a statement without values or block (lower() reads a slice's
            # or gate's keyword only, then takes the node from `reuse`), so that the statement
            # itself may go: from a compact document it was rebuilt for binding alone.
            stub = Statement.__new__(Statement)
            stub.keyword, stub._kw, stub.values, stub.block, stub.span, stub.block_span = (
                st.keyword,
                None,
                [],
                None,
                st.span,
                None,
            )
            bare = Bound(stub, b.spec)
            node = fn(b)
            sets(node, top=True)  # the node's own sets are freed now, for the next node to reuse
            nodes[id(bare)] = (bare, node)
            return bare

    def reuse(b, lower_fn):
        hit = nodes.pop(id(b), None)
        return lower_fn(b) if hit is None or hit[0] is not b else hit[1]

    return LoweringBinder, reuse


def check(rb: Runbook, doc: Document | None = None, config=None, reuse=None) -> list[Diagnostic]:
    """Run the lint rules over the IR (see phasec.compiler.rules); ``reuse``: the language server's
    findings kept across versions (``run_rules``)."""
    from phasec.compiler.rules import run_rules

    return run_rules(rb, doc, config, reuse) if reuse is not None else run_rules(rb, doc, config)


#: The checks the emitters rely on.  ``analyze(..., compiling=True)`` runs them whatever the
#: configuration (`select`, `ignore`, severities) or the suppression comments say, and always
#: as errors, so that compile writes correct outputs or nothing:
#: PC301 dependency (and branch) cycles — the slice order, CI `needs:` and the branch stack;
#: PC703 gate composition cycles — every gate expansion;
#: PC806 output names that leave the output folder — the files written;
#: PC815 two agent protocol files on one path — the agent files written.
#: (Unknown references and duplicate ids, PC2xx, are front-end errors and cannot be disabled.)
COMPILE_REQUIRED = ("PC301", "PC703", "PC806", "PC815")


def compile_checks(
    rb: Runbook, doc: Document | None, found: list[Diagnostic], required: list[Diagnostic] | None = None
) -> list[Diagnostic]:
    """``found`` plus the :data:`COMPILE_REQUIRED` findings it lacks as errors.

    A required finding already reported as an error is kept as it is; one that the
    configuration disabled, re-graded or a comment suppressed is reported as an error.
    ``required``: the required rules' findings when the caller has them already.
    """
    if required is None:
        from phasec.compiler.config import Config
        from phasec.compiler.rules import run_rules

        required = run_rules(rb, doc, Config(select=list(COMPILE_REQUIRED)))
    required = [d for d in required if d.code in COMPILE_REQUIRED]

    def key(d: Diagnostic) -> tuple:
        return (d.code, d.span.file, d.span.line, d.span.column, d.message)

    errors = {key(d) for d in found if d.severity is Severity.ERROR}
    forced = {key(d) for d in required if key(d) not in errors}
    out = [d for d in found if key(d) not in forced]
    for d in required:
        if key(d) in forced:
            note = f"compile always checks {d.code}: configuration and suppressions do not turn it off"
            help_ = f"{d.help}; {note}" if d.help else note
            out.append(d.model_copy(update={"severity": Severity.ERROR, "help": help_}))
    return out


#: From this many characters on, :func:`analyze` keeps the syntax tree compact for the
#: rules (:mod:`phasec.grammar.compact`).  The compact form is what keeps a very large
#: runbook within the memory budget, and it costs CPU (statements are rebuilt when rules
#: look them up: about 20% of the analysis of the Phase C example, 912 lines, 45 KB), so
#: a runbook of ordinary size keeps its tree as parsed (docs/performance.md, *Memory*).
#: The corpus's runbooks and the examples are 5-50 KB; the benchmarks' 1,000- and 10,000-slice runbooks
#: (1.5 and 15 MB) are both above the limit, so their growth compares like with like.
COMPACT_FROM = 1_000_000


def analyze(
    text: str,
    path: str = "<input>",
    *,
    rules: bool = True,
    config=None,
    compiling: bool = False,
    compact: bool | None = None,
) -> Result:
    """The whole front end: parse, lower, resolve and (optionally) lint.

    ``compiling``: also run the checks compile needs (:data:`COMPILE_REQUIRED`) as errors,
    whatever ``config`` and the suppressions say.  ``compact``: keep the syntax tree
    compact once lowered; by default, for a text of :data:`COMPACT_FROM` characters or more.

    Leaves the garbage collector alone: this is library code, called from other
    threads (the language server) and other programs.  The ``phasec`` command,
    whose process is its own, tunes the collector in its entry point instead.
    """
    if compact is None:
        compact = len(text) >= COMPACT_FROM
    parsed = list(parse(text, path, compact=compact))  # [document, diagnostics]: handed over, not kept here
    return _analyze(parsed, rules=rules, config=config, compiling=compiling, compact=compact)


def analyze_document(
    doc: Document,
    diags: list[Diagnostic],
    *,
    rules: bool = True,
    config=None,
    compiling: bool = False,
    binder=None,
    reuse=None,
    rule_reuse=None,
) -> Result:
    """:func:`analyze` from a syntax tree already parsed (``diags``: the parser's diagnostics).

    The language server parses incrementally and calls this; ``binder`` and ``reuse`` as in :func:`lower`,
    ``rule_reuse`` as in :func:`check` (lint only, not when compiling).
    The document is kept as it is (the server reads its statements between versions).
    """
    return _analyze(
        [doc, diags],
        rules=rules,
        config=config,
        compiling=compiling,
        binder=binder,
        reuse=reuse,
        rule_reuse=rule_reuse,
        compact=False,
    )


def _analyze(
    parsed: list, *, rules: bool, config, compiling: bool, binder=None, reuse=None, rule_reuse=None, compact: bool
) -> Result:
    """:func:`analyze_document` of ``parsed`` ([document, parser diagnostics], emptied here).

    ``compact``: once lowered, a document the parser built without a diagnostic is kept
    in compact form for the rules (:mod:`phasec.grammar.compact`: the same lookups,
    statements rebuilt on demand) and the full tree is freed, when no one else holds
    it (``parsed`` is emptied for that; docs/performance.md, *Memory*).
    """
    doc, diags = parsed
    parsed.clear()
    rb, more = lower(doc, binder=binder, reuse=reuse)
    clean = not diags
    diags = diags + more
    if (rules or compiling) and not any(d.severity is Severity.ERROR for d in diags):
        if compact and clean:
            from phasec.grammar.compact import compact as _compact

            doc = _compact(doc)
        from phasec.compiler.suppress import apply_suppressions

        if compiling:
            # One run of every rule: the findings the configuration keeps are the lint's
            # (as run_rules would select and re-grade them); the required ones are kept apart.
            from phasec.compiler.config import Config

            cfg = config or Config()
            raw = check(rb, doc, Config(require=cfg.require))  # every rule, with the rules' own settings
            if rules:
                lint = [cfg.regrade(d) for d in raw if cfg.enabled(d.code)]
                diags = diags + apply_suppressions(doc, lint, config)
            diags = compile_checks(rb, doc, diags, raw)
        elif rules:
            diags = diags + apply_suppressions(doc, check(rb, doc, config, rule_reuse), config)
    diags.sort(key=Diagnostic.sort_key)
    return Result(doc, rb, diags)
