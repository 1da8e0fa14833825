"""A branch name that git rejects.

## What it does
Checks every branch name — the `repo { branch ID "NAME" }` names and the
slice `branch "NAME"`s — against git's reference-name rules
(`git check-ref-format --branch`), and says which rule is broken:

* no component may start with `.` or end with `.lock`, and the name may not
  end with `.`;
* no `..`, no `@{`, and not the single character `@` (git reads it as `HEAD`);
* no ASCII control characters, space, `~`, `^`, `:`, `?`, `*`, `[` or `\\`;
* it may not start or end with `/`, or contain `//` (an empty component);
* as a branch, it may not start with `-` or be `HEAD`.

## Why it matters
A runbook with an invalid branch name cannot be executed as written: the
first `git worktree add -b` or `gt create` of the phase fails, usually in the
middle of a stage, after other branches were already created.  Names
copied from titles (spaces, colons) are the common cause.

## Example
```
slice C1 "Storage lock" {
  branch "codex/phase-c-c1: storage lock"
}
```
reports ``invalid branch name `codex/phase-c-c1: storage lock`: contains `:`; contains a space``
and suggests `codex/phase-c-c1-storage-lock`.
"""

from __future__ import annotations

import re

from phasec.compiler.rules.base import rule

_FORBIDDEN = "~^:?*[\\"


def ref_format_problems(name: str) -> list[str]:
    """What `git check-ref-format --branch` objects to in ``name`` (empty when valid)."""
    out: list[str] = []

    def add(p: str) -> None:
        if p not in out:
            out.append(p)

    if name == "":
        return ["is empty"]
    if name == "@":
        add("is `@`, which git reads as `HEAD`")
    if name == "HEAD":
        add("is `HEAD`, which git reserves")
    if name.startswith("-"):
        add("starts with `-`")
    for ch in name:
        if ord(ch) < 0x20 or ord(ch) == 0x7F:
            add(f"contains a control character (U+{ord(ch):04X})")
        elif ch == " ":
            add("contains a space")
        elif ch in _FORBIDDEN:
            add(f"contains `{ch}`")
    if ".." in name:
        add("contains `..`")
    if "@{" in name:
        add("contains `@{`")
    if name.startswith("/"):
        add("starts with `/`")
    if name.endswith("/"):
        add("ends with `/`")
    if "//" in name:
        add("contains `//` (an empty component)")
    for comp in name.split("/"):
        if comp.startswith("."):
            add(f"component `{comp}` starts with `.`")
        if comp.endswith(".lock"):
            add(f"component `{comp}` ends with `.lock`")
    if name.endswith(".") and not name.endswith(".."):
        add("ends with `.`")
    return out


def suggest(name: str) -> str | None:
    """A close name git accepts, if one is easy to find."""
    s = re.sub(r"@\{([^}]*)\}?", r"-\1", name)
    s = "".join("-" if (ord(c) < 0x21 or ord(c) == 0x7F or c in _FORBIDDEN) else c for c in s)
    s = re.sub(r"\.{2,}", "-", s)
    s = re.sub(r"/{2,}", "/", s)
    comps = []
    for comp in s.strip("/").split("/"):
        comp = re.sub(r"-{2,}", "-", comp).strip("-").lstrip(".")
        while comp.endswith(".lock"):
            comp = comp[: -len(".lock")]
        comp = comp.rstrip(".").strip("-")
        if comp:
            comps.append(comp)
    s = "/".join(comps)
    if not s or s == name or ref_format_problems(s):
        return None
    return s


def branch_names(rb):
    """Every branch name with its span and a description, in source order."""
    out = []
    if rb.repo is not None:
        for b in rb.repo.branches:
            out.append((b.name, b.name_span, f"repo branch `{b.id}`", b))
    for s in rb.slices:
        if s.branch is not None:
            out.append((s.branch, s.branch_span or s.span, f"slice `{s.id}`", s))
    out.sort(key=lambda t: (t[1].line, t[1].column))
    return out


@rule("PC801", "invalid-branch-name", "error", reads_prose=False)
def check(ctx):
    for name, span, _, _ in branch_names(ctx.rb):
        problems = ref_format_problems(name)
        if not problems:
            continue
        better = suggest(name)
        yield ctx.diag(
            span,
            f"invalid branch name `{name}`: {'; '.join(problems)}",
            help=(
                f"git rejects it (`git check-ref-format --branch`); try `{better}`"
                if better
                else "git rejects it (`git check-ref-format --branch`)"
            ),
        )
