"""Recognise the coordination shapes of a multi-agent runbook, by content and structure.

A section is read as *groups*: a lead-in paragraph (``Reviewer responses (exact):``,
``All lanes run:``) with the list, fenced block or table that follows it; the
section's heading is the context of groups without a lead-in.  Each group is
recognised by what it holds and the words around it, never by one exact heading:

* a table under words such as *append-only*, *log*, *ledger*, *journal*,
  *register*, *sign-off* -> ``ledger`` (fields from the header row, rows as
  entries; a *values/states/statuses* list of code spans -> ``states``, a
  ``a -> b -> c`` lifecycle line -> ``states`` too; rule lists -> ``rule``);
* exact upper-case code-span tokens next to *stop/ready/review/approve/changes*
  words -> ``review { stop …; verdict … }`` (agent ids become ``<AGENT>``), and
  the rule list beside them -> review ``rule``s;
* a fenced block under a *prompt/template* heading -> ``protocol { prompt … }``;
* commands under a periodic heading (*every 30 minutes*, *hourly*) ->
  ``orchestrator { check "…" at "every 30 minutes" }``;
* a *coordination/communication* contract -> orchestrator ``duty``s (a
  ``Hard rule:`` item -> a phase ``assert``);
* commands that *all lanes/every agent* run, or an *audit/verification* block ->
  a ``gate`` with its ``run`` lines; per-agent *add-ons* -> a gate (commands) or
  a ``check`` (prose) per agent;
* a *guard/constraint/guardrail/non-interference* list -> ``invariant ID { item … }``;
* *merge/promotion* policy lines -> repo ``rule``s, and ``merge after_approval
  [rebase_unmerged] into "BRANCH"`` where the lines say so;
* commands *after each merge/slice/handoff* -> ``procedure ID on EVENT { step … run … }``.

Consumed blocks are removed from the section; what is left goes through the
ordinary classification.  Lead-ins are kept as ``# md:N`` comments on what they
introduce; text inside a recognised construct that fits none of its statements is
kept as a ``note`` there and reported (PC951).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from phasec.importer.markdown import Block, Fence, Item, Para, Section, Table, code_spans
from phasec.importer.writer import Stmt, free_id, ident, s

LEDGER_WORDS = re.compile(
    r"append[- ]?only|\blogs?\b|ledger|journal|register\b|registry|sign-?off|audit trail|\brecords?\b|tracker", re.I
)
#: in a paragraph (not the heading) only the words that name a log say the table is one
LEDGER_PARA = re.compile(r"append[- ]?only|ledger|\blogs?\b|journal|\bregister\b", re.I)
STATE_PARA = re.compile(
    r"^\W*(?:(?:allowed |valid )?(?:states?|status(?:es)?|status values|values)\b)[^`]{0,40}:", re.I
)
STATE_LEAD = re.compile(
    r"\b(?:status|state)(?:es)?\b.*\b(?:values?|allowed|lifecycle)\b|\bstates?\b\s*:?$|values?:", re.I
)
RULE_LEAD = re.compile(r"\brules?\b|\bconstraints?\b|\bconventions?\b|\bmust\b", re.I)
TOKEN_CONTEXT = re.compile(
    r"\bstops?\b|\bready\b|\breview|\bapprov|\bverdict|\brespon|\btokens?\b|\bdone\b|\bchanges\b|\banswers?\b"
    r"|\brepl(?:y|ies)\b|\bhand-?offs?\b|\bsignals?\b|\bfinish",
    re.I,
)
TOKEN_STRICT = re.compile(r"\btokens?\b|\bexact|\bverdicts?\b|\brespon(?:d|ses?)\b|\breply\b|\banswers?\b", re.I)
TOKEN = re.compile(r"^[A-Z][A-Z0-9 _:\-<>/]*[A-Z0-9>]$")
PROMPT_CONTEXT = re.compile(r"\bprompts?\b|\btemplate\b|\bkick-?off message\b|\bbriefing\b", re.I)
#: a template or briefing is the agents' prompt only when it is said to be for an agent
PROMPT_STRONG = re.compile(r"\bprompts?\b|\b(?:agents?|workers?|assistants?|models?|llm|sub-?agents?)\b", re.I)
PERIODIC = re.compile(
    r"\bevery\s+(\d+)\s*(min(?:ute)?s?|h(?:ours?|rs?)?|days?)\b|\bevery\s+(minute|hour|day)\b|\b(hourly|daily|nightly)\b",
    re.I,
)
COORD_CONTEXT = re.compile(
    r"coordinat|communicat|messaging|status updates|reporting contract|handoff protocol|\bchannel", re.I
)
ALL_RUN = re.compile(
    r"\b(?:all|every|each)\s+(?:the\s+)?(?:lanes?|agents?|workers?|slices?|tracks?|streams?)\s+(?:must\s+)?runs?\b"
    r"|\b(?:for|in|by)\s+(?:all|every|each)\s+(?:the\s+)?(?:lanes?|agents?|workers?|slices?|tracks?|streams?)\b"
    r"|\bcommand contract\b|\brequired (?:checks|commands)\b",
    re.I,
)
GATE_CONTEXT = re.compile(r"\baudit\b|verif|validat|\bchecks?\b|\bsuite\b|\bgates?\b|\btests?\b|readiness", re.I)
ADDON_CONTEXT = re.compile(
    r"lane[- ]specific|per[- ](?:lane|agent|track)|add-?ons?|extra (?:checks|commands)|in addition", re.I
)
GUARD_CONTEXT = re.compile(
    r"(?<![\w-])guard(?:s|rails?)?\b(?!-)|constraints?\b|\binvariants?\b|non-interference|\brails?\b|red lines?"
    r"|do[- ]not[- ]break|safety contract|\bprohibit|\bforbidden",
    re.I,
)
MERGE_CONTEXT = re.compile(r"\bmerg|\bpromot|\blanding\b|\bintegration policy", re.I)
EVENT = re.compile(r"\bafter (?:each|every) (merge|slice|handoff|stage)|\b(?:on|per) (?:each |every )?(merge)\b", re.I)
PROHIBITION = re.compile(r"^\W*(?:never|do not|don't|must not|no)\b", re.I)
#: a lead-in (or a paragraph stating a token) is a sentence, not a page of prose
LEAD_WORDS = 30
HARD_RULE = re.compile(r"^\*{0,2}(?:hard rule|non-negotiable|absolute rule)\*{0,2}\s*:", re.I)
AGENT_TAIL = re.compile(r"(?<=[\s\-_:])(?:[A-Z][A-Z0-9]*-(?:\d+|<N>)|[A-Z]{1,3}\d+[A-Z]?|[Aa]gent[ -]\d+)$")
AGENT_ALONE = re.compile(r"^(?:[A-Z][A-Z0-9]*-(?:\d+|<N>)|[A-Z]{1,3}\d+[A-Z]?)$")
CMD_LINE = re.compile(
    r"^(?:bun|bunx|npm|npx|pnpm|yarn|node|python3?|pytest|cargo|go|make|git|gt|uv|deno|sh|bash|\./|tox|ruff|mypy|"
    r"markdownlint|find|docker|kubectl|gradle|mvn|dotnet|rake|bundle|just|cd)\b"
)


@dataclass
class Coord:
    """The coordination constructs recognised in one runbook."""

    roles: dict[str, str] = field(default_factory=dict)  # id -> title
    review: list[Stmt] = field(default_factory=list)
    orchestrator: list[Stmt] = field(default_factory=list)
    procedures: list[Stmt] = field(default_factory=list)
    ledgers: list[Stmt] = field(default_factory=list)
    merge_lines: list[str] = field(default_factory=list)
    lane_gates: list[str] = field(default_factory=list)  # gates every lane runs
    addons: dict[str, list[str]] = field(default_factory=dict)  # agent -> its own gates and checks


@dataclass
class Group:
    lead: Para | None
    blocks: list[Block]
    context: str


def groups_of(sec: Section) -> list[Group]:
    """A section's blocks as lead-in groups: a paragraph ending in `:` and the items / fence / table after it."""
    out: list[Group] = []
    i = 0
    bl = sec.blocks
    while i < len(bl):
        b = bl[i]
        if (
            isinstance(b, Para)
            and b.text.rstrip().endswith(":")
            and len(b.text.split()) <= LEAD_WORDS
            and i + 1 < len(bl)
            and not isinstance(bl[i + 1], Para)
        ):
            j = i + 1
            if isinstance(bl[j], Item):
                while j < len(bl) and isinstance(bl[j], Item):
                    j += 1
            else:
                j += 1
            out.append(Group(b, list(bl[i + 1 : j]), b.text))
            i = j
            continue
        if isinstance(b, Item):
            j = i
            while j < len(bl) and isinstance(bl[j], Item):
                j += 1
            out.append(Group(None, list(bl[i:j]), sec.title))
            i = j
            continue
        out.append(Group(None, [b], sec.title))
        i += 1
    return out


