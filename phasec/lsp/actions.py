"""Code actions: apply a diagnostic's fix; suppress a finding with a reasoned comment.

* **Fix** — when a diagnostic carries a :class:`~phasec.compiler.diagnostics.Fix`,
  its edits (converted to LSP ranges when the diagnostic was published, sent in
  ``data.fix``) are offered as a quick fix; safe fixes are marked preferred.
  The edit is versioned, so a client never applies it to a newer text.
* **Suppress** — ``# phasec: ignore[CODE] -- reason`` with a placeholder reason
  (a reason is required, PC902).  The comment goes at the end of the
  diagnostic's line; if that line already has a suppression comment the code
  is added to it; if the line has another comment (or a multi-line string),
  the suppression goes on a line of its own above, which applies to the next
  line.  Front-end errors (PC0xx–PC2xx) cannot be suppressed, so none is offered.
"""

from __future__ import annotations

import re

from lsprotocol import types

from phasec.lsp.diagnostics import SOURCE, range_from_json, to_lsp_diagnostic
from phasec.lsp.positions import chars_to_units

REASON = "reason"
_SUPPRESSION = re.compile(r"#\s*phasec:\s*ignore\s*\[([^\]]*)\]", re.I)
_LINE_TOKENS = re.compile(r'"""|"(?:\\.|[^"\\\n])*"?|#.*|[^"#]+')


def suppressible(code: str | None) -> bool:
    if not code or not isinstance(code, str):
        return False
    from phasec.compiler.rules import get_rule

    return get_rule(code) is not None


def _comment_start(line: str) -> int | None:
    """Column (code points, 0-based) of the ``#`` starting a comment on ``line``, outside strings."""
    for m in _LINE_TOKENS.finditer(line):
        if m.group().startswith("#"):
            return m.start()
    return None


def suppression_edit(lines: list[str], line0: int, code: str, encoding: str) -> tuple[types.TextEdit, str]:
    """The edit that suppresses ``code`` on 0-based ``line0``, and how it does it."""
    text = lines[line0].rstrip("\r") if line0 < len(lines) else ""
    comment = f"# phasec: ignore[{code}] -- {REASON}"

    def extend(line_index: int, ln: str, m: re.Match) -> types.TextEdit:
        inside = m.group(1)
        codes = [c.strip() for c in inside.split(",") if c.strip()]
        new = ", ".join(codes + [code])
        a, b = m.start(1), m.end(1)
        return types.TextEdit(
            range=types.Range(
                start=types.Position(line=line_index, character=chars_to_units(ln, a, encoding)),
                end=types.Position(line=line_index, character=chars_to_units(ln, b, encoding)),
            ),
            new_text=new,
        )

    at = _comment_start(text)
    if at is not None:
        m = _SUPPRESSION.match(text, at)
        if m:
            return extend(line0, text, m), "extend"
    # An own-line suppression just above applies to this line too.
    if line0 > 0:
        above = lines[line0 - 1].rstrip("\r")
        if above.strip().startswith("#"):
            m = _SUPPRESSION.match(above, len(above) - len(above.lstrip()))
            if m:
                return extend(line0 - 1, above, m), "extend"
    if at is None and '"""' not in text:
        end = chars_to_units(text, len(text.rstrip()), encoding)
        pos = types.Position(line=line0, character=end)
        return types.TextEdit(range=types.Range(start=pos, end=pos), new_text=f"  {comment}"), "end"
    indent = text[: len(text) - len(text.lstrip())]
    pos = types.Position(line=line0, character=0)
    return types.TextEdit(range=types.Range(start=pos, end=pos), new_text=f"{indent}{comment}\n"), "above"


def _edit(uri: str, version: int | None, edits: list[types.TextEdit], document_changes: bool) -> types.WorkspaceEdit:
    if document_changes:
        return types.WorkspaceEdit(
            document_changes=[
                types.TextDocumentEdit(
                    text_document=types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=version),
                    edits=edits,
                )
            ]
        )
    return types.WorkspaceEdit(changes={uri: edits})


def _overlaps(a: types.Range, b: types.Range) -> bool:
    def key(p: types.Position):
        return (p.line, p.character)

    return key(a.start) <= key(b.end) and key(b.start) <= key(a.end)


def code_actions(
    params: types.CodeActionParams,
    text: str,
    version: int | None,
    encoding: str,
    snap=None,
    document_changes: bool = True,
) -> list[types.CodeAction]:
    only = params.context.only
    if only and not any(str(k).startswith(str(types.CodeActionKind.QuickFix)) for k in only):
        return []
    uri = params.text_document.uri
    diagnostics = [d for d in params.context.diagnostics if d.source in (None, SOURCE)]
    if not diagnostics and snap is not None and snap.version == version:
        # Invoked without diagnostics in the context: use ours under the range.
        for d in snap.diagnostics:
            ld = to_lsp_diagnostic(d, snap.uri, snap.mapper, snap.version)
            if _overlaps(ld.range, params.range):
                diagnostics.append(ld)
    lines = text.split("\n")
    actions: list[types.CodeAction] = []
    for d in diagnostics:
        code = d.code if isinstance(d.code, str) else None
        data = d.data if isinstance(d.data, dict) else {}
        fix = data.get("fix")
        if isinstance(fix, dict) and fix.get("edits"):
            fix_version = data.get("version")
            if fix_version is None or fix_version == version:
                edits = [types.TextEdit(range=range_from_json(e["range"]), new_text=e["newText"]) for e in fix["edits"]]
                actions.append(
                    types.CodeAction(
                        title=f"Fix {code}: {fix.get('title') or 'apply the suggested fix'}",
                        kind=types.CodeActionKind.QuickFix,
                        diagnostics=[d],
                        is_preferred=bool(fix.get("safe", True)),
                        edit=_edit(uri, fix_version if fix_version is not None else version, edits, document_changes),
                    )
                )
        if code is not None and suppressible(code):
            edit, how = suppression_edit(lines, d.range.start.line, code, encoding)
            title = (
                f"Suppress {code}: add it to the suppression comment"
                if how == "extend"
                else f"Suppress {code}: add `# phasec: ignore[{code}] -- {REASON}`"
            )
            actions.append(
                types.CodeAction(
                    title=title,
                    kind=types.CodeActionKind.QuickFix,
                    diagnostics=[d],
                    edit=_edit(uri, version, [edit], document_changes),
                )
            )
    return actions
