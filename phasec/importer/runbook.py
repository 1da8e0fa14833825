"""Recognise a markdown runbook's sections by content and shape, and build `.phc` statements.

Sections are classified by what they hold, helped by the words of their
headings (never by one exact heading): branch names and worktree paths (the
repo), agent ids in list items or an `Agent` table column (the team), agent
file templates such as ``AGENT_<N>_PLAN.md`` (the protocol), lists of absolute
paths (grounding), pass roots and artifact file names (outputs), headings that
number stages (``Stage 1.5:``, ``G2 -``, ``Gate G1.5:``) with slices in their
titles, sub-headings or steps, suites and commands (cadences and gates),
scenarios, assumptions, interfaces, acceptance criteria.  Whatever is not
mapped is kept as a ``note`` (with its markdown line in a comment) on the
nearest construct, and reported (PC951).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from phasec.importer.coordination import Coord, Recogniser
from phasec.importer.coordination import emit as emit_coordination
from phasec.importer.markdown import Block, Fence, Item, Para, Section, Table, code_spans
from phasec.importer.writer import Stmt, free_id, ident, is_id, is_name, s

AGENT_ID = re.compile(r"^(?:[A-Z][A-Z0-9]*-\d+|[A-Z]{1,3}\d+[A-Z]?)$")
AGENT_WORDS = re.compile(r"\b[Aa]gent[ -](\d+)\b")
SLICE_TOKEN = re.compile(r"(?<![A-Za-z0-9_.-])([A-Z]{1,3}\d+[A-Z]?)(?![A-Za-z0-9_])")
RANGE = re.compile(r"\b([A-Z]{1,3})(\d+)\s*(?:\.\.|–|—|-|to)\s*\1?(\d+)\b")
STAGE_HEADING = re.compile(
    r"^(?:(?:stage|gate|step|wave|phase|milestone)\s+)?([A-Za-z]?\d+(?:\.\d+)?[a-z]?)\s*(?:[:.)\-–—]|$)\s*(.*)$", re.I
)
STAGE_KEYWORD = re.compile(r"^(?:stage|gate|step|wave|milestone)\s+", re.I)
G_STAGE = re.compile(r"^G\d+(?:\.\d+)?\b")
COMMAND = re.compile(
    r"^(?:bun|bunx|npm|npx|pnpm|yarn|node|python3?|pytest|cargo|go|make|git|gt|uv|deno|sh|bash|\./|tox|ruff|mypy|"
    r"markdownlint|find|docker|kubectl|gradle|mvn|dotnet|rake|bundle|just)\b"
)
NUMBER_WORDS = {
    w: i
    for i, w in enumerate(
        ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"]
    )
}
STOP = {
    "a",
    "an",
    "the",
    "and",
    "or",
    "of",
    "to",
    "for",
    "in",
    "on",
    "with",
    "by",
    "from",
    "at",
    "as",
    "is",
    "are",
    "be",
    "must",
    "all",
    "any",
    "each",
    "only",
    "into",
    "this",
    "that",
    "owner",
    "owners",
    "implementation",
    "implement",
    "runtime",
    "+",
    "/",
    "-",
}


def words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in STOP and len(w) > 1}


def strip_md(text: str) -> str:
    return text.replace("`", "").strip()


def label_of(text: str) -> tuple[str, str]:
    """`Planning branch: `x`` -> ("Planning branch", "`x`") (no label: ("", text))."""
    m = re.match(r"^([^:`]{1,80}?):\s*(.*)$", text)
    if m:
        return m.group(1).strip(), m.group(2).strip()
    return "", text


def is_abs_path(t: str) -> bool:
    return t.startswith("/") and " " not in t and len(t) > 1


def looks_branch(t: str) -> bool:
    return (
        "/" in t
        and " " not in t
        and not t.startswith(("/", ".", "~"))
        and not re.search(r"\.\w{1,5}$", t)
        and not t.startswith("http")
    )


def looks_file(t: str) -> bool:
    return " " not in t and bool(re.search(r"\.[A-Za-z0-9]{1,6}$", t)) and "<" not in t[:1]


def looks_command(t: str) -> bool:
    return " " in t.strip() and bool(COMMAND.match(t.strip()))


def number(text: str) -> int | None:
    text = text.lower()
    if text.isdigit():
        return int(text)
    return NUMBER_WORDS.get(text)


@dataclass
class Diag:
    code: str
    severity: str
    message: str
    line: int
    related: list[tuple[str, int, str]] = field(default_factory=list)  # (file, line, message)
    help: str | None = None


@dataclass
class SliceM:
    id: str
    title: str
    line: int
    agents: list[str] = field(default_factory=list)
    agents_line: int = 0
    after: list[tuple[str, bool]] = field(default_factory=list)
    after_stated: set[str] = field(default_factory=set)
    branch: str | None = None
    files: list[tuple[str, list[str]]] = field(default_factory=list)  # path, flags
    objective: str | None = None
    body: list[Stmt] = field(default_factory=list)
    triggers: list[tuple[str, str]] = field(default_factory=list)
    conditional: bool = False
    owner: str | None = None
    backup: str | None = None
    gates: list[tuple[str, list[str]]] = field(default_factory=list)
    requires: list[str] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    kind: str | None = None


@dataclass
class StageM:
    id: str
    title: str
    line: int
    covers: list[str] = field(default_factory=list)
    body: list[Stmt] = field(default_factory=list)


@dataclass
class AgentM:
    id: str
    resp: str
    line: int
    skills: list[str] = field(default_factory=list)
    body: list[Stmt] = field(default_factory=list)
    claims: list[str] = field(default_factory=list)  # slices its responsibility says it owns


#: An outputs block: (id, root, [(artifact id, file name, markdown line)], other statements).
Output = tuple[str, str, list[tuple[str, str, int]], list[Stmt]]


class Model:
    """Everything recognised in one runbook."""

    def __init__(self, path: str):
        self.path = path
        self.phase_id = "P"
        self.title = ""
        self.title_line = 1
        self.phase: list[Stmt] = []
        self.repo: list[Stmt] = []
        self.branches: dict[str, tuple[str, int, str]] = {}  # id -> (name, line, label)
        self.tool: str | None = None
        self.cap: int | None = None
        self.cap_line = 0
        self.agents: dict[str, AgentM] = {}
        self.aliases: dict[str, str] = {}
        self.team_extra: list[Stmt] = []
        self.protocol: list[Stmt] = []
        self.grounding: list[tuple[str, list[Stmt]]] = []
        self.introspect: list[Stmt] = []
        self.outputs: list[Output] = []
        self.stages: list[StageM] = []
        self.slices: dict[str, SliceM] = {}
        self.cadences: dict[str, tuple[str, list[str], int]] = {}
        self.gates: dict[str, Stmt] = {}
        self.checks: dict[str, Stmt] = {}
        self.scripts_added_in: tuple[list[str], int, str] | None = None
        self.scripts_runner: str | None = None
        self.top: list[Stmt] = []  # interfaces, scenarios, assumptions, ...
        self.exit: list[Stmt] = []
        self.notes: list[Stmt] = []
        self.owners: dict[str, str | None] = {}
        self.invariants: list[Stmt] = []
        self.deferred: list[Stmt] = []
        self.diags: list[Diag] = []
        self.merge_comments: list[str] = []
        self.coord = Coord()

    # -- helpers --------------------------------------------------------------------------

    def unmapped(
        self,
        target: list[Stmt],
        text: str,
        line: int,
        where: str,
        children: list[Item] | None = None,
        warn: bool = True,
    ) -> None:
        st = Stmt("note", [s(text)], comments=[f"md:{line} (not mapped: kept as prose)"])
        for c in children or []:
            st.add(item_stmt(c))
        target.append(st)
        if warn:
            self.diags.append(
                Diag(
                    "PC951",
                    "warning",
                    f"not mapped, kept as a note {where}: {short(text)}",
                    line,
                    help="finish it by hand: move it into the statement it belongs to (docs/import.md)",
                )
            )

    def agent_refs(self, text: str) -> list[str]:
        """Agents a text names: `P1`, I4A, Agent 3, AGENT-1 (in the order named, once each)."""
        found: list[tuple[int, str]] = []
        for m in AGENT_WORDS.finditer(text):
            a = self.aliases.get(f"agent {m.group(1)}")
            if a:
                found.append((m.start(), a))
        for aid in self.agents:
            for m in re.finditer(r"(?<![A-Za-z0-9_\-])" + re.escape(aid) + r"(?![A-Za-z0-9_])", text):
                found.append((m.start(), aid))
        out: list[str] = []
        for _, a in sorted(found):
            if a not in out:
                out.append(a)
        return out

    def slice_refs(self, text: str) -> list[str]:
        out: list[str] = []
        for m in RANGE.finditer(text):
            pre, lo, hi = m.group(1), int(m.group(2)), int(m.group(3))
            if lo < hi <= lo + 30:
                for k in range(lo, hi + 1):
                    sid = f"{pre}{k}"
                    if sid not in out:
                        out.append(sid)
        for m in SLICE_TOKEN.finditer(text):
            sid = m.group(1)
            if sid in self.agents or sid in out:
                continue
            out.append(sid)
        return out

    def known_slices(self, text: str) -> list[str]:
        return [x for x in self.slice_refs(text) if x in self.slices]


def short(text: str, n: int = 70) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def item_stmt(it: Item, kw: str = "item") -> Stmt:
    st = Stmt(kw, [s(it.text or "")])
    for c in it.children:
        st.add(item_stmt(c))
    for t, _ in it.extra:
        st.add(Stmt("item", [s(t)]))
    for f in it.fences:
        st.add(Stmt("item", [s(fence_text(f))]))
    return st


def fence_text(f: Fence) -> str:
    return f.content.rstrip("\n")


def item_all_text(it: Item) -> str:
    parts = [it.text] + [t for t, _ in it.extra] + [item_all_text(c) for c in it.children]
    return " ".join(p for p in parts if p)


def section_items(sec: Section) -> list[Item]:
    return [b for b in sec.blocks if isinstance(b, Item)]


def leaf_items(items: list[Item]) -> list[Item]:
    out: list[Item] = []
    for it in items:
        if it.children:
            out.extend(leaf_items(it.children))
        else:
            out.append(it)
    return out


def section_text(sec: Section) -> str:
    parts: list[str] = []
    for b in sec.blocks:
        if isinstance(b, Item):
            parts.append(item_all_text(b))
        elif isinstance(b, Para):
            parts.append(b.text)
        elif isinstance(b, Table):
            parts.append(" ".join(b.header))
            parts.extend(" ".join(r) for r, _ in b.rows)
    return " ".join(parts)


# ─── classification ──────────────────────────────────────────────────────────


def stage_of_heading(title: str) -> tuple[str, str] | None:
    """`Stage 1.5: Grounding` -> ("1.5", "Grounding"); `G2 - Runtime` -> ("G2", "Runtime")."""
    t = strip_md(title)
    if not (STAGE_KEYWORD.match(t) or G_STAGE.match(t)):
        return None
    m = STAGE_HEADING.match(t)
    if not m:
        return None
    sid, rest = m.group(1), m.group(2).strip()
    return sid, rest or t


def classify(sec: Section, m: Model) -> str | None:
    h = sec.title.lower()
    items = section_items(sec)
    leaves = leaf_items(items)
    spans = [c for it in leaves for c in code_spans(it.text)]
    text = section_text(sec)
    tables = [b for b in sec.blocks if isinstance(b, Table)]
    if any(stage_of_heading(sub.title) for sub in sec.subsections):
        return "flow"
    if re.search(r"\bassumption|\bdefaults\b", h):
        return "assumptions"
    if re.search(r"scenario|test case", h) or (
        items and sum("scenario" in it.text.lower() for it in items) * 2 > len(items)
    ):
        return "scenarios"
    if re.search(r"interface|public api|\btypes\b", h):
        return "interfaces"
    if re.search(r"out of scope|non-goals?|not in scope", h):
        return "out_of_scope"
    if re.search(r"\bscope\b", h):
        return "scope"
    if re.search(r"acceptance|completion criteria|exit|definition of done|done when", h):
        return "exit"
    slice_tables = [
        t
        for t in tables
        if t.header
        and re.search(r"\b(slice|lane|id|work ?item)\b", t.header[0], re.I)
        and t.rows
        and all(re.fullmatch(r"[A-Z]{1,4}-?\d+[A-Z]?", strip_md(r[0]).strip("*")) for r, _ in t.rows if r)
    ]
    if slice_tables:
        return "slices"
    agent_items = [it for it in items if agent_lead(it.text)]
    agent_tables = [t for t in tables if t.header and any(re.search(r"\bagent\b", c, re.I) for c in t.header[:1])]
    if len(agent_items) >= 2 or agent_tables:
        return "team"
    if re.search(r"introspect", h) or (
        "introspect" in text.lower()
        and any(is_abs_path(c) for c in spans)
        and any(m.agent_refs(it.text) for it in items)
    ):
        return "introspect"
    if any(
        re.search(r"\broot\b", (lab := label_of(it.text)[0]), re.I)
        and not re.search(r"branch|worktree", lab, re.I)
        and any(is_abs_path(c) for c in code_spans(item_all_text(it)))
        for it in items
    ):
        return "outputs"
    if "AGENT_<N>" in text or re.search(r"protocol", h):
        return "protocol"
    if (
        leaves
        and sum(
            1
            for it in leaves
            if (cs := code_spans(it.text))
            and len(cs) == 1
            and is_abs_path(cs[0])
            and strip_md(it.text).rstrip(".,;") == cs[0]
        )
        * 2
        >= len(leaves)
        and not re.search(r"output|artifact", h)
    ):
        return "grounding"
    branchy = sum(
        1
        for it in leaves
        if re.search(r"\bbranch", it.text, re.I) and any(looks_branch(c) for c in code_spans(it.text))
    )
    branchy += sum(
        1
        for it in items
        if re.search(r"\bbranch", it.text, re.I)
        and it.children
        and any(looks_branch(c) for ch in it.children for c in code_spans(ch.text))
    )
    if branchy >= 1 and re.search(r"branch|worktree|base|git|repo", h + " " + text.lower()):
        return "repo"
    if re.search(r"\bsuite\b", text, re.I) or (
        re.search(r"gate|verif|check|test", h) and any(looks_command(c) for c in spans)
    ):
        return "gates"
    if re.search(r"summary|overview|goal|purpose|context", h) or sec.parent is None:
        return "summary"
    return None


def agent_lead(text: str) -> str | None:
    """The agent id a list item starts with (`P1` ..., I4A: ..., Agent 3 ..., AGENT-1 ...), if any."""
    t = text.strip()
    m = re.match(r"^`([^`]+)`", t)
    if m and AGENT_ID.match(m.group(1)):
        return m.group(1)
    m = re.match(r"^\*{0,2}([A-Z][A-Z0-9]*(?:-\d+)?)\*{0,2}\s*[:\-–—]", t)
    if m and AGENT_ID.match(m.group(1)):
        return m.group(1)
    m = re.match(r"^\*{0,2}([Aa]gent[ -]\d+)\*{0,2}\s*[:\-–—(]", t)
    if m:
        return m.group(1)
    return None


# ─── building ────────────────────────────────────────────────────────────────


def build(root: Section, path: str) -> Model:
    m = Model(path)
    h1 = next((sec for sec in root.subsections if sec.level == 1), None)
    top: list[Section] = []
    if h1 is not None:
        m.title, m.title_line = strip_md(h1.title), h1.line
        for sec in root.subsections:
            if sec is h1:
                top.extend(sec.subsections)
            else:
                top.append(sec)
        preamble = h1.blocks
    else:
        top = list(root.subsections)
        preamble = []
    preamble = list(root.blocks) + list(preamble)
    m.phase_id = phase_id_of(m.title, root)
    top = group_stage_sections(top)
    coord = Recogniser(m, m.coord, agent_lead)
    top = [sec for sec in top if not take_coordination(m, coord, sec)]
    kinds = [(sec, classify(sec, m)) for sec in top]
    for sec, kind in kinds:
        if kind == "team":
            do_team(m, sec)
    find_cap(m, root)
    for sec, kind in kinds:
        if kind == "slices":
            do_slice_table(m, sec)
    for sec, kind in kinds:
        if kind == "flow":
            do_flow(m, sec)
    for sec, kind in kinds:
        if kind == "repo":
            do_repo(m, sec)
    if preamble:
        do_summary(m, preamble, "the phase")
    for sec, kind in kinds:
        if kind in ("team", "flow", "repo", "slices"):
            continue
        handler = HANDLERS.get(kind or "")
        if handler is None:
            do_unknown(m, sec, m.notes)
        else:
            handler(m, sec)
    infer_slice_agents(m)
    check_ownership_claims(m)
    link_submissions(m)
    coord.finish()
    return m


#: The kinds of section the coordination shapes are looked for in (the others have their own readers).
COORDINATION_KINDS = (None, "team", "summary", "protocol", "repo")


def take_coordination(m: Model, coord: Recogniser, sec: Section) -> bool:
    """Recognise the coordination shapes in a section and its sub-sections (phasec.importer.coordination);
    True when nothing of the section is left for the ordinary classification."""
    kind = classify(sec, m)
    if kind == "slices" and any(isinstance(b, Table) for b in sec.blocks):
        return coord.ledger(sec)  # a table of ids under a log/ledger/register heading is a ledger
    if kind not in COORDINATION_KINDS:
        return False
    for sub in list(sec.subsections):
        if take_coordination(m, coord, sub):
            sec.subsections.remove(sub)
    return coord.section(sec, kind)


def link_submissions(m: Model) -> None:
    """`Submit planning branch after closure.`: the step submits the branch its words name."""
    for stage in m.stages:
        for st in stage.body:
            if st.kw != "step" or "submits" in st.args or not st.args:
                continue
            text = st.args[0]
            if not re.search(r"\bsubmit", text, re.I):
                continue
            named = [bid for bid in m.branches if re.search(r"\b" + re.escape(bid.split("_")[0]) + r"\b", text, re.I)]
            if len(named) == 1:
                st.args += ["submits", named[0]]


def group_stage_sections(top: list[Section]) -> list[Section]:
    """Stage headings written at the top level (`## Stage 1: Build`) are grouped into one flow section."""
    out: list[Section] = []
    for sec in top:
        if stage_of_heading(sec.title) is not None:
            if not (out and out[-1].title == "" and out[-1].subsections and out[-1].line == -1):
                out.append(Section(level=sec.level - 1, title="", line=-1, parent=sec.parent))
            out[-1].subsections.append(sec)
        else:
            out.append(sec)
    return out


def phase_id_of(title: str, root: Section) -> str:
    mt = re.search(r"\bphase[\s\-_]+([A-Z][A-Za-z0-9]{0,3})\b", title, re.I)
    if mt and mt.group(1).lower() not in ("plan", "run"):
        return mt.group(1).upper() if len(mt.group(1)) == 1 else mt.group(1)
    mt = re.search(r"\b([A-Z]{1,4}-\d+)\b", title)
    if mt:
        return mt.group(1)
    # an id such as `MP-306` named in the text, but not an agent's (`A-1` leading a table row or an item)
    agents: set[str] = set()
    for sec in root.walk():
        for b in sec.blocks:
            if isinstance(b, Table):
                agents.update(strip_md(r[0]) for r, _ in b.rows if r)
            elif isinstance(b, Item) and (lead := agent_lead(b.text)):
                agents.add(lead)
    everything = " ".join(sec.title + " " + section_text(sec) for sec in root.walk())
    for mt in re.finditer(r"`([A-Z]{1,4}-\d+)`", everything):
        if mt.group(1) not in agents:
            return mt.group(1)
    return "P"


def find_cap(m: Model, root: Section) -> None:
    for sec in root.walk():
        texts = [(sec.title, sec.line)]
        for b in sec.blocks:
            if isinstance(b, Item):
                texts.extend((it.text, it.line) for it in [b, *leaf_items(b.children)])
                texts.extend(b.extra)
            elif isinstance(b, Para):
                texts.append((b.text, b.line))
        for t, line in texts:
            mt = re.search(
                r"\b(?:max(?:imum)?\.?|at most|no more than|up to)\s+(\w+)\s+(?:active\s+|concurrent\s+)?agents?\b"
                r"|\bmax\s+(\w+)\s+active\b|\((\d+)\s+agents\b",
                t,
                re.I,
            )
            if mt:
                n = number(next(g for g in mt.groups() if g))
                if n:
                    m.cap, m.cap_line = n, line
                    return


# -- team ------------------------------------------------------------------------------


def add_agent(m: Model, raw: str, resp: str, line: int) -> str | None:
    raw = strip_md(raw).strip("*").strip()
    mt = re.match(r"^[Aa]gent[ -](\d+)$", raw)
    if mt:
        aid = f"Agent-{mt.group(1)}"
        m.aliases[f"agent {mt.group(1)}"] = aid
    elif AGENT_ID.match(raw):
        aid = raw
        mt = re.search(r"(\d+)$", raw)
        if raw.upper().startswith("AGENT") and mt:
            m.aliases[f"agent {mt.group(1)}"] = aid
    else:
        return None
    if aid in m.agents:
        return aid
    m.agents[aid] = AgentM(aid, resp.strip().rstrip("."), line)
    return aid


def do_team(m: Model, sec: Section) -> None:
    for b in sec.blocks:
        if isinstance(b, Item):
            aid = agent_lead(b.text)
            if aid:
                rest = re.sub(
                    r"^`[^`]+`\s*[:\-–—]?\s*|^\*{0,2}(?:[Aa]gent[ -]\d+|[A-Z][A-Z0-9-]*)\*{0,2}\s*[:\-–—]\s*",
                    "",
                    b.text.strip(),
                    count=1,
                )
                alias = m.aliases.get(re.sub(r"[ -]", " ", aid.lower())) if AGENT_WORDS.match(aid) else None
                if aid in m.agents or alias:
                    a = m.agents[alias or aid]
                    lane = m.slices.get(a.id)
                    paths = [c for c in code_spans(rest) if ("/" in c or looks_file(c)) and " " not in c]
                    if lane is not None and paths and re.search(r"only|boundar|files?|owns?", b.text + sec.title, re.I):
                        lane.files.extend((p, []) for p in paths)
                        lane.body.append(Stmt("note", [s(b.text)], comments=[f"md:{b.line} file boundary"]))
                    else:
                        a.body.append(Stmt("note", [s(b.text)], comments=[f"md:{b.line}"]))
                    for c in b.children:
                        a.body.append(Stmt("note", [s(item_all_text(c))]))
                    continue
                aid = add_agent(m, aid, rest, b.line) or aid
                if aid not in m.agents:
                    m.unmapped(m.team_extra, b.text, b.line, "in the team", b.children)
                    continue
                a = m.agents[aid]
                for c in b.children:
                    a.body.append(Stmt("charter", [s(item_all_text(c))]))
                continue
            m.unmapped(m.team_extra, b.text, b.line, "in the team", b.children)
        elif isinstance(b, Table):
            do_agent_table(m, b)
        elif isinstance(b, Para):
            m.unmapped(m.team_extra, b.text, b.line, "in the team")
        elif isinstance(b, Fence):
            m.unmapped(m.team_extra, fence_text(b), b.line, "in the team")
    for sub in sec.subsections:
        do_unknown(m, sub, m.team_extra)


def do_agent_table(m: Model, t: Table) -> None:
    hdr = [strip_md(h).lower() for h in t.header]
    slices_col = next((i for i, h in enumerate(hdr) if re.search(r"slices?\b", h)), None)
    branch_col = next((i for i, h in enumerate(hdr) if "branch" in h), None)
    wt_col = next((i for i, h in enumerate(hdr) if "worktree" in h), None)
    resp_col = 1 if len(hdr) > 1 else None
    for cells, line in t.rows:
        if not cells:
            continue
        aid = add_agent(m, cells[0], cells[resp_col] if resp_col is not None else "", line)
        if aid is None:
            continue
        a = m.agents[aid]
        for i, c in enumerate(cells):
            if i in (0, resp_col):
                continue
            a.body.append(Stmt("note", [s(f"{t.header[i]}: {c}")]))
        if slices_col is not None:
            a.claims = list(SLICE_TOKEN.findall(cells[slices_col]))
        elif branch_col is not None:
            # a lane per row: the row is a slice executed by its agent
            br = code_spans(cells[branch_col]) or [strip_md(cells[branch_col])]
            sl = SliceM(
                aid, strip_md(cells[resp_col]) if resp_col is not None else aid, line, agents=[aid], agents_line=line
            )
            sl.branch = br[0]
            if wt_col is not None:
                wt = code_spans(cells[wt_col]) or [strip_md(cells[wt_col])]
                sl.comments.append(f"worktree: {wt[0]}")
            m.slices.setdefault(aid, sl)


# -- summary, scope ----------------------------------------------------------------------


def do_summary(m: Model, blocks: list[Block], where: str = "the phase") -> None:
    for b in blocks:
        if isinstance(b, Item):
            label, _ = label_of(b.text)
            if re.match(r"locked", label, re.I) and b.children:
                for c in b.children:
                    st = Stmt("locked", [s(c.text)])
                    for cc in c.children:
                        st.add(item_stmt(cc))
                    m.phase.append(st)
                continue
            if (
                re.search(r"execution (begins|starts)|plan mode|when implementation mode", b.text, re.I)
                and not b.children
                and not any(x.kw == "activation" for x in m.phase)
            ):
                m.phase.append(Stmt("activation", [s(b.text)]))
                continue
            st = Stmt("summary", [s(b.text)])
            m.phase.append(st)
            rest_items = [item_stmt(c) for c in b.children] + [Stmt("item", [s(t)]) for t, _ in b.extra]
            if rest_items:
                m.phase.append(Stmt("note", [s(f"{short(b.text, 60)} (continued)")], body=rest_items))
        elif isinstance(b, Para):
            m.phase.append(Stmt("summary", [s(b.text)]))
        elif isinstance(b, Table):
            do_table_note(m, m.phase, b, where)
        elif isinstance(b, Fence):
            m.unmapped(m.phase, fence_text(b), b.line, f"in {where}")


def do_table_note(m: Model, target: list[Stmt], t: Table, where: str) -> None:
    st = Stmt("note", [s(" | ".join(t.header))], comments=[f"md:{t.line} (table, not mapped: kept as prose)"])
    for cells, _ in t.rows:
        st.add(Stmt("item", [s(" | ".join(cells))]))
    target.append(st)
    m.diags.append(
        Diag("PC951", "warning", f"table not mapped, kept as a note in {where}: {short(' | '.join(t.header))}", t.line)
    )


def do_summary_sec(m: Model, sec: Section) -> None:
    do_summary(m, sec.blocks, f"the phase ({sec.title})")
    for sub in sec.subsections:
        do_unknown(m, sub, m.phase)


def do_scope(kw: str) -> Callable[[Model, Section], None]:
    def handler(m: Model, sec: Section) -> None:
        for b in sec.blocks:
            if isinstance(b, Item):
                st = Stmt(kw, [s(b.text)])
                m.phase.append(st)
                for c in b.children:
                    m.phase.append(Stmt(kw, [s(item_all_text(c))]))
            elif isinstance(b, Para):
                m.phase.append(Stmt(kw, [s(b.text)]))
            else:
                do_blocks_as_notes(m, [b], m.phase, sec.title)
        for sub in sec.subsections:
            do_unknown(m, sub, m.phase)

    return handler


def do_blocks_as_notes(m: Model, blocks: Sequence[Block], target: list[Stmt], where: str) -> None:
    for b in blocks:
        if isinstance(b, Item):
            m.unmapped(target, b.text, b.line, f"in {where}", b.children)
            for t, line in b.extra:
                m.unmapped(target, t, line, f"in {where}", warn=False)
            for f in b.fences:
                m.unmapped(target, fence_text(f), f.line, f"in {where}", warn=False)
        elif isinstance(b, Para):
            m.unmapped(target, b.text, b.line, f"in {where}")
        elif isinstance(b, Table):
            do_table_note(m, target, b, where)
        elif isinstance(b, Fence):
            m.unmapped(target, fence_text(b), b.line, f"in {where}")


def do_unknown(m: Model, sec: Section, target: list[Stmt]) -> None:
    """A section nothing recognises: a note with its heading, holding its content as prose."""
    st = Stmt("note", [s(sec.title)], comments=[f"md:{sec.line} section not mapped: kept as prose"])
    inner: list[Stmt] = []
    do_blocks_as_notes(m, sec.blocks, inner, f"'{short(sec.title, 40)}'")
    for sub in sec.subsections:
        do_unknown(m, sub, inner)
    st.body = inner or None
    target.append(st)
    if not sec.blocks and not sec.subsections:
        m.diags.append(Diag("PC951", "warning", f"empty section kept as a note: {short(sec.title)}", sec.line))


# -- repo --------------------------------------------------------------------------------


def do_repo(m: Model, sec: Section) -> None:
    last_branch: str | None = None
    pending: list[Stmt] = []

    def handle(it: Item, label_hint: str = "") -> None:
        nonlocal last_branch
        label, rest = label_of(it.text)
        label = label or label_hint
        spans = code_spans(it.text) + [c for t, _ in it.extra for c in code_spans(t)]
        low = it.text.lower()
        if re.search(r"\bgt\b|graphite", low):
            m.tool = m.tool or "graphite"
        if re.search(r"slice branch|lane branch", low) and it.children:
            for c in it.children:
                cs = code_spans(c.text)
                if cs and looks_branch(cs[0]):
                    sids = [
                        x
                        for x in m.slices
                        if re.search(r"(?:^|[-/_])" + re.escape(x.lower()) + r"(?:$|[-/_])", cs[0].lower())
                    ]
                    if sids and m.slices[sids[0]].branch is None:
                        m.slices[sids[0]].branch = cs[0]
                        if "conditional" in c.text.lower():
                            m.slices[sids[0]].comments.append(
                                f"md:{c.line} the runbook marks this slice branch conditional"
                            )
                    else:
                        m.unmapped(pending, c.text, c.line, "in the repo (a slice branch no slice claims)")
                else:
                    m.unmapped(pending, c.text, c.line, "in the repo")
            return
        cmd = [c for c in spans if looks_command(c)]
        br = [c for c in spans if looks_branch(c) and not looks_command(c)]
        wt = [c for c in spans if is_abs_path(c)]
        if cmd and re.search(r"worktree add|checkout -b|branch ", cmd[0]) and last_branch:
            m.repo.append(
                Stmt("note", [s(it.text)], comments=[f"md:{it.line} creation command of branch {last_branch}"])
            )
            m.branches[last_branch] = m.branches[last_branch][:2] + (m.branches[last_branch][2] + "|" + cmd[0],)
            return
        if re.search(r"\bbranch\b", label, re.I) and br and not it.children:
            bid = ident(re.sub(r"\s*\(.*?\)|\bbranch(es)?\b|\broot\b", "", label, flags=re.I)) or "branch"
            base = bid
            k = 2
            while bid in m.branches:
                bid = f"{base}_{k}"
                k += 1
            m.branches[bid] = (br[0], it.line, "")
            last_branch = bid
            return
        if re.search(r"\bworktree\b", label, re.I) and wt and not it.children:
            key = ident(re.sub(r"\bworktree\b", "", label, flags=re.I))
            target = next((b for b in m.branches if b == key or b.startswith(key)), last_branch)
            if target and "worktree=" not in m.branches[target][2]:
                name, line, extra = m.branches[target]
                m.branches[target] = (name, line, extra + "|worktree=" + wt[0])
                return
        if cmd and any(c.startswith("gt sync") or " sync" in c for c in cmd):
            only = " only" if re.search(r"\bonly\b", it.text) else ""
            sync = next(c for c in cmd if "sync" in c)
            m.repo.append(Stmt("sync", [s(sync)] + (["only"] if only else [])))
            for command in cmd:
                if "submit" in command:
                    m.repo.append(Stmt("submit", [s(command)] + (["per_slice"] if re.search(r"each|per", low) else [])))
            if label or len(cmd) > 1:
                m.repo.append(Stmt("rule", [s(it.text)]))
            return
        if re.search(r"end[- ]state", label, re.I):
            m.repo.append(Stmt("end_state", [s(rest or it.text)]))
            return
        m.repo.append(Stmt("rule", [s(it.text)], comments=[f"md:{it.line}"]))
        for c in it.children:
            m.repo.append(Stmt("rule", [s(item_all_text(c))]))
        for t, _ in it.extra:
            m.repo.append(Stmt("rule", [s(t)]))

    for b in sec.blocks:
        if isinstance(b, Item):
            handle(b)
        elif isinstance(b, Para):
            m.repo.append(Stmt("rule", [s(b.text)]))
        else:
            do_blocks_as_notes(m, [b], pending, "the repo")
    for sub in sec.subsections:
        do_unknown(m, sub, pending)
    m.repo.extend(pending)


def repo_stmts(m: Model) -> list[Stmt]:
    out: list[Stmt] = []
    if m.tool:
        out.append(Stmt("tool", [m.tool]))
    for bid, (name, line, extra) in m.branches.items():
        args = [bid, s(name)]
        comments = [f"md:{line}"]
        for part in extra.split("|"):
            if part.startswith("worktree="):
                args += ["worktree", s(part[len("worktree=") :])]
            elif part:
                args += ["create", s(part)]
        out.append(Stmt("branch", args, comments=comments))
    return out + m.repo


# -- flow: stages and slices -----------------------------------------------------------


def title_slices(m: Model, title: str) -> tuple[list[str], str]:
    """Slice ids in a stage title's parentheses (`Planning Pass (C0)`, (`A0..A6`)), and the title without them."""
    ids: list[str] = []
    clean = title
    for par in re.findall(r"\(([^()]*)\)", title):
        found = [x for x in m.slice_refs(par) if x not in m.agents]
        if found and len(strip_md(par)) <= 40:
            ids.extend(found)
            clean = clean.replace(f"({par})", "").strip()
    return ids, strip_md(clean).strip(" -:")