def fence_commands(f: Fence) -> list[str] | None:
    """The command lines of a fenced block, or None when it is not a block of commands."""
    lines = [ln.strip() for ln in f.content.splitlines() if ln.strip()]
    cmds = [ln for ln in lines if not ln.startswith("#")]
    if not cmds or not all(CMD_LINE.match(ln) for ln in cmds):
        return None
    return lines


def item_commands(items: list[Item]) -> list[str]:
    out: list[str] = []
    for it in items:
        out.extend(c for c in code_spans(it.text) if " " in c and CMD_LINE.match(c))
    return out


def lead_comment(g: Group) -> list[str]:
    return [f'md:{g.lead.line} "{g.lead.text}"'] if g.lead else []


def generalise_token(tok: str) -> str:
    return AGENT_TAIL.sub("<AGENT>", tok.strip())


def verdict_of(tok: str, text: str) -> str:
    t = tok.upper()
    if re.search(r"\bOK\b|APPROV|LGTM|ACCEPT|PASS\b|SHIP", t):
        return "approved"
    if re.search(r"CHANGE|REJECT|REVISE|FIX|REWORK|BLOCK", t):
        return "changes_requested"
    if re.search(r"READY|DONE|STOP|HANDOFF|COMPLETE|SUBMIT", t):
        return "stop"
    low = text.lower()
    if re.search(r"approv|accept|\bok\b", low):
        return "approved"
    if re.search(r"change|reject|revis", low):
        return "changes_requested"
    return "stop"


