"""`phasec import`: markdown runbooks (and hand-written packets) in, a formatted `.phc` out.

``import_markdown(text, path)`` reads a markdown runbook with markdown-it-py,
recognises its sections by content (:mod:`phasec.importer.runbook`), and writes
the equivalent `.phc`, laid out by the formatter, so the result is
`phasec fmt`-stable.  With a packet folder (``packet_dir``) the packet's
documents are read too (:mod:`phasec.importer.packet`), the detail they add is
merged, and every disagreement between the documents is reported
(:mod:`phasec.importer.merge`).

Codes (the import family, PC950-PC959; docs/import.md):

* PC950 import-unreadable (error): a packet document that cannot be read.
* PC951 import-unmapped (warning): markdown kept as prose (a `note`), to finish by hand.
* PC952 import-disagreement (warning): two documents (or two places of one) disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from phasec.diagnostics import Diagnostic

if TYPE_CHECKING:
    from phasec.importer.runbook import Diag


def import_codes() -> dict:
    """The import family's codes (declared with the other codes, in phasec.compiler.rules)."""
    from phasec.compiler.rules import IMPORT

    return IMPORT


@dataclass
class ImportResult:
    text: str
    diagnostics: list[Diagnostic] = field(default_factory=list)
    sources: dict = field(default_factory=dict)  # path -> SourceFile, for rendering


def _to_diag(d: Diag, sources: dict, default_path: str) -> Diagnostic:
    from phasec.diagnostics import Related, Severity
    from phasec.source import SourceFile, Span

    def span(path: str, line: int) -> Span:
        src = sources.get(path)
        width = len(src.line_text(line)) if isinstance(src, SourceFile) else 0
        line = max(1, line)
        return Span(file=path, line=line, column=1, end_line=line, end_column=max(2, width + 1))

    path = getattr(d, "path", None) or default_path
    return Diagnostic(
        code=d.code,
        severity=Severity(d.severity),
        message=d.message,
        span=span(path, d.line),
        related=[Related(span=span(f, ln), message=msg) for f, ln, msg in d.related],
        help=d.help,
    )


def import_markdown(text: str, path: str = "<input>", packet_dir: str | None = None) -> ImportResult:
    """The `.phc` for a markdown runbook (and its packet), with the import diagnostics."""
    from phasec.format import format_text
    from phasec.importer.markdown import parse_markdown
    from phasec.importer.runbook import build, emit_sections
    from phasec.importer.writer import render_file
    from phasec.source import SourceFile

    sources: dict = {path: SourceFile(path, text)}
    model = build(parse_markdown(text), path)
    packet = None
    if packet_dir is not None:
        from phasec.importer.merge import merge_packet
        from phasec.importer.packet import read_packet

        packet = read_packet(packet_dir)
        for p, t in packet.texts.items():
            sources[p] = SourceFile(p, t)
        merge_packet(model, packet)
    header = [
        f"Imported by `phasec import` from {path}" + (f" and the packet in {packet_dir}" if packet_dir else "") + ".",
        "`# md:N` comments give the markdown line each statement comes from; `note`s hold text",
        "the importer could not map (finish them by hand: docs/import.md).",
    ]
    header.extend(model.merge_comments)
    raw = render_file(header, emit_sections(model))
    out = format_text(raw, path + ".phc")
    diags = [_to_diag(d, sources, path) for d in model.diags]
    if packet is not None:
        diags.extend(_to_diag(d, sources, path) for d in packet.diags)
    diags.sort(key=Diagnostic.sort_key)
    return ImportResult(text=out, diagnostics=diags, sources=sources)
