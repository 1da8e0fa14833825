"""phasec diagnostics -> LSP diagnostics.

Each diagnostic keeps its permanent code and severity; its related spans become
``relatedInformation`` (one entry per span, e.g. every edge of a cycle); the
help line is appended to the message and also sent in ``data.help``.  A
diagnostic's :class:`~phasec.compiler.diagnostics.Fix`, when it has one, is
sent in ``data.fix`` with its edits already converted to LSP ranges, so the
code-action handler can offer it without re-running anything.
"""

from __future__ import annotations

from collections.abc import Iterable

from lsprotocol import types

from phasec.compiler.diagnostics import Diagnostic, Severity
from phasec.lsp.positions import PositionMapper

SOURCE = "phasec"

SEVERITY = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.INFO: types.DiagnosticSeverity.Information,
}

#: Findings about code that does nothing (editors grey it out).
UNNECESSARY = {"PC901"}


def range_json(r: types.Range) -> dict:
    return {
        "start": {"line": r.start.line, "character": r.start.character},
        "end": {"line": r.end.line, "character": r.end.character},
    }


def range_from_json(d: dict) -> types.Range:
    return types.Range(
        start=types.Position(line=int(d["start"]["line"]), character=int(d["start"]["character"])),
        end=types.Position(line=int(d["end"]["line"]), character=int(d["end"]["character"])),
    )


def fix_json(d: Diagnostic, mapper: PositionMapper) -> dict | None:
    if d.fix is None or not d.fix.edits:
        return None
    return {
        "title": d.fix.description,
        "safe": d.fix.safe,
        "edits": [{"range": range_json(mapper.range(e.span)), "newText": e.replacement} for e in d.fix.edits],
    }


def to_lsp_diagnostic(d: Diagnostic, uri: str, mapper: PositionMapper, version: int | None = None) -> types.Diagnostic:
    message = d.message
    if d.help:
        message += f"\nhelp: {d.help}"
    data: dict = {}
    if d.help:
        data["help"] = d.help
    fix = fix_json(d, mapper)
    if fix is not None:
        data["fix"] = fix
        data["version"] = version
    related = [
        types.DiagnosticRelatedInformation(
            location=types.Location(uri=uri, range=mapper.range(r.span)), message=r.message or d.code
        )
        for r in d.related
    ]
    return types.Diagnostic(
        range=mapper.range(d.span),
        message=message,
        severity=SEVERITY.get(d.severity, types.DiagnosticSeverity.Warning),
        code=d.code,
        source=SOURCE,
        related_information=related or None,
        tags=[types.DiagnosticTag.Unnecessary] if d.code in UNNECESSARY else None,
        data=data or None,
    )


def to_lsp_diagnostics(
    diagnostics: Iterable[Diagnostic],
    uri: str,
    mapper: PositionMapper,
    version: int | None = None,
    config_error: str | None = None,
) -> list[types.Diagnostic]:
    """Every diagnostic of one analysed version, preceded by the configuration error if there is one.

    Takes the parts rather than the :class:`~phasec.lsp.analysis.Snapshot` so that
    this module does not depend on the one that builds snapshots (no import cycle).
    """
    out = [to_lsp_diagnostic(d, uri, mapper, version) for d in diagnostics]
    if config_error:
        out.insert(
            0,
            types.Diagnostic(
                range=types.Range(start=types.Position(line=0, character=0), end=types.Position(line=0, character=0)),
                message=f"configuration error (the default configuration is used): {config_error}",
                severity=types.DiagnosticSeverity.Error,
                code="config",
                source=SOURCE,
            ),
        )
    return out