def token_spans(text: str, single: bool = False) -> list[str]:
    """Exact upper-case tokens (`READY FOR REVIEW AGENT-1`, `LGTM W2`): words joined by a space or a
    hyphen; `single`: one word too (`APPROVED`), where the context says these are tokens."""
    out = []
    for c in code_spans(text):
        c = c.strip()
        joined = bool(re.search(r"[ \-]", c)) or (single and len(c) >= 4 and c.isalpha())
        if TOKEN.match(c) and len(c) >= 4 and joined and not AGENT_ALONE.match(c):
            out.append(c)
    return out


def token_item(text: str, tok: str) -> bool:
    """An item that states a token: the token alone, or with a few words (`Approve: `LGTM W1``)."""
    rest = text.replace(f"`{tok}`", " ")
    return len(re.findall(r"[A-Za-z]+", rest)) <= 8


class Recogniser:
    def __init__(self, m: Any, coord: Coord, agent_lead: Callable[[str], str | None]):
        """`m`: the runbook's model (phasec.importer.runbook.Model, which imports this module, so it
        is not named here); `agent_lead`: the agent id a list item starts with, if any."""
        self.agent_lead = agent_lead
        self.m = m
        self.c = coord
        self.kind: str | None = None  # the ordinary classification of the section being read

    # -- the section pass ------------------------------------------------------------------

    def ledger(self, sec: Section) -> bool:
        """Only the ledger shape (for a section another reader would take, such as a table of ids)."""
        return any(isinstance(b, Table) for b in sec.blocks) and self._ledger_section(sec) and not sec.subsections

    def section(self, sec: Section, kind: str | None = None) -> bool:
        """Recognise coordination groups in `sec`, removing what is consumed; True if nothing is left."""
        self.kind = kind
        if any(isinstance(b, Table) for b in sec.blocks) and self._ledger_section(sec):
            return not sec.subsections
        groups = groups_of(sec)
        has_tokens = any(
            TOKEN_CONTEXT.search(g.context + " " + sec.title) and self._tokens_in(g, sec.title)
            for g in groups
            if g.blocks
        )
        keep: list[Block] = []
        for g in groups:
            if not self._group(sec, g, has_tokens):
                if g.lead:
                    keep.append(g.lead)
                keep.extend(g.blocks)
        sec.blocks = keep
        return not keep and not sec.subsections

    def _tokens_in(self, g: Group, heading: str = "") -> list[tuple[str, Item | Para]]:
        single = bool(TOKEN_STRICT.search(g.context + " " + heading))
        out: list[tuple[str, Item | Para]] = []
        if g.lead is not None and (lead_toks := token_spans(g.lead.text, single)) and len(lead_toks) == 1:
            out.append((lead_toks[0], g.lead))  # `When done, post `DONE A-1`. The reviewer answers:`
        for b in g.blocks:
            if isinstance(b, Item):
                toks = token_spans(b.text, single)
                if len(toks) == 1 and token_item(b.text, toks[0]):
                    out.append((toks[0], b))
        return out

    def _group(self, sec: Section, g: Group, has_tokens: bool) -> bool:
        ctx = g.context
        heading = sec.title
        both = ctx + " " + heading if g.lead else heading
        items = [b for b in g.blocks if isinstance(b, Item)]
        fences = [b for b in g.blocks if isinstance(b, Fence)]
        if not g.blocks:
            return False
        # review tokens
        if has_tokens and items and g.lead is not None and RULE_LEAD.search(ctx) and not TOKEN_STRICT.search(ctx):
            self._ensure_reviewer(both)
            for it in items:
                self.c.review.append(self._rule(it, "rule", lead_comment(g) if it is items[0] else []))
            return True
        toks = self._tokens_in(g, heading)
        in_items = [x for x in toks if isinstance(x[1], Item)]
        if items and in_items and len(in_items) * 4 >= len(items) * 3 and TOKEN_CONTEXT.search(both):
            self._review_tokens(g, toks, both)
            return True
        b0 = g.blocks[0]
        if (
            g.lead is None
            and len(g.blocks) == 1
            and isinstance(b0, Para)
            and TOKEN_CONTEXT.search(b0.text)
            and len(b0.text.split()) <= LEAD_WORDS
            and not MERGE_CONTEXT.search(heading)
        ):
            para_toks = token_spans(b0.text, bool(TOKEN_STRICT.search(b0.text + " " + heading)))
            if len(para_toks) == 1:  # `When done, post `DONE A-1` and stop.`
                self._review_tokens(Group(b0, [], b0.text), [(para_toks[0], b0)], b0.text + " " + heading)
                return True
        # the agent prompt
        if (
            len(fences) == 1
            and len(g.blocks) == 1
            and PROMPT_CONTEXT.search(both)
            and PROMPT_STRONG.search(both)
            and fence_commands(fences[0]) is None
        ):
            f = fences[0]
            self.m.protocol.append(
                Stmt("prompt", [s(f.content.rstrip("\n"))], comments=[f"md:{f.line} agent prompt", *lead_comment(g)])
            )
            return True
        # periodic commands
        per = PERIODIC.search(both)
        cmds = fence_commands(fences[0]) if len(fences) == 1 and len(g.blocks) == 1 else None
        if per and (cmds or (items and item_commands(items))):
            when = self._when(per)
            lines = cmds or item_commands(items)
            first = True
            for ln in lines:
                if ln.startswith("#"):
                    continue
                comments = [f"md:{g.blocks[0].line} {heading}", *lead_comment(g)] if first else []
                self.c.orchestrator.append(Stmt("check", [s(ln), "at", s(when)], comments=comments))
                first = False
            for ln in lines:
                if ln.startswith("#"):
                    self.c.orchestrator.append(Stmt("note", [s(ln.lstrip("# "))]))
            return True
        # procedures after each event
        ev = EVENT.search(both)
        if ev and (cmds or items) and not RULE_LEAD.search(ctx if g.lead else ""):
            event = (ev.group(1) or ev.group(2)).lower()
            body: list[Stmt] = []
            if cmds:
                general = same_command_per_lane([ln for ln in cmds if not ln.startswith("#")])
                if general is not None:
                    originals = [f"as written: {ln}" for ln in cmds]
                    body.append(Stmt("step", [s(general), "run", s(general)], comments=originals))
                else:
                    for ln in cmds:
                        body.append(Stmt("step", [s(ln)] + ([] if ln.startswith("#") else ["run", s(ln)])))
            else:
                for it in items:
                    cs = [c for c in code_spans(it.text) if " " in c and CMD_LINE.match(c)]
                    body.append(Stmt("step", [s(it.text)] + (["run", s(cs[0])] if len(cs) == 1 else [])))
            pid = self._procedure_id(ident(re.sub(r"^\W*\d+[.)]?\s*", "", heading)) or "procedure")
            self.c.procedures.append(
                Stmt(
                    "procedure",
                    [pid, s(strip_num(heading)), "on", event],
                    body=body,
                    comments=[f"md:{sec.line}", *lead_comment(g)],
                )
            )
            return True
        # per-agent add-ons
        if items and ADDON_CONTEXT.search(ctx if g.lead else heading) and all(self.agent_lead(it.text) for it in items):
            for it in items:
                self._addon(it, g, heading)
            return True
        # commands every lane runs; an audit / verification block
        if cmds and (ALL_RUN.search(both) or GATE_CONTEXT.search(both)):
            gid = self._gate_id(heading)
            title = strip_num(heading) + (f": {g.lead.text.rstrip(':')}" if g.lead else "")
            body = [Stmt("title", [s(title)])] + [Stmt("run", [s(ln)]) for ln in cmds if not ln.startswith("#")]
            body += [Stmt("note", [s(ln.lstrip("# "))]) for ln in cmds if ln.startswith("#")]
            self.m.gates[gid] = Stmt("gate", [gid], body=body, comments=[f"md:{fences[0].line}", *lead_comment(g)])
            if ALL_RUN.search(both):
                self.c.lane_gates.append(gid)
            return True
        # a list of agents (`P1`: ..., Agent 2 - ...) is the team's, whatever its heading says
        if items and sum(1 for it in items if self.agent_lead(it.text)) * 2 >= len(items):
            return False
        # the coordination contract
        if items and COORD_CONTEXT.search(ctx if g.lead else heading):
            for it in items:
                if HARD_RULE.match(it.text):
                    self.m.phase.append(self._rule(it, "assert", [f"md:{it.line}"]))
                else:
                    self.c.orchestrator.append(self._rule(it, "duty", [f"md:{it.line}"]))
            return True
        # merge / promotion policy
        if items and MERGE_CONTEXT.search(ctx if g.lead else heading) and not GUARD_CONTEXT.search(both):
            for it in items:
                self.m.repo.append(self._rule(it, "rule", [f"md:{it.line} merge policy"]))
                self.c.merge_lines.append(it.text)
            return True
        if (
            g.lead is None
            and isinstance(b0, Para)
            and MERGE_CONTEXT.search(heading)
            and MERGE_CONTEXT.search(b0.text)
            and self.kind is None
        ):
            self.m.repo.append(Stmt("rule", [s(b0.text)], comments=[f"md:{b0.line} merge policy"]))
            self.c.merge_lines.append(b0.text)
            return True
        # a guard / constraint contract: by its words, or (in a section nothing else reads) a list of prohibitions
        prohibitions = len(items) >= 2 and all(PROHIBITION.match(it.text) for it in items) and self.kind is None
        if items and (GUARD_CONTEXT.search(ctx if g.lead else heading) or prohibitions):
            title = strip_num(heading) if not g.lead else g.lead.text.rstrip(":")
            if re.search(r"\blocked\b", title, re.I):  # `Locked constraints`: choices that may not be re-opened
                for k, it in enumerate(items):
                    self.m.phase.append(
                        self._rule(it, "locked", [f"md:{it.line}"] + ([f'"{title}"'] if k == 0 else []))
                    )
                return True
            iid = self._unique_invariant(ident(title) or "guard")
            inv = Stmt("invariant", [iid, s(title)], comments=[f"md:{items[0].line}", *lead_comment(g)])
            for it in items:
                inv.add(self._rule(it, "item", []))
            self.m.invariants.append(inv)
            return True
        return False

    # -- pieces --------------------------------------------------------------------------

    def _rule(self, it: Item, kw: str, comments: list[str]) -> Stmt:
        st = Stmt(kw, [s(it.text)], comments=comments)
        for c in it.children:
            st.add(Stmt("item", [s(c.text)]))
        for t, _ in it.extra:
            st.add(Stmt("item", [s(t)]))
        for f in it.fences:
            st.add(Stmt("item", [s(f.content.rstrip())]))
        return st

    def _when(self, mt: re.Match) -> str:
        if mt.group(1):
            unit = mt.group(2).lower()
            unit = "minutes" if unit.startswith("m") else "hours" if unit.startswith("h") else "days"
            return f"every {mt.group(1)} {unit}"
        return (f"every {mt.group(3)}" if mt.group(3) else mt.group(4)).lower()

    def _procedure_id(self, pid: str) -> str:
        return free_id(pid, {st.args[0] for st in self.c.procedures})

    def _unique_invariant(self, iid: str) -> str:
        return free_id(iid, {st.args[0] for st in self.m.invariants if st.args})

    def _gate_id(self, heading: str) -> str:
        return free_id(ident(strip_num(heading)) or "gate", {*self.m.gates, *self.m.checks})

    def _ensure_reviewer(self, text: str) -> None:
        if not any(st.kw == "by" for st in self.c.review) and re.search(r"\breviewer", text, re.I):
            self.c.roles.setdefault("reviewer", "Reviewer")
            self.c.review.insert(0, Stmt("by", ["reviewer"]))

    def _review_tokens(self, g: Group, toks: list[tuple[str, Item | Para]], context: str) -> None:
        self._ensure_reviewer(context)
        have = {(st.kw, st.args[-1]) for st in self.c.review}
        first = True
        token_items = {id(it) for _, it in toks}
        written: dict[str, list[str]] = {}  # a generalised token -> the tokens as written, one per agent
        for tok, it in toks:
            gen = generalise_token(tok)
            if gen != tok:
                written.setdefault(gen, []).append(tok)
            kind = verdict_of(tok, it.text + " " + context)
            st = Stmt("stop", [s(gen)]) if kind == "stop" else Stmt("verdict", [kind, s(gen)])
            key = (st.kw, st.args[-1])
            if key in have:
                continue
            have.add(key)
            st.comments = [f"md:{it.line}", *(lead_comment(g) if first and it is not g.lead else [])]
            first = False
            self.c.review.append(st)
            if isinstance(it, Para):  # the sentence the token was found in, as written
                self.c.review.append(Stmt("note", [s(it.text)]))
        for gen, toks_written in written.items():
            spans = ", ".join(f"`{x}`" for x in dict.fromkeys(toks_written))
            self.c.review.append(Stmt("note", [s(f"`{gen}` as written: {spans}")]))
        for b in g.blocks:
            if isinstance(b, Item) and id(b) not in token_items:
                self.m.unmapped(self.c.review, b.text, b.line, "in the review protocol", b.children)

    def _addon(self, it: Item, g: Group, heading: str) -> None:
        aid = self.agent_lead(it.text) or "agent"
        cmds = [c for c in code_spans(it.text) if " " in c and CMD_LINE.match(c)]
        gid = self._gate_id(f"{aid} addons")
        title = f"{(g.lead.text.rstrip(':') if g.lead else strip_num(heading))}: {aid}"
        comments = [f"md:{it.line}", *(lead_comment(g))]
        self.c.addons.setdefault(aid, []).append(gid)
        if cmds:
            body = [Stmt("title", [s(title)])] + [Stmt("run", [s(c)]) for c in cmds]
            body.append(Stmt("note", [s(it.text)]))
            self.m.gates[gid] = Stmt("gate", [gid], body=body, comments=comments)
        else:
            rest = re.sub(r"^`[^`]+`\s*:\s*", "", it.text)
            self.m.checks[gid] = Stmt("check", [gid, s(f"{title}: {rest}")], comments=comments)

    def _ledger_section(self, sec: Section) -> bool:
        """A section holding an append-only table: a ledger (or several)."""
        tables = [b for b in sec.blocks if isinstance(b, Table)]
        paras = " ".join(b.text for b in sec.blocks if isinstance(b, Para))
        strong = LEDGER_WORDS.search(re.sub(r"`[^`]*`", "", sec.title))  # (a word in code names something else)
        if not (strong or LEDGER_PARA.search(paras)) or re.search(r"\bdefer", sec.title, re.I):
            return False  # (a register of deferred items is the deferred list, not a log)
        # an agent table is the team; a slice table is the slices unless the heading says it is a log
        if any(t.header and re.match(r"^\W*agents?\W*$", t.header[0], re.I) for t in tables):
            return False
        if not strong and any(t.header and re.match(r"^\W*(slice|lane|id)\W*$", t.header[0], re.I) for t in tables):
            return False
        title = strip_num(sec.title)
        append_only = bool(re.search(r"append[- ]?only", sec.title + " " + paras, re.I))
        ledgers: list[Stmt] = []
        current: Stmt | None = None
        pending: list[Stmt] = []
        for g in groups_of(sec):
            b0 = g.blocks[0] if g.blocks else None
            if isinstance(b0, Table):
                lid = self._ledger_id(title if not ledgers else f"{title} {len(ledgers) + 1}")
                args = [lid, s(title)] + (["append_only"] if append_only else [])
                current = Stmt("ledger", args, body=list(pending), comments=[f"md:{b0.line}", *lead_comment(g)])
                pending = []
                for h in b0.header:
                    current.add(Stmt("field", [s(h)]))
                for cells, _ in b0.rows:
                    current.add(Stmt("entry", [s(" | ".join(cells))]))
                ledgers.append(current)
                continue
            target = current.body if current is not None and current.body is not None else pending
            items = [b for b in g.blocks if isinstance(b, Item)]
            if g.lead is None and len(g.blocks) == 1 and isinstance(b0, Para) and STATE_PARA.match(b0.text):
                names = code_spans(b0.text)
                if len(names) >= 2:
                    target.append(Stmt("states", [s(n) for n in names], comments=[f'md:{b0.line} "{b0.text}"']))
                    continue
            if g.lead is None and len(g.blocks) == 1 and isinstance(b0, Para):
                target.append(Stmt("note", [s(b0.text)], comments=[f"md:{b0.line} the ledger's description"]))
                continue
            if (
                items
                and all(self._single_span(it) for it in items)
                and (g.lead is None or STATE_LEAD.search(g.context) or not RULE_LEAD.search(g.context))
            ):
                target.append(
                    Stmt(
                        "states",
                        [s(self._single_span(it) or "") for it in items],
                        comments=[f"md:{items[0].line}", *lead_comment(g)],
                    )
                )
                continue
            if items:
                for k, it in enumerate(items):
                    target.append(self._rule(it, "rule", [f"md:{it.line}", *(lead_comment(g) if k == 0 else [])]))
                continue
            for b in g.blocks:
                self._ledger_unmapped(target, b)
            if g.lead is not None:
                self._ledger_unmapped(target, g.lead)
        if pending and ledgers:
            ledgers[-1].body = (ledgers[-1].body or []) + pending
        for led in ledgers:
            self._derive_states(led)
            # keep statements in the language's order: notes, fields, states, rules, entries
            order = {"note": 0, "field": 1, "states": 2, "rule": 3, "entry": 4}
            led.body = sorted(led.body or [], key=lambda st: order.get(st.kw, 0))
            self.c.ledgers.append(led)
        sec.blocks = []
        return True

    def _ledger_unmapped(self, target: list[Stmt], b: Block) -> None:
        if isinstance(b, Para):
            self.m.unmapped(target, b.text, b.line, "in a ledger")
        elif isinstance(b, Fence):
            self.m.unmapped(target, b.content.rstrip("\n"), b.line, "in a ledger")
        elif isinstance(b, Item):
            self.m.unmapped(target, b.text, b.line, "in a ledger", b.children)

    def _single_span(self, it: Item) -> str | None:
        cs = code_spans(it.text)
        if len(cs) == 1 and it.text.strip().strip(".,;") == f"`{cs[0]}`" and not it.children:
            return cs[0]
        return None

    def _derive_states(self, led: Stmt) -> None:
        body = led.body or []
        if any(st.kw == "states" for st in body):
            return
        fields = {st.args[0] for st in body if st.kw == "field"}
        for st in body:
            if st.kw == "rule" and re.search(r"->|→|=>", st.args[0]):
                text = _unquote(st.args[0])
                names = [c for c in code_spans(text) if s(c) not in fields and " " not in c]
                if len(names) >= 2:
                    body.append(
                        Stmt(
                            "states", [s(n) for n in dict.fromkeys(names)], comments=["states: from the lifecycle rule"]
                        )
                    )
                    return

    def _ledger_id(self, title: str) -> str:
        lid = ident(re.sub(r"\(.*?\)", "", title)) or "ledger"
        return free_id(lid, {st.args[0] for st in self.c.ledgers})

    # -- after every section -------------------------------------------------------------

    def finish(self) -> None:
        self._bind_lane_gates()
        self._merge()

    def _bind_lane_gates(self) -> None:
        """The gates every lane runs, and each agent's add-ons, on the slices the agents execute
        (`gate CADENCE ...`: the runbook's quick cadence, else a `lane` cadence with no events)."""
        if not (self.c.lane_gates or self.c.addons):
            return
        lanes = [sl for sl in self.m.slices.values() if sl.agents]
        if not lanes:
            return
        cads = list(self.m.cadences)
        cad = "quick" if "quick" in cads else cads[0] if cads else "lane"
        if not cads:
            self.m.cadences[cad] = ("What every lane runs", [], 0)
        for sl in lanes:
            own = [g for a in sl.agents for g in self.c.addons.get(a, [])]
            ids = list(dict.fromkeys(self.c.lane_gates + own))
            if ids:
                sl.gates.append((cad, ids))

    def _merge(self) -> None:
        """The repo's `merge` statement, where the policy lines say how lanes merge."""
        lines = self.c.merge_lines
        if not lines:
            return
        approval = any(
            re.search(r"only (?:after|once|with) .*(approv|review|sign-?off|token|verdict|accept|lgtm|\bok\b)", t, re.I)
            for t in lines
        )
        into = None
        for t in lines:
            mt = re.search(r"\b(?:merge|land|integrate)\w*\b[^.]*?\b(?:to|into|onto)\s+`([^`\s]+)`", t, re.I)
            if mt:
                into = mt.group(1)
                break
        rebase = any(
            re.search(
                r"after (?:each|every) merge.*\brebase|\brebase\b.*after (?:each|every) merge",
                _unquote(st.args[0]),
                re.I,
            )
            for st in self.c.review + self.m.repo
            if st.args
        )
        if not (approval or into):
            return
        args = (["after_approval"] if approval else []) + (["rebase_unmerged"] if rebase else [])
        args += ["into", s(into)] if into else []
        if not any(st.kw == "merge" for st in self.m.repo):
            self.m.repo.insert(0, Stmt("merge", args, comments=["merge: from the merge policy lines"]))
        if approval:
            # each lane (a slice with its own branch) merges only after the approval the policy names
            by = ["by", "reviewer"] if "reviewer" in self.c.roles else []
            for sl in self.m.slices.values():
                if sl.branch and not any(st.kw == "approval" for st in sl.body):
                    sl.body.insert(0, Stmt("approval", by, comments=["approval: from the merge policy lines"]))