def slice_heading(m: Model, title: str) -> tuple[str, str, list[str]] | None:
    """`C1: Storage-Lock Redesign (I1)` -> ("C1", "Storage-Lock Redesign", ["I1"])."""
    t = strip_md(title)
    mt = re.match(r"^(?:slice\s+|lane\s+)?([A-Z]{1,4}-?\d+[A-Z]?)\s*(?:[:.)\-–—]|\s)\s*(.*)$", t, re.I)
    if not mt or mt.group(1) in m.agents:
        return None
    sid, rest = mt.group(1), mt.group(2)
    agents: list[str] = []
    for par in re.findall(r"\(([^()]*)\)", rest):
        refs = m.agent_refs(par)
        if refs:
            agents = refs
    return sid, rest.strip(), agents


def new_slice(m: Model, sid: str, title: str, line: int) -> SliceM:
    if sid not in m.slices:
        m.slices[sid] = SliceM(sid, title or sid, line)
    return m.slices[sid]


def do_flow(m: Model, sec: Section) -> None:
    pre: list[Stmt] = []
    do_blocks_as_notes(m, sec.blocks, pre, f"'{short(sec.title, 40)}'")
    prev_slices: list[str] = []
    for sub in sec.subsections:
        st = stage_of_heading(sub.title)
        if st is None:
            do_unknown(m, sub, m.notes)
            continue
        sid, title = st
        if not is_id(sid):
            sid = ident(sid)
        stage = StageM(sid, title, sub.line)
        covered, clean_title = title_slices(m, title)
        # slices in sub-headings
        heading_slices: list[tuple[Section, tuple[str, str, list[str]]]] = []
        for sub2 in sub.subsections:
            sh = slice_heading(m, sub2.title)
            if sh:
                heading_slices.append((sub2, sh))
        for sid2 in covered:
            if sid2 not in m.slices:
                new_slice(m, sid2, (clean_title or title) if len(covered) == 1 else sid2, sub.line)
        for sub2, (sid2, t2, agents) in heading_slices:
            sl = new_slice(m, sid2, re.sub(r"\s*\([^()]*\)\s*$", "", t2).strip() or sid2, sub2.line)
            if agents:
                sl.agents, sl.agents_line = agents, sub2.line
            if re.search(r"only if triggered|conditional", t2, re.I):
                sl.conditional = True
            if sid2 not in covered:
                covered.append(sid2)
        stage.covers = covered
        m.stages.append(stage)
        # steps
        for b in sub.blocks:
            do_step(m, stage, b)
        for sub2, (sid2, _, agents) in heading_slices:
            stage.body.append(
                Stmt(
                    "step",
                    [s(strip_md(sub2.title))] + (["by", *agents] if agents else []) + ["for", sid2],
                    comments=[f"md:{sub2.line}"],
                )
            )
            do_slice_body(m, m.slices[sid2], sub2)
        for sub2 in sub.subsections:
            if not slice_heading(m, sub2.title):
                do_unknown(m, sub2, stage.body)
        # default order: the slices of a stage come after those of the previous stage with
        # slices; slices written as sub-headings of one stage run in the order written
        mine = [x for x in covered if x in m.slices]
        heads = [sid2 for _, (sid2, _, _) in heading_slices]
        for x in mine:
            sl = m.slices[x]
            if sl.after_stated:
                continue
            k = heads.index(x) if x in heads else -1
            if k > 0:
                sl.after.append((heads[k - 1], False))
                sl.comments.append(
                    f"after {heads[k - 1]}: the order the stage writes its slices in (no dependency is stated)"
                )
                continue
            for p in prev_slices:
                if p != x and not any(a == p for a, _ in sl.after):
                    sl.after.append((p, False))
        if mine:
            sinks = [x for x in mine if not any(x == a for y in mine for a, _ in m.slices[y].after)] or mine
            prev_slices = list(sinks)
            for x in sinks:
                if m.slices[x].conditional:
                    prev_slices += [a for a, _ in m.slices[x].after if a not in prev_slices]
    m.notes[:0] = pre


