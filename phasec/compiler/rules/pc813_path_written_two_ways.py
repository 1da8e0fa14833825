"""One file named by two different paths: a bare or shortened path here, its full repo path there.

## What it does
Collects the repo-relative paths the runbook declares — slice `file`s,
artifacts (their `outputs` root joined with their name), the `entrypoint`,
and the file paths written in *authority statements* (an `invariant` and its
items, a `locked` choice, a phase `assert`) — and reports a path in an
authority statement (an `invariant`, a `locked`
choice, a phase `assert`) that is a shortened form of
another one: `rawr.hq.ts` where `apps/hq/rawr.hq.ts` is named elsewhere, or
`hq/rawr.hq.ts` for the same.  The finding points at the shorter path, with
a note at the full one.  (Prose elsewhere — notes, steps, criteria, and the
`authority` order, which ranks documents by title — refers to artifacts and
documents by their bare name all the time; it is neither reported nor used
as evidence.)

Not reported: a short path that is itself declared as a file (the root
`README.md` and `dev/README.md` are two files); names that exist in many
folders by convention (`README.md`, `package.json`, `index.ts`, `mod.rs`,
...); globs; paths inside shell commands (a command's paths are relative to
where it runs).  Absolute machine paths are PC805's, which names the
checkout they lie under.

## Why it matters
A reader (or a script) that resolves `rawr.hq.ts` from the repository root
finds nothing, or worse, another file of that name.  Invariants are exactly
where a runbook names its authorities; if the authority is written two ways,
a check that greps for it, a reviewer, or the next phase's runbook will pick
the wrong one.

## Example
```
invariant manifest_authority "rawr.hq.ts"
slice C1 "Composition" { file "apps/hq/rawr.hq.ts" }
```
reports ``path `rawr.hq.ts` names the same file as `apps/hq/rawr.hq.ts`, written another way: write the full repo-relative path``.
Write `apps/hq/rawr.hq.ts` in the invariant.
"""

from __future__ import annotations

import posixpath
import re

from phasec.compiler.rules._paths import norm
from phasec.compiler.rules._values import value_span
from phasec.compiler.rules.base import rule

_FILE = re.compile(
    r"\.(?:ts|tsx|js|jsx|mjs|cjs|json|jsonc|ya?ml|md|mdx|toml|rs|py|sh|bash|txt|lock|css|scss|html|go|java|kt|rb|"
    r"sql|cfg|ini|conf|xml|csv|proto|graphql|c|h|cc|cpp|hpp|swift)$"
)
#: Names that exist in many folders by convention: a bare one is not evidence of anything.
_CONVENTIONAL = {
    "readme.md", "package.json", "index.ts", "index.tsx", "index.js", "index.mjs", "mod.rs", "lib.rs", "main.rs",
    "__init__.py", "cargo.toml", "tsconfig.json", "changelog.md", "license", "license.md", "makefile",
    "pyproject.toml", "go.mod", "agents.md", "contributing.md", "dockerfile", ".gitignore",
}
_SKIP_BLOCKS = {"grounding", "introspect", "ledger", "agent"}
#: Statements (and blocks) that name authorities: a shortened path there is reported.
_AUTHORITY = {"invariant", "locked", "assert"}


def _repo_path(p: str) -> str | None:
    """The normalised repo-relative path, or None for what is not one (absolute, glob, placeholder, outside)."""
    p = norm(p, False)[0]
    if not p or p.startswith(("/", "~", "$", "..", ".")) or any(c in p for c in "*?[<>{}\\:"):
        return None
    if re.match(r"^[A-Za-z]:", p):
        return None
    return p if _FILE.search(p.lower()) else None


@rule("PC813", "path-written-two-ways", "warning")
def check(ctx):
    rb = ctx.rb
    from phasec.compiler.rules._mentions import mentions

    # (path, span, declared) in source order: declared = a structured file declaration.
    named: list[tuple[str, object, bool]] = []
    authority_spans = set()
    for s in rb.slices:
        for f in s.files:
            if f.path and not f.dir and (p := _repo_path(f.path)):
                named.append((p, value_span(ctx, f.span, text=f.written or f.path), True))
    for o in rb.outputs:
        for a in o.artifacts:
            if (p := _repo_path(posixpath.join(o.root, a.name))):
                named.append((p, a.span, True))
    for m in mentions(ctx.doc):
        if m.command or _SKIP_BLOCKS.intersection(m.parents) or m.keyword in ("file", "artifact", "doc"):
            continue
        if (p := _repo_path(m.path)) and (m.keyword in _AUTHORITY or _AUTHORITY.intersection(m.parents)
                                          or m.keyword == "entrypoint"):
            named.append((p, m.span, m.keyword == "entrypoint"))
            authority_spans.add(m.span)
    if not named:
        return
    declared = {p for p, _, d in named if d}
    declared.update(posixpath.basename(a.name) for a in rb.artifacts())  # artifacts go by their name
    by_base: dict[str, list[tuple[str, object]]] = {}
    for p, sp, _ in named:
        by_base.setdefault(posixpath.basename(p), []).append((p, sp))
    seen = set()
    for base, group in sorted(by_base.items()):
        if base.lower() in _CONVENTIONAL:
            continue
        paths = sorted({p for p, _ in group}, key=len)
        if len(paths) < 2:
            continue
        for p, sp in group:
            if p in declared or sp in seen or sp not in authority_spans:
                continue
            longer = sorted((q for q in paths if q != p and q.endswith("/" + p)), key=lambda q: (-len(q), q))
            if not longer:
                continue
            full = longer[0]
            longer = [full] + [q for q in longer[1:] if not full.endswith("/" + q)]
            where = next(s for q, s in group if q == full)
            seen.add(sp)
            more = f" (or {len(longer) - 1} other path{'s' if len(longer) > 2 else ''})" if len(longer) > 1 else ""
            yield ctx.diag(
                sp,
                f"path `{p}` names the same file as `{full}`{more}, written another way: "
                "write the full repo-relative path",
                related=[(where, f"`{full}` is named here")],
                help=f"write `{full}` (paths in a runbook are relative to the repository root)",
            )
