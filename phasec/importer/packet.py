"""Read a hand-written packet: *_WORKBREAKDOWN.yaml, *_ACCEPTANCE_GATES.md, *_EXECUTION_PACKET.md,
*_IMPLEMENTATION_SPEC.md.

Each reader keeps where every value came from (``file``, ``line``) so that a
disagreement can point at both documents.  The markdown documents are read with
the same section tree as runbooks (:mod:`phasec.importer.markdown`) and by
content: a heading that starts with a slice id is that slice's section; in it,
``Owner:``/``Backup:``/``Depends on:`` items and labelled lists of code-span
commands (``Quick:``, ``Full:``) are read; ``X branch: `name``` items anywhere
are branches; a fenced JSON object of ``"script": "command"`` pairs is the
planned command contract; the cadence contract is a list of ``X suite`` items
with their events.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from phasec.importer.markdown import Fence, Item, Para, code_spans, parse_markdown
from phasec.importer.runbook import Diag, label_of, looks_branch, looks_command, strip_md

SLICE_HEAD = re.compile(r"^(?:\d+(?:\.\d+)*\)?\s+)?([A-Z]{1,4}\d+[A-Z]?)\b\s*[-:–—(]?\s*(.*)$")
PASS_FOLDER = re.compile(r"_phase-[a-z0-9]+-[a-z0-9-]*?pass-\d+(?:-\d{4}-\d{2}-\d{2})?")


@dataclass
class Loc:
    file: str
    line: int


@dataclass
class PSlice:
    id: str
    loc: Loc
    data: dict = field(default_factory=dict)
    title: tuple[str, Loc] | None = None
    owner: tuple[str, Loc] | None = None
    backup: tuple[str, Loc] | None = None
    gates: dict[str, list[tuple[str, Loc]]] = field(default_factory=dict)  # cadence -> commands (from md)


@dataclass
class Packet:
    dir: str
    texts: dict[str, str] = field(default_factory=dict)
    yaml_path: str | None = None
    yaml: dict = field(default_factory=dict)
    yaml_lines: dict[str, int] = field(default_factory=dict)  # "slices.C1.owner" -> line
    slices: dict[str, PSlice] = field(default_factory=dict)  # from the work breakdown
    md_slices: dict[str, dict[str, PSlice]] = field(default_factory=dict)  # file -> id -> slice
    branches: list[tuple[str, str, Loc]] = field(default_factory=list)  # label, name, where
    scripts: dict[str, tuple[str, Loc]] = field(default_factory=dict)  # planned script -> command
    cadences: dict[str, tuple[list[str], Loc]] = field(default_factory=dict)
    pass_folders: dict[str, Loc] = field(default_factory=dict)
    signals: list[tuple[list[str], str, str | None, Loc]] = field(default_factory=list)  # slices, text, response
    diags: list[Diag] = field(default_factory=list)


def _diag(pk: Packet, path: str, line: int, message: str) -> None:
    d = Diag("PC950", "error", message, line)
    d.path = path  # type: ignore[attr-defined]
    pk.diags.append(d)


def read_packet(folder: str) -> Packet:
    pk = Packet(dir=folder)
    root = Path(folder)
    if not root.is_dir():
        _diag(pk, folder, 1, f"--packet {folder}: not a folder")
        return pk
    files = sorted(p for p in root.iterdir() if p.is_file())
    for p in files:
        name = p.name
        kind = next(
            (
                k
                for k in (
                    "WORKBREAKDOWN.yaml",
                    "WORKBREAKDOWN.yml",
                    "ACCEPTANCE_GATES.md",
                    "EXECUTION_PACKET.md",
                    "IMPLEMENTATION_SPEC.md",
                )
                if name.endswith("_" + k) or name == k
            ),
            None,
        )
        if kind is None:
            continue
        path = p.as_posix()
        try:
            text = p.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            _diag(pk, path, 1, f"{path}: cannot be read ({exc})")
            continue
        pk.texts[path] = text
        for mt in PASS_FOLDER.finditer(text):
            pk.pass_folders.setdefault(mt.group(0), Loc(path, text.count("\n", 0, mt.start()) + 1))
        if kind.startswith("WORKBREAKDOWN"):
            read_workbreakdown(pk, path, text)
        else:
            read_markdown_doc(pk, path, text)
    if not pk.texts:
        _diag(
            pk,
            folder,
            1,
            f"--packet {folder}: no *_WORKBREAKDOWN.yaml, *_ACCEPTANCE_GATES.md, *_EXECUTION_PACKET.md "
            "or *_IMPLEMENTATION_SPEC.md in it",
        )
    return pk


def read_workbreakdown(pk: Packet, path: str, text: str) -> None:
    import yaml

    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        _diag(pk, path, (mark.line + 1) if mark else 1, f"{path}: not valid YAML ({getattr(exc, 'problem', exc)})")
        return
    if not isinstance(data, dict):
        _diag(pk, path, 1, f"{path}: a work breakdown is a mapping (phase, slices, gates, ...)")
        return
    lines: dict[str, int] = {}

    def walk(n: yaml.Node, prefix: str) -> None:
        if isinstance(n, yaml.MappingNode):
            for k, v in n.value:
                key = f"{prefix}.{k.value}" if prefix else str(k.value)
                lines[key] = k.start_mark.line + 1
                walk(v, key)
        elif isinstance(n, yaml.SequenceNode):
            for i, v in enumerate(n.value):
                idv = None
                if isinstance(v, yaml.MappingNode):
                    idv = next((vv.value for kk, vv in v.value if kk.value == "id"), None)
                key = f"{prefix}.{idv if idv is not None else i}"
                lines[key] = v.start_mark.line + 1
                walk(v, key)

    if node is not None:
        walk(node, "")
    pk.yaml_lines = lines
    pk.yaml_path, pk.yaml = path, clean_workbreakdown(pk, path, data, lines)
    data = pk.yaml
    for sl in data.get("slices") or []:
        if not isinstance(sl, dict) or "id" not in sl:
            continue
        sid = str(sl["id"])
        loc = Loc(path, lines.get(f"slices.{sid}", 1))
        ps = PSlice(sid, loc, data=sl)
        if sl.get("title"):
            ps.title = (str(sl["title"]), Loc(path, lines.get(f"slices.{sid}.title", loc.line)))
        if sl.get("owner"):
            ps.owner = (str(sl["owner"]), Loc(path, lines.get(f"slices.{sid}.owner", loc.line)))
        if sl.get("backup"):
            ps.backup = (str(sl["backup"]), Loc(path, lines.get(f"slices.{sid}.backup", loc.line)))
        pk.slices[sid] = ps


_SCALAR = (str, int, float, bool)
_TEXT_FIELDS = ("title", "owner", "backup", "objective", "status")
_LIST_FIELDS = ("depends_on", "depends_on_if_triggered", "trigger_criteria")
_PATH_FIELDS = ("files", "requires_artifacts")


def clean_workbreakdown(pk: Packet, path: str, data: dict, lines: dict[str, int]) -> dict:
    """The work breakdown with every value in the shape the merge reads; what is not is reported
    (PC950, at its line) and left out, so that a hand-written file never stops the import."""

    def bad(key: str, what: str) -> None:
        _diag(pk, path, lines.get(key, 1), f"{path}: `{key}` {what}; left out")

    out: dict = {
        k: v
        for k, v in data.items()
        if k
        not in ("phase", "status", "entrypoint", "invariants", "deferred_non_blocking", "deferred", "slices", "gates")
    }
    for k in ("phase", "status", "entrypoint"):
        if k in data:
            if isinstance(data[k], _SCALAR):
                out[k] = str(data[k])
            else:
                bad(k, "is not a single value")
    if "invariants" in data:
        if isinstance(data["invariants"], list):
            out["invariants"] = [x for x in data["invariants"] if isinstance(x, dict)]
        else:
            bad("invariants", "is not a list")
    for k in ("deferred_non_blocking", "deferred"):
        if k in data:
            if isinstance(data[k], list):
                out[k] = [str(x) for x in data[k] if isinstance(x, _SCALAR)]
            else:
                bad(k, "is not a list")
    slices = data.get("slices")
    if slices is not None and not isinstance(slices, list):
        bad("slices", "is not a list of slices")
        slices = []
    out["slices"] = []
    for i, sl in enumerate(slices or []):
        if not isinstance(sl, dict) or not isinstance(sl.get("id"), _SCALAR):
            _diag(pk, path, lines.get(f"slices.{i}", 1), f"{path}: a slice entry without an `id`; left out")
            continue
        sid = str(sl["id"])
        clean: dict = {"id": sid}
        for k, v in sl.items():
            key = f"slices.{sid}.{k}"
            if k in _TEXT_FIELDS:
                if isinstance(v, _SCALAR):
                    clean[k] = str(v)
                elif v is not None:
                    bad(key, "is not a single value")
            elif k in _LIST_FIELDS:
                if isinstance(v, list) and all(isinstance(x, _SCALAR) for x in v):
                    clean[k] = [str(x) for x in v]
                elif v is not None:
                    bad(key, "is not a list of values")
            elif k in _PATH_FIELDS:
                if isinstance(v, list):
                    items = [
                        {"path": str(x["path"])}
                        if isinstance(x, dict) and isinstance(x.get("path"), _SCALAR)
                        else {"path": str(x)}
                        if isinstance(x, str)
                        else None
                        for x in v
                    ]
                    if None in items:
                        bad(key, "has entries without a `path`")
                    clean[k] = [x for x in items if x]
                elif v is not None:
                    bad(key, "is not a list")
            elif k == "gates":
                g = _clean_gates(v, key, bad)
                if g is not None:
                    clean[k] = g
            else:
                clean[k] = v
        out["slices"].append(clean)
    if "gates" in data:
        gates = data["gates"]
        if isinstance(gates, dict):
            out["gates"] = {}
            for sid, cads in gates.items():
                g = _clean_gates(cads, f"gates.{sid}", bad)
                if g is not None:
                    out["gates"][str(sid)] = g
        else:
            bad("gates", "is not a map of slices to cadences")
    return out


def _clean_gates(v: object, key: str, bad: Callable[[str, str], None]) -> dict | None:
    if not isinstance(v, dict):
        bad(key, "is not a map of cadences to gate lists")
        return None
    out = {}
    for cad, items in v.items():
        if isinstance(items, list) and all(isinstance(x, _SCALAR) for x in items):
            out[str(cad)] = [str(x) for x in items]
        else:
            bad(f"{key}.{cad}", "is not a list of commands")
    return out


def read_markdown_doc(pk: Packet, path: str, text: str) -> None:
    root = parse_markdown(text)
    mine: dict[str, PSlice] = {}
    pk.md_slices[path] = mine
    for sec in root.walk():
        if sec.level == 0:
            continue
        mt = SLICE_HEAD.match(strip_md(sec.title))
        current: PSlice | None = None
        if mt:
            sid = mt.group(1)
            current = mine.setdefault(sid, PSlice(sid, Loc(path, sec.line)))
            title = re.sub(r"^\(|\)$", "", mt.group(2).strip()).strip()
            if title and current.title is None:
                current.title = (title, Loc(path, sec.line))
        label_pending: str | None = None
        label_line = sec.line
        for b in sec.blocks:
            if isinstance(b, Para):
                lab = re.match(r"^([A-Za-z/ ]{2,30}):$", b.text.strip())
                label_pending = lab.group(1) if lab else None
                label_line = b.line
                continue
            if isinstance(b, Fence):
                read_fence(pk, path, b)
                continue
            if not isinstance(b, Item):
                continue
            read_item(pk, path, b, current, label_pending, label_line)
        if re.search(r"signal|watchlist|failure mode", sec.title, re.I):
            for b in sec.blocks:
                if isinstance(b, Item):
                    mt2 = re.match(
                        r"^\s*([A-Z]{1,4}\d+[A-Z]?(?:\s*/\s*[A-Z]{1,4}\d+[A-Z]?)*)\b[:\s]\s*(.*)$", strip_md(b.text)
                    )
                    if mt2:
                        ids = [x.strip() for x in mt2.group(1).split("/")]
                        response = "; ".join(strip_md(c.text).lstrip("- ") for c in b.children) or None
                        pk.signals.append((ids, mt2.group(2).strip().rstrip(":"), response, Loc(path, b.line)))
        if re.search(r"cadence", sec.title, re.I):
            for b in sec.blocks:
                if isinstance(b, Item):
                    mt2 = re.match(r"^\W*(\w[\w\- ]{0,20}?)\s+suite\b", strip_md(b.text), re.I)
                    if mt2:
                        cid = mt2.group(1).strip().lower().replace(" ", "_")
                        events = [strip_md(c.text).rstrip(",.") for c in b.children]
                        pk.cadences[cid] = (events, Loc(path, b.line))


def read_item(pk: Packet, path: str, it: Item, current: PSlice | None, group: str | None, group_line: int) -> None:
    label, rest = label_of(it.text)
    spans = code_spans(it.text)
    if current is not None and group and not re.search(r"outcome|criteria|require|note", group, re.I):
        cmds = [c for c in spans if looks_command(c)]
        if not cmds:
            return
        for cadence in re.split(r"[/,]", group):
            cad = cadence.strip().lower().replace(" ", "_")
            if cad:
                current.gates.setdefault(cad, []).extend((c, Loc(path, it.line)) for c in cmds)
        return
    if current is not None and re.fullmatch(r"owners?", label.strip(), re.I):
        handles = [c for c in spans if c.startswith("@")] or [strip_md(rest)]
        current.owner = (" ".join(handles), Loc(path, it.line))
        return
    if current is not None and re.fullmatch(r"backups?", label.strip(), re.I):
        handles = [c for c in spans if c.startswith("@")] or [strip_md(rest)]
        current.backup = (" ".join(handles), Loc(path, it.line))
        return
    if re.search(r"\bbranch\b", label, re.I):
        brs = [c for c in spans if looks_branch(c)]
        if brs:
            pk.branches.append((label, brs[0], Loc(path, it.line)))
    for c in it.children:
        read_item(pk, path, c, current, None, group_line)


def read_fence(pk: Packet, path: str, f: Fence) -> None:
    import json

    if not f.content.strip().startswith("{"):
        return
    try:
        obj = json.loads(f.content)
    except ValueError:
        return
    if not isinstance(obj, dict):
        return
    lines = f.content.split("\n")
    for k, v in obj.items():
        if isinstance(v, str):
            off = next((i for i, ln in enumerate(lines) if f'"{k}"' in ln), 0)
            pk.scripts[k] = (v, Loc(path, f.line + 1 + off))