STEP_GUARD = re.compile(r"^(if |only |constraint|enforce|any |no |do not|never|stop|guard)", re.I)


def do_slice_table(m: Model, sec: Section) -> None:
    """Slices as table rows: `| Slice | Title | Agent | Depends on | Branch |` (columns found by their names)."""
    target: list[Stmt] = []
    for b in sec.blocks:
        if not isinstance(b, Table):
            do_blocks_as_notes(m, [b], target, f"'{short(sec.title, 40)}'")
            continue
        hdr = [strip_md(h).lower() for h in b.header]

        def col(pattern: str, hdr: list[str] = hdr) -> int | None:
            return next((i for i, h in enumerate(hdr) if i and re.search(pattern, h)), None)

        c_title, c_agent = col(r"title|name|objective|scope|work|description"), col(r"agent|executor|assignee|lane")
        c_dep, c_branch = col(r"depend|after|needs|blocked"), col(r"branch")
        c_owner, c_files = col(r"owner|accountable"), col(r"files?|paths?|boundar")
        for cells, line in b.rows:
            if not cells:
                continue
            sid = strip_md(cells[0]).strip("*")
            sl = new_slice(m, sid, strip_md(cells[c_title]) if c_title is not None else sid, line)
            for i, c in enumerate(cells):
                if i == 0:
                    continue
                if i == c_title and c_title is not None:
                    continue
                if i == c_agent:
                    sl.agents = [
                        add_agent(m, a, "", line) or a
                        for a in re.findall(r"`?([A-Za-z][\w-]*\d[\w]*)`?", c)
                        if add_agent(m, a, "", line)
                    ]
                    sl.agents_line = line if sl.agents else 0
                elif i == c_dep:
                    deps = list(SLICE_TOKEN.findall(c))
                    sl.after = [(x, False) for x in deps]
                    sl.after_stated = set(deps)
                elif i == c_branch and (cs := code_spans(c) or [strip_md(c)]) and looks_branch(cs[0]):
                    sl.branch = cs[0]
                elif i == c_files and code_spans(c):
                    sl.files.extend((p, []) for p in code_spans(c))
                elif i == c_owner and re.fullmatch(r"`?@[\w./-]+`?", c.strip()):
                    sl.owner = strip_md(c)
                    m.owners.setdefault(sl.owner, None)
                else:
                    sl.body.append(Stmt("note", [s(f"{b.header[i]}: {c}")]))
    for sub in sec.subsections:
        do_unknown(m, sub, target)
    m.notes.extend(target)


