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
    "readme.md",
    "package.json",
    "index.ts",
    "index.tsx",
    "index.js",
    "index.mjs",
    "mod.rs",
    "lib.rs",
    "main.rs",
    "__init__.py",
    "cargo.toml",
    "tsconfig.json",
    "changelog.md",
    "license",
    "license.md",
    "makefile",
    "pyproject.toml",
    "go.mod",
    "agents.md",
    "contributing.md",
    "dockerfile",
    ".gitignore",
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


# reads_prose: reads the paths mentioned in prose
@rule("PC813", "path-written-two-ways", "warning", reads_prose=True)
def check(ctx):
    rb = ctx.rb
    from phasec.compiler.rules._mentions import mentions

    # Authority statements first: without a path in one, there is nothing to report.
    named: list[tuple[str, object, bool]] = []  # (path, the mention, file or artifact naming it, declared)
    authority = []
    for m in mentions(ctx.doc):
        if m.command or _SKIP_BLOCKS.intersection(m.parents) or m.keyword in ("file", "artifact", "doc"):
            continue
        is_authority = m.keyword in _AUTHORITY or bool(_AUTHORITY.intersection(m.parents))
        if (is_authority or m.keyword == "entrypoint") and (p := _repo_path(m.path)):
            named.append((p, m, m.keyword == "entrypoint"))
            if is_authority:
                authority.append((p, m))
    if not authority:
        return
    wanted = {posixpath.basename(p) for p, _ in authority}
    for s in rb.slices:
        for f in s.files:
            if f.path and not f.dir and f.path.rsplit("/", 1)[-1] in wanted and (p := _repo_path(f.path)):
                named.append((p, f, True))
    for o in rb.outputs:
        for a in o.artifacts:
            if a.name.rsplit("/", 1)[-1] in wanted and (p := _repo_path(posixpath.join(o.root, a.name))):
                named.append((p, a, True))

    def span_of(x):
        if hasattr(x, "value") and hasattr(x, "parents"):
            return x.span  # a mention
        if hasattr(x, "written"):
            return value_span(ctx, x.span, text=x.written or x.path)  # a file
        return x.span  # an artifact

    declared = {p for p, _, d in named if d}
    declared.update(posixpath.basename(a.name) for a in rb.artifacts())  # artifacts go by their name
    by_base: dict[str, list[tuple[str, object]]] = {}
    for p, x, _ in named:
        by_base.setdefault(posixpath.basename(p), []).append((p, x))
    seen = set()
    for p, m in authority:
        base = posixpath.basename(p)
        if base.lower() in _CONVENTIONAL or p in declared:
            continue
        group = by_base[base]
        longer = sorted({q for q, _ in group if q != p and q.endswith("/" + p)}, key=lambda q: (-len(q), q))
        if not longer:
            continue
        sp = m.span
        if sp in seen:
            continue
        seen.add(sp)
        full = longer[0]
        longer = [full] + [q for q in longer[1:] if not full.endswith("/" + q)]
        where = span_of(next(x for q, x in group if q == full))
        more = f" (or {len(longer) - 1} other path{'s' if len(longer) > 2 else ''})" if len(longer) > 1 else ""
        yield ctx.diag(
            sp,
            f"path `{p}` names the same file as `{full}`{more}, written another way: write the full repo-relative path",
            related=[(where, f"`{full}` is named here")],
            help=f"write `{full}` (paths in a runbook are relative to the repository root)",
        )