def same_command_per_lane(lines: list[str]) -> str | None:
    """Lines that run one command per lane, differing only in the lane's worktree, branch or id:
    the command with a placeholder (`git -C <WORKTREE> rebase origin/main`); None otherwise."""
    if len(lines) < 2:
        return None
    rows = [ln.split() for ln in lines]
    if len({len(r) for r in rows}) != 1:
        return None
    diff = [k for k in range(len(rows[0])) if len({r[k] for r in rows}) > 1]
    if not diff or len(diff) * 2 > len(rows[0]):
        return None
    values = [{r[k] for k in diff} for r in rows]
    if any(len(v) != 1 for v in values) or len({next(iter(v)) for v in values}) != len(rows):
        return None
    sample = next(iter(values[0]))
    if sample.startswith(("/", ".", "~")):
        hole = "<WORKTREE>"
    elif "/" in sample:
        hole = "<BRANCH>"
    else:
        hole = "<SLICE>"
    return " ".join(hole if k in diff else tok for k, tok in enumerate(rows[0]))


def strip_num(title: str) -> str:
    """`4) Orchestrator Loop` -> `Orchestrator Loop`; `E. Constraints` -> `Constraints`."""
    return re.sub(r"^\W*(?:\d+(?:\.\d+)*[.)]?|[A-Z][.)])\s+", "", title).strip()


def _unquote(v: str) -> str:
    if v.startswith('"') and v.endswith('"'):
        return v[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    return v


def emit(coord: Coord) -> list[tuple[str, list[Stmt]]]:
    out: list[tuple[str, list[Stmt]]] = []
    roles = [Stmt("role", [rid, s(title)]) for rid, title in coord.roles.items()]
    out.append(("roles", roles))
    if coord.orchestrator:
        out.append(("orchestrator", [Stmt("orchestrator", body=coord.orchestrator)]))
    if coord.review:
        out.append(("review", [Stmt("review", body=coord.review)]))
    out.append(("procedures", coord.procedures))
    out.append(("ledgers", coord.ledgers))
    return out