def do_step(m: Model, stage: StageM, b: Block) -> None:
    if isinstance(b, Item):
        text = b.text
        agents = m.agent_refs(item_all_text(b) if not b.children else text)
        refs = [x for x in m.slice_refs(text) if x not in m.agents]
        # a slice introduced by a step (`A0` by Agent 3: ...)
        for x in refs:
            if x in stage.covers and x not in m.slices:
                new_slice(m, x, slice_title_from_step(text, x), b.line)
        fors = [x for x in refs if x in stage.covers]
        implicit = not fors and len(stage.covers) == 1 and stage.covers[0] in m.slices
        # `After `A1` is green, Agent 1 executes `A2``: a stated dependency
        mt = re.match(
            r"^after (.+?) (?:is|are) (?:green|done|complete|merged|landed)\b[,:]?(.*)$", strip_md(text), re.I
        )
        if mt:
            deps = [x for x in m.slice_refs(mt.group(1)) if x in m.slices]
            targets = [
                x for x in m.slice_refs(mt.group(2) + " " + " ".join(c.text for c in b.children)) if x in m.slices
            ]
            for tgt in targets:
                sl = m.slices[tgt]
                for d in deps:
                    if d != tgt and d not in sl.after_stated:
                        sl.after_stated.add(d)
                        sl.after = [(a, f) for a, f in sl.after if a in sl.after_stated]
                        sl.after.append((d, False))
            fors = targets or fors
            for x in targets:
                if m.slices[x].title == x and strip_md(mt.group(2)).find(x) >= 0:
                    m.slices[x].title = slice_title_from_step(mt.group(2), x)
            if targets:
                agents_c = m.agent_refs(item_all_text(b))
                agents = agents_c
        if not mt and len(fors) == 1 and m.slices[fors[0]].title == fors[0]:
            m.slices[fors[0]].title = slice_title_from_step(text, fors[0])
        kw = "guard" if STEP_GUARD.match(strip_md(text)) and not agents else "step"
        args = [s(text)]
        if kw == "step" and agents:
            args += ["by", *agents]
        if kw == "step" and fors:
            args += ["for", *fors]
        if (
            kw == "step"
            and not b.children
            and not mt
            and len(agents) >= 2
            and re.search(r"\bin parallel\b|\bparalleli[sz]e", text, re.I)
        ):
            # `Run `P1`, `P2`, `P3` in parallel.`: a parallel group, one step per agent
            group = Stmt("parallel", [s(text)], body=[], comments=[f"md:{b.line}"])
            for a in agents:
                group.add(Stmt("step", [s(m.agents[a].resp or a), "by", a] + (["for", *fors] if fors else [])))
            stage.body.append(group)
            if implicit:
                sl = m.slices[stage.covers[0]]
                if not sl.agents_line:
                    sl.agents += [a for a in agents if a not in sl.agents]
            return
        st = Stmt(kw, args, comments=[f"md:{b.line}"])
        for c in b.children:
            cagents = m.agent_refs(c.text)
            crefs = [x for x in m.slice_refs(c.text) if x in stage.covers]
            for x in crefs:
                if x not in m.slices:
                    new_slice(m, x, slice_title_from_step(c.text, x), c.line)
                elif m.slices[x].title == x and len(crefs) == 1:
                    m.slices[x].title = slice_title_from_step(c.text, x)
            st.add(item_stmt(c))
            if kw == "step" and cagents and crefs:
                for x in crefs:
                    sl = m.slices[x]
                    if not sl.agents:
                        sl.agents, sl.agents_line = cagents, c.line
        for t, _ in b.extra:
            st.add(Stmt("item", [s(t)]))
        for f in b.fences:
            st.add(Stmt("item", [s(fence_text(f))]))
        stage.body.append(st)
        if kw == "step" and agents and len(fors) == 1:
            sl = m.slices[fors[0]]
            if not sl.agents:
                sl.agents, sl.agents_line = list(agents), b.line
        elif kw == "step" and agents and implicit:
            sl = m.slices[stage.covers[0]]
            if not sl.agents_line:
                sl.agents += [a for a in agents if a not in sl.agents]
    elif isinstance(b, Para):
        stage.body.append(Stmt("note", [s(b.text)], comments=[f"md:{b.line}"]))
    else:
        do_blocks_as_notes(m, [b], stage.body, f"stage {stage.id}")


