"""Lint rules: one module per rule (``pcNNN_<name>.py``), one permanent code each.

A rule module's docstring is its documentation (what it does / why it matters /
example); ``phasec explain CODE`` prints it and docs/rules.md is generated from
it.  Rules run in code order.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from functools import lru_cache

from phasec.compiler.rules.base import Rule, RuleContext

_MODULE = re.compile(r"^pc\d{3}_[a-z0-9_]+$")

#: Codes reported by the front end (parser, schema checking, name resolution).
FRONT_END = {
    "PC000": ("internal-error", "error", "phasec failed while checking this file (a bug in phasec)."),
    "PC001": ("syntax-error", "error", "The text does not follow the statement syntax `keyword value... [{ ... }]`."),
    "PC002": (
        "unterminated-string",
        "error",
        "A string is not closed on its line (or a multi-line string is never closed).",
    ),
    "PC003": ("invalid-character", "error", "A character that cannot start any value."),
    "PC004": ("unclosed-block", "error", "A `{` is never closed."),
    "PC005": ("unmatched-brace", "error", "A `}` closes no block."),
    "PC006": ("invalid-escape", "error", 'A backslash escape other than \\" \\\\ \\n \\t in a string.'),
    "PC007": (
        "unreadable-file",
        "error",
        "A path that cannot be read: missing, a folder, no permission (the other files are still checked; exit 2).",
    ),
    "PC008": (
        "not-utf8",
        "error",
        "A file that is not UTF-8 text; the message gives the byte offset of the first bad byte (exit 2).",
    ),
    "PC009": (
        "too-deeply-nested",
        "error",
        "Blocks nested more than 100 deep: reported once, and the file is not parsed further.",
    ),
    "PC010": (
        "file-too-large",
        "error",
        "A runbook over 32 MB: refused before it is read, so time and memory stay bounded (exit 2).",
    ),
    "PC101": ("unknown-keyword", "error", "A keyword the language does not have (a close one is suggested)."),
    "PC102": (
        "misplaced-keyword",
        "error",
        "A keyword used in a block where it does not belong (where it belongs is named).",
    ),
    "PC103": ("missing-value", "error", "A statement lacks a value its signature requires."),
    "PC104": ("wrong-value-type", "error", "A value of the wrong kind (e.g. a name where a string is required)."),
    "PC105": ("unexpected-value", "error", "A value beyond what the statement takes (or a misspelt clause word)."),
    "PC106": ("duplicate-statement", "error", "A statement that may appear once appears twice in the same block."),
    "PC107": ("unexpected-block", "error", "A block given to a statement that takes none."),
    "PC108": ("missing-block", "error", "A statement that needs a block has none."),
    "PC109": (
        "missing-statement",
        "error",
        "A block lacks a statement it requires (e.g. `team` without `max_active`).",
    ),
    "PC201": ("duplicate-id", "error", "Two declarations of the same kind share an id."),
    "PC202": ("unknown-reference", "error", "A reference to an id that is not declared (a close one is suggested)."),
}

#: Codes reported by `phasec import` and the `--packet` drift check (docs/import.md): the
#: import family, PC950-PC959.  They are about markdown and packet documents, not about a
#: runbook's statements, so they are neither lint rules nor suppressible.
IMPORT = {
    "PC950": (
        "import-unreadable",
        "error",
        "A packet document that `--packet` cannot read (not a folder, invalid YAML, nothing to read).",
    ),
    "PC951": (
        "import-unmapped",
        "warning",
        "Markdown the importer could not map: kept as prose (a `note` with its markdown line) to finish by hand.",
    ),
    "PC952": (
        "import-disagreement",
        "warning",
        "Two documents of a phase (or two places of one) disagree; both locations are given.",
    ),
}


#: Drift that `phasec status` reports (docs/status.md): warnings about the repository,
#: not the runbook, so they are neither selected, ignored nor suppressed.
STATUS = {
    "PS101": (
        "status-unexpected-branch",
        "warning",
        "A branch of the phase that the runbook does not name (named like the slice branches, or checked out "
        "in an unexpected worktree); reported at the `repo` block.",
    ),
    "PS102": (
        "status-unexpected-worktree",
        "warning",
        "A worktree of the phase that the runbook does not declare (named like the declared worktrees, or on a "
        "phase-like branch); reported at the `repo` block.",
    ),
    "PS201": (
        "status-out-of-order-merge",
        "warning",
        "A slice merged out of dependency order (before a slice it comes `after`, or before a slice of an earlier "
        "`merge_wave`); reported at the dependency or the merge wave.",
    ),
    "PS301": (
        "status-stale-record",
        "warning",
        "A gate pass or attestation recorded at a commit that is not an ancestor of the slice's branch (rebased or "
        "rewritten since); reported at the slice's gate binding, or at `exit`.",
    ),
    "PS401": (
        "status-misplaced-artifact",
        "warning",
        "An artifact committed on another slice's branch than its producer's; reported at the `artifact` declaration.",
    ),
}


@lru_cache(maxsize=1)
def all_rules() -> tuple[Rule, ...]:
    """Every lint rule, in code order."""
    import phasec.compiler.rules as pkg

    rules = []
    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda i: i.name):
        if not _MODULE.match(info.name):
            continue
        mod = importlib.import_module(f"{pkg.__name__}.{info.name}")
        r = getattr(mod, "check", None)
        if isinstance(r, Rule):
            rules.append(r)
    rules.sort(key=lambda r: r.code)
    return tuple(rules)


def get_rule(code: str) -> Rule | None:
    for r in all_rules():
        if r.code == code.upper():
            return r
    return None


def run_rules(rb, doc=None, config=None, reuse=None) -> list:
    """Run every enabled rule; apply the configuration's severities (no configuration: every rule, as
    it grades itself).  The configuration is duck-typed (``enabled``, ``regrade``) so that this package
    and ``phasec.compiler.config``, which validates codes against the rules, do not import each other.

    ``reuse``: the language server's :class:`phasec.lsp.incremental.RuleReuse`.  ``reuse.keep(rb)``
    gives the findings of the previous version that stand for this one (rule code -> findings: rules
    that read nothing the edit changed), which are taken instead of running those rules; every rule's
    findings (kept or found) go into ``reuse.found`` for the next version."""
    out: list = []
    ctx = RuleContext(rb, doc)  # one context: the graphs are built once, for the rules that ask
    ctx.config = config
    keep = reuse.keep(rb) if reuse is not None else {}
    for r in all_rules():
        if config is not None and not config.enabled(r.code):
            continue
        found = keep.get(r.code)
        if found is None:
            ctx.rule = r
            found = [config.regrade(d) for d in r.check(ctx)] if config is not None else list(r.check(ctx))
        if reuse is not None:
            reuse.found[r.code] = found
        out.extend(found)
    return out
