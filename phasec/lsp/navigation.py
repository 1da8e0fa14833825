"""Go-to-definition, find-references, document highlights and rename."""

from __future__ import annotations

import re

from lsprotocol import types
from pygls.exceptions import JsonRpcException

from phasec.lsp.analysis import Snapshot
from phasec.lsp.index import Occurrence, SymbolIndex

#: The lexical shapes of ids (phasec/grammar/phasec.lark).
NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*")
NUMBER_RE = re.compile(r"[0-9][A-Za-z0-9_.\-]*")
HANDLE_RE = re.compile(r"@[A-Za-z0-9][A-Za-z0-9_./\-]*")

KIND_WORDS = {
    "slice": "slice",
    "agent": "agent",
    "gate": "gate",
    "stage": "stage",
    "owner": "owner handle",
    "artifact": "artifact",
    "cadence": "cadence",
    "branch": "branch",
    "lens": "lens",
    "wave": "wave",
}


class RenameError(JsonRpcException):
    """A rename the server refuses (LSP ``RequestFailed``); the message says why."""

    CODE = -32803
    MESSAGE = "Rename failed"


def occurrence_at(snap: Snapshot, pos: types.Position) -> Occurrence | None:
    line, col = snap.mapper.to_point(pos)
    return snap.index.at(line, col)


def _location(snap: Snapshot, occ: Occurrence) -> types.Location:
    return types.Location(uri=snap.uri, range=snap.mapper.range(occ.span))


def definition(snap: Snapshot, pos: types.Position) -> list[types.Location] | None:
    occ = occurrence_at(snap, pos)
    if occ is None:
        return None
    decls = snap.index.declarations(occ.kind, occ.id)
    if not decls:
        return None
    return [_location(snap, d) for d in decls]


def references(snap: Snapshot, pos: types.Position, include_declaration: bool = True) -> list[types.Location] | None:
    occ = occurrence_at(snap, pos)
    if occ is None:
        return None
    occs = snap.index.occurrences(occ.kind, occ.id, include_declaration)
    return [_location(snap, o) for o in sorted(occs, key=lambda o: (o.span.line, o.span.column))]


def highlights(snap: Snapshot, pos: types.Position) -> list[types.DocumentHighlight] | None:
    occ = occurrence_at(snap, pos)
    if occ is None:
        return None
    return [
        types.DocumentHighlight(
            range=snap.mapper.range(o.span),
            kind=types.DocumentHighlightKind.Write if o.decl else types.DocumentHighlightKind.Read,
        )
        for o in snap.index.occurrences(occ.kind, occ.id)
    ]


def prepare_rename(snap: Snapshot, pos: types.Position) -> types.PrepareRenamePlaceholder | None:
    occ = occurrence_at(snap, pos)
    if occ is None or "|" in occ.kind:
        return None
    return types.PrepareRenamePlaceholder(range=snap.mapper.range(occ.span), placeholder=occ.id)


def check_new_name(kind: str, new: str) -> str | None:
    """Why ``new`` cannot be the id of a ``kind`` (None when it can)."""
    if kind == "owner":
        if not new.startswith("@"):
            return f"an owner handle must start with `@` (e.g. `@{new.lstrip('@') or 'team'}`)"
        if not HANDLE_RE.fullmatch(new):
            return f"`{new}` is not a valid owner handle: write `@` then letters, digits, `_`, `.`, `/` or `-`"
        return None
    if new.startswith("@"):
        return f"`{new}` is an owner handle; a {KIND_WORDS.get(kind, kind)} id is a name such as `C1` or `drift_core`"
    if not (NAME_RE.fullmatch(new) or NUMBER_RE.fullmatch(new)):
        return (
            f"`{new}` is not a valid {KIND_WORDS.get(kind, kind)} id: use letters, digits, `_` and `-`, "
            "starting with a letter or `_` (or a number such as `1.5`)"
        )
    return None


def _apply(text: str, edits: list[tuple[int, int, int, str]]) -> str:
    """Apply (line, start column, end column, replacement) edits (1-based code points, single-line)."""
    starts = [0]
    for i, ch in enumerate(text):
        if ch == "\n":
            starts.append(i + 1)
    pieces = []
    last = 0
    for line, c0, c1, new in sorted(edits):
        a = starts[line - 1] + c0 - 1
        b = starts[line - 1] + c1 - 1
        pieces.append(text[last:a])
        pieces.append(new)
        last = b
    pieces.append(text[last:])
    return "".join(pieces)


def _front_end_errors(diags) -> int:
    return sum(1 for d in diags if d.severity.value == "error")


def rename(
    snap: Snapshot, pos: types.Position, new_name: str, document_changes: bool = True
) -> types.WorkspaceEdit | None:
    occ = occurrence_at(snap, pos)
    if occ is None:
        raise RenameError("there is no id to rename here")
    if "|" in occ.kind:
        raise RenameError(f"`{occ.id}` is not declared, so its kind is ambiguous; declare it first")
    kind, old = occ.kind, occ.id
    new = new_name.strip()
    why = check_new_name(kind, new)
    if why:
        raise RenameError(why)
    occs = snap.index.occurrences(kind, old)
    if new == old:
        edits: list[types.TextEdit] = []
    else:
        if snap.index.declarations(kind, new) or snap.index.references(kind, new):
            raise RenameError(f"{_a(KIND_WORDS.get(kind, kind))} `{new}` already exists")
        _verify(snap, kind, old, new, occs)
        edits = [types.TextEdit(range=snap.mapper.range(o.span), new_text=new) for o in occs]
    if document_changes:
        return types.WorkspaceEdit(
            document_changes=[
                types.TextDocumentEdit(
                    text_document=types.OptionalVersionedTextDocumentIdentifier(uri=snap.uri, version=snap.version),
                    edits=edits,
                )
            ]
        )
    return types.WorkspaceEdit(changes={snap.uri: edits})


def _verify(snap: Snapshot, kind: str, old: str, new: str, occs: list[Occurrence]) -> None:
    """Re-analyse the renamed text: every occurrence must still be an id of the same kind.

    This rejects names the language reads differently in some position (a clause
    word such as `backup` or `if_triggered`, a number where a name was needed).
    """
    from phasec.compiler.pipeline import lower, parse

    text = _apply(snap.text, [(o.span.line, o.span.column, o.span.end_column, new) for o in occs])
    doc, syntax = parse(text, snap.path)
    rb, more = lower(doc)
    after = SymbolIndex(rb, doc)
    before_errors = sum(
        1 for d in snap.diagnostics if d.code[:3] in ("PC0", "PC1", "PC2") and d.severity.value == "error"
    )
    if len(after.occurrences(kind, new)) != len(occs) or _front_end_errors(syntax + more) > before_errors:
        raise RenameError(f"`{new}` cannot be used here: the runbook would read differently after the rename")


def _a(word: str) -> str:
    return ("an " if word[:1] in "aeiou" else "a ") + word