def slice_title_from_step(text: str, sid: str) -> str:
    """The words a step gives a slice: `Agent 1 executes `A2` discovery surface expansion.` -> `discovery surface expansion`."""
    t = strip_md(text)
    mt = re.search(r"(?<![A-Za-z0-9_])" + re.escape(sid) + r"(?![A-Za-z0-9_])", t)
    if mt:
        rest = t[mt.end() :]
        rest = re.sub(r"^\s*(?:by\s+(?:[Aa]gent[ -]\d+|[A-Z][A-Z0-9-]*\d[A-Z]?)\s*)?[:,\-–—]?\s*", "", rest)
        rest = re.split(r"(?<=[a-z0-9)`*])\.\s|:|;|\b(?:[Aa]gent[ -]\d+|AGENT-\d+)\b", rest)[0].strip(" .,:")
        if rest:
            return rest
    if ":" in t and t.split(":", 1)[1].strip():
        return t.split(":", 1)[1].strip().rstrip(".")
    return t.rstrip(".:")


def do_slice_body(m: Model, sl: SliceM, sec: Section) -> None:
    for b in sec.blocks:
        if not isinstance(b, Item):
            do_blocks_as_notes(m, [b], sl.body, f"slice {sl.id}")
            continue
        label, rest = label_of(b.text)
        low = label.lower()
        if low.startswith("objective") and rest:
            sl.objective = rest
        elif re.search(r"files?|paths?", low) and not re.search(r"trigger", low):
            flags = ["when", "triggered"] if re.search(r"if triggered", low) else []
            for c in b.children or []:
                cs = code_spans(c.text)
                if cs and (looks_file(cs[0]) or "/" in cs[0]):
                    sl.files.append((cs[0], flags))
                else:
                    sl.body.append(Stmt("triggered" if flags else "note", [s(c.text)]))
            for written in code_spans(rest):
                sl.files.append((written, flags))
        elif re.search(r"accept|done when|exit", low):
            for c in b.children:
                sl.body.append(Stmt("accept", [s(item_all_text(c))]))
            if rest:
                sl.body.append(Stmt("accept", [s(rest)]))
        elif re.search(r"trigger", low) and not re.search(r"if (not )?triggered", low):
            for k, c in enumerate(b.children, 1):
                sl.triggers.append((f"t{k}", item_all_text(c)))
            sl.conditional = True
        elif re.search(r"if triggered", low):
            for c in b.children:
                cs = code_spans(c.text)
                if cs and (looks_file(cs[0]) or "/" in cs[0]) and strip_md(c.text) == cs[0]:
                    sl.files.append((cs[0], ["when", "triggered"]))
                else:
                    sl.body.append(Stmt("triggered", [s(item_all_text(c))]))
            if rest:
                sl.body.append(Stmt("triggered", [s(rest)]))
        elif re.search(r"if not triggered|otherwise|if no trigger", b.text, re.I):
            sl.body.append(Stmt("not_triggered", [s(b.text)]))
            for c in b.children:
                sl.body.append(Stmt("not_triggered", [s(item_all_text(c))]))
        elif re.search(r"implement|steps?|tasks?|work", low):
            for c in b.children:
                sl.body.append(item_stmt(c, "implement"))
            if rest:
                sl.body.append(Stmt("implement", [s(rest)]))
        else:
            st = Stmt("implement", [s(b.text)], comments=[f"md:{b.line}"])
            for c in b.children:
                st.add(item_stmt(c))
            sl.body.append(st)
    for sub in sec.subsections:
        do_unknown(m, sub, sl.body)


