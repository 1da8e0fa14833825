from __future__ import annotations

from phasec.compiler.pipeline import analyze


def diags(text: str, path: str = "t.phc", rules: bool = True):
    return analyze(text, path, rules=rules).diagnostics


def codes(text: str, **kw) -> list[str]:
    return [d.code for d in diags(text, **kw)]


def concise(ds) -> list[str]:
    return [f"{d.span.line}:{d.span.column} {d.code} {d.message}" for d in ds]