# -- protocol, grounding, introspection, outputs ----------------------------------------


def template_id(name: str) -> str:
    base = re.sub(r"\.[A-Za-z0-9]+$", "", name)
    base = re.sub(r"^AGENT_<N>_?", "", base)
    return ident(base.replace("<", "").replace(">", "")) or "artifact"


def do_protocol(m: Model, sec: Section) -> None:
    seen: set[str] = {st.args[0] for st in m.protocol if st.kw == "artifact"}

    def artifact(name: str, note: str | None) -> None:
        aid = template_id(name)
        while aid in seen:
            aid += "_2"
        seen.add(aid)
        m.protocol.append(Stmt("artifact", [aid, s(name)] + (["note", s(note)] if note else [])))

    for b in sec.blocks:
        if not isinstance(b, Item):
            do_blocks_as_notes(m, [b], m.protocol, "the protocol")
            continue
        low = b.text.lower()
        spans = code_spans(b.text)
        templates = [c for c in spans if ("<N>" in c or "<n>" in c) and looks_file(c)]
        if "introspect" in low and not any(x.kw == "introspect" for x in m.protocol) and not templates:
            m.protocol.append(Stmt("introspect", [s(item_all_text(b))]))
        elif b.children and all(code_spans(c.text) and "<" in code_spans(c.text)[0] for c in b.children):
            for c in b.children:
                name = code_spans(c.text)[0]
                note = strip_md(c.text.replace(f"`{name}`", "")).strip(" ()")
                artifact(name, note or None)
        elif templates and not b.children:
            for name in templates:
                artifact(name, None)
            m.protocol.append(Stmt("rule", [s(b.text)]))
        elif re.search(r"must include|include[s]?:|sections?", low) and (b.children or len(spans) >= 2):
            if b.children:
                for c in b.children:
                    cs = code_spans(c.text)
                    title = cs[0] if cs and strip_md(c.text).startswith(cs[0]) else strip_md(c.text)
                    note = strip_md(c.text).replace(title, "", 1).strip(" ()") if cs else ""
                    m.protocol.append(Stmt("section", [s(title)] + (["note", s(note)] if note else [])))
            else:
                for code in spans:
                    m.protocol.append(Stmt("section", [s(code)]))
                m.protocol.append(Stmt("rule", [s(b.text)]))
        else:
            st = Stmt("rule", [s(b.text)])
            for c in b.children:
                st.add(item_stmt(c))
            m.protocol.append(st)
    for sub in sec.subsections:
        do_unknown(m, sub, m.protocol)


def do_grounding(m: Model, sec: Section) -> None:
    body: list[Stmt] = []
    for it in leaf_items(section_items(sec)):
        cs = code_spans(it.text)
        if (cs and is_abs_path(cs[0])) or (cs and "/" in cs[0] and " " not in cs[0]):
            note = strip_md(it.text.replace(f"`{cs[0]}`", "", 1)).strip(" ,.;()")
            body.append(Stmt("doc", [s(cs[0])] + (["note", s(note)] if note else [])))
            for c in cs[1:]:
                body.append(Stmt("doc", [s(c)]))
        else:
            m.unmapped(body, it.text, it.line, "in the grounding corpus")
    others = [b for b in sec.blocks if not isinstance(b, Item)]
    do_blocks_as_notes(m, others, body, "the grounding corpus")
    for sub in sec.subsections:
        do_unknown(m, sub, body)
    m.grounding.append((strip_md(sec.title), body))


def do_introspect(m: Model, sec: Section) -> None:
    for b in sec.blocks:
        if (
            isinstance(b, Item)
            and m.agent_refs(b.text)
            and any(is_abs_path(c) or "/" in c for c in code_spans(item_all_text(b)))
        ):
            st = Stmt("introspect", m.agent_refs(b.text), body=[])
            for it in leaf_items(b.children) or [b]:
                for c in code_spans(it.text):
                    if "/" in c:
                        st.add(Stmt("doc", [s(c)]))
            m.introspect.append(st)
        elif isinstance(b, Item) and re.search(r"equivalent", b.text, re.I) and m.introspect and code_spans(b.text):
            m.introspect[-1].add(Stmt("equivalent", [s(code_spans(b.text)[0]), s(item_all_text(b))]))
        elif isinstance(b, Item) and m.introspect:
            m.introspect[-1].add(Stmt("note", [s(item_all_text(b))]))
        else:
            do_blocks_as_notes(m, [b], m.notes, "workflow introspection")
    for sub in sec.subsections:
        do_unknown(m, sub, m.notes)


def do_outputs(m: Model, sec: Section) -> None:
    current: Output | None = None
    loose: list[Stmt] = []
    used: set[str] = {o[0] for o in m.outputs}

    def artifacts_of(it: Item) -> list[tuple[str, int]]:
        out = []
        for c in [it] + leaf_items(it.children):
            for t in [c.text] + [x for x, _ in c.extra]:
                for cs in code_spans(t):
                    if looks_file(cs) and "/" not in cs:
                        out.append((cs, c.line))
        return out

    for b in sec.blocks:
        if not isinstance(b, Item):
            do_blocks_as_notes(m, [b], loose, "the outputs")
            continue
        label, _ = label_of(b.text)
        spans = code_spans(b.text) + [c for t, _ in b.extra for c in code_spans(t)]
        roots = [c for c in spans if is_abs_path(c) or (c.endswith("/") and "/" in c)]
        if re.search(r"\broot\b", label, re.I) and roots:
            oid = ident(re.sub(r"\b(pass|root|artifact)\b", "", label, flags=re.I)) or "outputs"
            if oid == "x":
                oid = "outputs"
            oid = free_id(oid, used)
            used.add(oid)
            current = (oid, roots[0], [], [])
            m.outputs.append(current)
            continue
        arts = artifacts_of(b)
        if arts and "<N>" not in " ".join(a for a, _ in arts) and current is not None:
            for name, line in arts:
                aid = ident(re.sub(r"\.[A-Za-z0-9]+$", "", name), lower=False)
                current[2].append((aid, name, line))
            current[3].append(Stmt("note", [s(b.text)])) if not b.children and len(arts) > 1 and label == "" else None
            continue
        m.unmapped(current[3] if current is not None else loose, b.text, b.line, "in the outputs", b.children)
    for sub in sec.subsections:
        do_unknown(m, sub, loose)
    m.notes.extend(loose)


# -- verification: cadences, gates, checks ---------------------------------------------


def gate_id(m: Model, command: str) -> str:
    last = command.split()[-1] if command.split() else command
    base = ident(last if re.search(r"[:]", last) else command)
    gid, k = base, 2
    while gid in m.gates or gid in m.checks:
        if m.gates.get(gid) is not None and m.gates[gid].args[1:2] == [s(command)]:
            return gid
        gid, k = f"{base}_{k}", k + 1
    return gid


def do_gates(m: Model, sec: Section) -> None:
    for b in sec.blocks:
        if (
            isinstance(b, Fence)
            and (cmds := [ln.strip() for ln in b.content.splitlines() if ln.strip() and not ln.strip().startswith("#")])
            and all(looks_command(c) or c.startswith("cd ") for c in cmds)
        ):
            gid = gate_id(m, f"commands at line {b.line}")
            m.gates[gid] = Stmt(
                "gate", [gid], body=[Stmt("run", [s(c)]) for c in cmds], comments=[f"md:{b.line} fenced commands"]
            )
            continue
        if not isinstance(b, Item):
            do_blocks_as_notes(m, [b], m.notes, "verification")
            continue
        text = b.text
        mt = re.match(r"^\W*(\w[\w\- ]{0,20}?)\s+suite\b\s*(.*)$", strip_md(text), re.I)
        spans = code_spans(text)
        if mt:
            cid = ident(mt.group(1))
            events = []
            rest = mt.group(2).strip(" :.")
            rest = re.sub(r"^(?:on|at|runs? (?:on|at))\b\s*", "", rest, flags=re.I)
            if rest:
                events.append(rest)
            events += [item_all_text(c).rstrip(",.") for c in b.children]
            m.cadences[cid] = (f"{mt.group(1).strip().capitalize()} suite", events, b.line)
            continue
        children_cmds = [(c, [x for x in code_spans(c.text) if looks_command(x)]) for c in b.children]
        if b.children and any(cmds for _, cmds in children_cmds):
            label, _ = label_of(text)
            gid = base = ident(label or text[:40])
            k = 2
            while gid in m.gates or gid in m.checks:
                gid, k = f"{base}_{k}", k + 1
            uses: list[str] = []
            for c, cmds in children_cmds:
                if cmds:
                    for cmd in cmds:
                        g = gate_id(m, cmd)
                        m.gates.setdefault(g, Stmt("gate", [g, s(cmd)], comments=[f"md:{c.line}"]))
                        uses.append(g)
                    if len(strip_md(c.text)) > sum(len(x) for x in cmds) + 10:
                        m.notes.append(
                            Stmt("note", [s(c.text)], comments=[f"md:{c.line} the prose around the commands"])
                        )
                else:
                    cid = ident(" ".join(strip_md(c.text).split()[:5]))
                    while cid in m.checks or cid in m.gates:
                        cid += "_2"
                    m.checks[cid] = Stmt("check", [cid, s(c.text)], comments=[f"md:{c.line}"])
                    uses.append(cid)
            m.gates[gid] = Stmt(
                "gate", [gid], body=[Stmt("title", [s(label or text)]), Stmt("use", uses)], comments=[f"md:{b.line}"]
            )
            continue
        cmds = [x for x in spans if looks_command(x)]
        if cmds and not b.children:
            for cmd in cmds:
                g = gate_id(m, cmd)
                m.gates.setdefault(g, Stmt("gate", [g, s(cmd)], comments=[f"md:{b.line} {short(text, 60)}"]))
            if len(strip_md(text)) > sum(len(c) for c in cmds) + 10:
                m.notes.append(Stmt("note", [s(text)], comments=[f"md:{b.line} the prose around the commands above"]))
            continue
        if re.search(r"package\.json|scripts?", text, re.I) and re.search(r"\b(add|during|upgrade)", text, re.I):
            ids = [x for x in m.slice_refs(text) if x in m.slices]
            if ids:
                m.scripts_added_in = (ids, b.line, text)
                continue
        m.unmapped(m.notes, text, b.line, "in verification", b.children)
    for sub in sec.subsections:
        do_unknown(m, sub, m.notes)


# -- interfaces, scenarios, assumptions, exit -----------------------------------------


def do_interfaces(m: Model, sec: Section) -> None:
    used: set[str] = {st.args[0] for st in m.top if st.kw == "interface"}
    for b in sec.blocks:
        if not isinstance(b, Item):
            do_blocks_as_notes(m, [b], m.top, "interfaces")
            continue
        label, rest = label_of(b.text)
        title = label or strip_md(b.text)
        iid = ident(re.sub(r"\b(interface|additions?|changes?)\b", "", title, flags=re.I)) or "interface"
        iid = free_id(iid, used)
        used.add(iid)
        st = Stmt("interface", [iid, s(title)], body=[], comments=[f"md:{b.line}"])
        if label and rest:
            st.add(Stmt("item", [s(rest)]))
        for c in b.children:
            st.add(item_stmt(c))
        for t, _ in b.extra:
            st.add(Stmt("item", [s(t)]))
        if not st.body:
            st.body = None
        m.top.append(st)
    for sub in sec.subsections:
        do_unknown(m, sub, m.top)


def do_scenarios(m: Model, sec: Section) -> None:
    used: set[str] = {st.args[0] for st in m.top if st.kw == "scenario"}
    for b in sec.blocks:
        if not isinstance(b, Item):
            do_blocks_as_notes(m, [b], m.top, "scenarios")
            continue
        label, rest = label_of(b.text)
        title = label if label and rest else strip_md(b.text)
        sid = ident(re.sub(r"\bscenario\b", "", title, flags=re.I)) or "scenario"
        sid = free_id(sid, used)
        used.add(sid)
        args = [sid, s(title)] + ([s(rest)] if label and rest else [])
        st = Stmt("scenario", args, comments=[f"md:{b.line}"])
        if b.children or b.extra:
            st.body = [item_stmt(c) for c in b.children] + [Stmt("item", [s(t)]) for t, _ in b.extra]
        m.top.append(st)
    for sub in sec.subsections:
        do_unknown(m, sub, m.top)


def do_assumptions(m: Model, sec: Section) -> None:
    k = sum(1 for st in m.top if st.kw == "assumption")
    for b in sec.blocks:
        if not isinstance(b, Item):
            do_blocks_as_notes(m, [b], m.top, "assumptions")
            continue
        k += 1
        st = Stmt("assumption", [f"A{k}", s(b.text)], comments=[f"md:{b.line}"])
        if b.children or b.extra:
            st.body = [item_stmt(c) for c in b.children] + [Stmt("item", [s(t)]) for t, _ in b.extra]
        m.top.append(st)
    for sub in sec.subsections:
        do_unknown(m, sub, m.top)


def do_exit(m: Model, sec: Section) -> None:
    for b in sec.blocks:
        if isinstance(b, Item):
            st = Stmt("require", [s(b.text)], comments=[f"md:{b.line}"])
            if b.children or b.extra:
                st.body = [item_stmt(c) for c in b.children] + [Stmt("item", [s(t)]) for t, _ in b.extra]
            m.exit.append(st)
        elif isinstance(b, Para):
            m.exit.append(Stmt("require", [s(b.text)], comments=[f"md:{b.line}"]))
        else:
            do_blocks_as_notes(m, [b], m.notes, "the exit criteria")
    for sub in sec.subsections:
        do_unknown(m, sub, m.notes)


HANDLERS = {
    "summary": do_summary_sec,
    "scope": do_scope("scope"),
    "out_of_scope": do_scope("out_of_scope"),
    "protocol": do_protocol,
    "grounding": do_grounding,
    "introspect": do_introspect,
    "outputs": do_outputs,
    "gates": do_gates,
    "interfaces": do_interfaces,
    "scenarios": do_scenarios,
    "assumptions": do_assumptions,
    "exit": do_exit,
}


# -- agents of slices, ownership claims -------------------------------------------------


def infer_slice_agents(m: Model) -> None:
    for a in m.agents.values():
        if not a.claims:
            a.claims = [x for x in m.slice_refs(a.resp) if x in m.slices]
    for sl in m.slices.values():
        if sl.agents:
            continue
        claimed = [a.id for a in m.agents.values() if sl.id in a.claims]
        if claimed:
            sl.agents, sl.agents_line = claimed, m.agents[claimed[0]].line
            continue
        tw = words(sl.title)
        best: list[tuple[int, str]] = sorted(((len(tw & words(a.resp)), a.id) for a in m.agents.values()), reverse=True)
        if best and best[0][0] >= 1 and (len(best) == 1 or best[1][0] < best[0][0]):
            sl.agents = [best[0][1]]
            sl.comments.append(
                f"agent inferred: {best[0][1]}'s responsibility matches the title (the runbook names no agent)"
            )


def check_ownership_claims(m: Model) -> None:
    """An agent's responsibility says it owns a slice alone, the slice's own heading names more agents."""
    for sl in m.slices.values():
        if len(sl.agents) < 2 or not sl.agents_line:
            continue
        owners = [
            a for a in m.agents.values() if sl.id in m.slice_refs(a.resp) and re.search(r"\bowner\b", a.resp, re.I)
        ]
        if len(owners) == 1 and set(sl.agents) != {owners[0].id}:
            o = owners[0]
            m.diags.append(
                Diag(
                    "PC952",
                    "warning",
                    f'slice {sl.id}: owned by one agent in one place ({o.id}: "{short(o.resp, 50)}") and by '
                    f"{len(sl.agents)} in another ({' + '.join(sl.agents)})",
                    sl.agents_line,
                    related=[
                        (m.path, o.line, f"{o.id} is the owner of {sl.id} here"),
                        (m.path, sl.agents_line, f"{sl.id} is executed by {' + '.join(sl.agents)} here"),
                    ],
                    help="the imported runbook keeps the slice's own agents; say in one place who executes the slice",
                )
            )
            sl.comments.append(
                f"choice: agents {' '.join(sl.agents)} (slice heading, md:{sl.agents_line}); "
                f"md:{o.line} names {o.id} alone as its owner"
            )


# ─── emitting ────────────────────────────────────────────────────────────────

ONCE = {"activation", "objective", "entrypoint", "end_state", "tool", "pass", "posture"}


def dedupe_once(stmts: list[Stmt], fallback: str) -> list[Stmt]:
    seen: set[str] = set()
    out: list[Stmt] = []
    for st in stmts:
        if st.kw in ONCE:
            if st.kw in seen:
                out.append(
                    Stmt(
                        fallback,
                        st.args[-1:] if st.args and st.args[-1].startswith('"') else [s(" ".join(st.args))],
                        comments=st.comments + [f"a second `{st.kw}`"],
                    )
                )
                continue
            seen.add(st.kw)
        out.append(st)
    return out


def producers(m: Model) -> dict[str, str]:
    """Artifact name -> the slice (or stage) whose step publishes it."""
    out: dict[str, str] = {}
    for stage in m.stages:
        for st in stage.body:
            text = " ".join(st.args)
            for name in re.findall(r"`([^`]+\.[A-Za-z0-9]{1,6})`", text):
                if re.search(r"publish|produce|write|record|create", text, re.I):
                    fors = st.args[st.args.index("for") + 1 :] if "for" in st.args else []
                    fors = [f for f in fors if f in m.slices][:1]
                    out.setdefault(name, fors[0] if fors else (stage.covers[0] if len(stage.covers) == 1 else stage.id))
    return out


def emit_sections(m: Model) -> list[tuple[str, list[Stmt]]]:
    phase = Stmt(
        "phase",
        [m.phase_id if is_name(m.phase_id) else ident(m.phase_id, lower=False), s(m.title or m.path)],
        body=dedupe_once(m.phase, "note") or None,
        comments=[f"md:{m.title_line}"],
    )
    sections: list[tuple[str, list[Stmt]]] = [("phase", [phase])]
    repo = dedupe_once(repo_stmts(m), "rule")
    if repo:
        sections.append(("repo", [Stmt("repo", body=repo)]))
    team_body: list[Stmt] = []
    if m.agents or m.cap:
        cap = m.cap
        comments = [f"md:{m.cap_line}"] if cap else ["import: the runbook states no cap; set to the number of agents"]
        if not cap:
            cap = max(1, len(m.agents))
            m.diags.append(
                Diag(
                    "PC951",
                    "warning",
                    f"the runbook states no agent cap; `max_active {cap}` (the number of agents) was written",
                    m.title_line,
                    help="set `max_active` to the team's real cap",
                )
            )
        team_body.append(Stmt("max_active", [str(cap)], comments=comments))
        for a in m.agents.values():
            team_body.append(Stmt("agent", [a.id, s(a.resp or a.id)], body=a.body or None, comments=[f"md:{a.line}"]))
        team_body.extend(m.team_extra)
        sections.append(("team", [Stmt("team", body=team_body)]))
    elif m.team_extra:
        m.notes.extend(m.team_extra)
    if m.protocol:
        sections.append(("protocol", [Stmt("protocol", body=dedupe_protocol(m.protocol))]))
    coordination = emit_coordination(m.coord)
    sections.extend(x for x in coordination if x[0] != "ledgers")
    ground: list[Stmt] = []
    for k, (title, body) in enumerate(m.grounding):
        if k == 0 and any(x.kw == "doc" for x in body):
            ground.append(Stmt("grounding", [s(title)], body=body))
        else:
            ground.append(Stmt("note", [s(title)], body=body or None))
    ground.extend(m.introspect)
    sections.append(("grounding and introspection", ground))
    outs: list[Stmt] = []
    made = producers(m)
    seen_art: set[str] = set()
    for oid, root, arts, extra in m.outputs:
        body = []
        for aid, name, line in arts:
            aid = free_id(aid, seen_art)
            seen_art.add(aid)
            args = [aid, s(name)]
            if name in made:
                args += ["by", made[name]]
            body.append(Stmt("artifact", args, comments=[f"md:{line}"]))
        body.extend(extra)
        outs.append(Stmt("outputs", [oid, s(root)], body=body or [Stmt("note", [s("no artifacts listed")])]))
    sections.append(("outputs", outs))
    if m.owners:
        body = []
        for h, backup in m.owners.items():
            body.append(Stmt("owner", [h] + (["backup", backup] if backup and backup in m.owners else [])))
        sections.append(("owners", [Stmt("owners", body=body)]))
    sections.append(("invariants", m.invariants))
    gate_stmts: list[Stmt] = []
    if m.scripts_added_in:
        ids, line, text = m.scripts_added_in
        gate_stmts.append(
            Stmt(
                "scripts",
                body=[
                    Stmt("runner", [s(m.scripts_runner or guess_runner(m))]),
                    Stmt("manifest", [s("package.json")]),
                    Stmt("added_in", [i for i in ids if i in m.slices]),
                    Stmt("note", [s(text)]),
                ],
                comments=[f"md:{line}"],
            )
        )
    elif m.scripts_runner:
        gate_stmts.append(
            Stmt("scripts", body=[Stmt("runner", [s(m.scripts_runner)]), Stmt("manifest", [s("package.json")])])
        )
    for cid, (title, events, line) in m.cadences.items():
        gate_stmts.append(
            Stmt(
                "cadence",
                [cid, s(title)],
                body=[Stmt("on", [s(e)]) for e in events] or None,
                comments=[f"md:{line}"] if line else [],
            )
        )
    gate_stmts.extend(m.gates.values())
    gate_stmts.extend(m.checks.values())
    sections.append(("gates and cadences", gate_stmts))
    stage_stmts: list[Stmt] = []
    seen_stage: set[str] = set()
    for stage in m.stages:
        sid = stage.id
        k = 2
        while sid in seen_stage:
            sid, k = f"{stage.id}-{k}" if not stage.id[0].isdigit() else f"{stage.id}_{k}", k + 1
        seen_stage.add(sid)
        body = []
        covers = [c for c in stage.covers if c in m.slices]
        if covers:
            body.append(Stmt("covers", covers))
        body.extend(stage.body)
        stage_stmts.append(Stmt("stage", [sid, s(stage.title)], body=body or None, comments=[f"md:{stage.line}"]))
    sections.append(("stages", stage_stmts))
    sections.append(("slices", [slice_stmt(m, sl) for sl in m.slices.values()]))
    if m.exit:
        sections.append(("exit", [Stmt("exit", body=m.exit)]))
    sections.append(("interfaces, scenarios, assumptions", m.top))
    sections.append(("deferred", m.deferred))
    sections.extend(x for x in coordination if x[0] == "ledgers")
    sections.append(("not mapped (kept as prose)", m.notes))
    return sections


def guess_runner(m: Model) -> str:
    for g in m.gates.values():
        for a in g.args[1:2]:
            mt = re.match(r'"((?:bun|npm|pnpm|yarn) run)\b', a)
            if mt:
                return mt.group(1)
    return "npm run"


def dedupe_protocol(stmts: list[Stmt]) -> list[Stmt]:
    out, seen = [], False
    for st in stmts:
        if st.kw == "introspect":
            if seen:
                out.append(Stmt("rule", st.args))
                continue
            seen = True
        out.append(st)
    return out


def slice_stmt(m: Model, sl: SliceM) -> Stmt:
    head = [sl.id, s(sl.title)]
    if sl.conditional:
        head.append("conditional")
    body: list[Stmt] = []
    if sl.kind:
        body.append(Stmt("kind", [sl.kind]))
    if sl.objective:
        body.append(Stmt("objective", [s(sl.objective)]))
    agents = [a for a in sl.agents if a in m.agents]
    if agents:
        body.append(Stmt("agent", agents))
    if sl.owner:
        body.append(Stmt("owner", [sl.owner] + (["backup", sl.backup] if sl.backup else [])))
    hard = [a for a, f in sl.after if a in m.slices and a != sl.id and not (f or m.slices[a].conditional)]
    soft = [a for a, f in sl.after if a in m.slices and a != sl.id and (f or m.slices[a].conditional)]
    if hard:
        body.append(Stmt("after", list(dict.fromkeys(hard))))
    if soft:
        body.append(Stmt("after", list(dict.fromkeys(soft)) + ["if_triggered"]))
    if sl.requires:
        body.append(Stmt("requires", sl.requires))
    if sl.branch:
        body.append(Stmt("branch", [s(sl.branch)]))
    seen: set[str] = set()
    for path, flags in sl.files:
        if path in seen:
            continue
        seen.add(path)
        body.append(Stmt("file", [s(path)] + flags))
    for tid, text in sl.triggers:
        body.append(Stmt("trigger", [tid, s(text)]))
    body.extend(sl.body)
    for cad, items in sl.gates:
        body.append(Stmt("gate", [cad, *items]))
    return Stmt("slice", head, body=body, comments=[f"md:{sl.line}"] + sl.comments)
