"""Merge a hand-written packet into an imported runbook and report every disagreement (PC952).

Policy (recorded in the `.phc` as comments): where the packet states a value the
runbook also states (a title, dependencies, trigger criteria, cadence events),
the packet's value is written, because the packet is the more detailed, later
document; the runbook's value is kept beside it (a `note` or a comment) and the
disagreement is reported with both locations.  What only one document states
is taken from it.  Each diagnostic's primary location is in the runbook when
the runbook states the value, else in the packet; ``related`` points at the
other document.
"""

from __future__ import annotations

import re

from phasec.importer.packet import Loc, Packet, PSlice
from phasec.importer.runbook import Diag, Model, SliceM, gate_id, short
from phasec.importer.writer import Stmt, free_id, ident, is_name, s


def norm_words(text: str) -> list[str]:
    return [w for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in ("and", "the", "a", "of")]


def _diag(
    m: Model,
    message: str,
    line: int,
    related: list[tuple[str, int, str]],
    help: str | None = None,
    path: str | None = None,
) -> None:
    d = Diag("PC952", "warning", message, line, related=related, help=help)
    if path:
        d.path = path  # type: ignore[attr-defined]
    m.diags.append(d)


def rel_path(m: Model, path: str) -> str:
    for _, _, extra in m.branches.values():
        for part in extra.split("|"):
            if part.startswith("worktree="):
                root = part[len("worktree=") :].rstrip("/") + "/"
                if path.startswith(root):
                    return path[len(root) :]
    return path


def merge_packet(m: Model, pk: Packet) -> None:
    y = pk.yaml
    ypath = pk.yaml_path or pk.dir
    yl = pk.yaml_lines
    if y:
        if y.get("status") and is_name(str(y["status"])):
            m.phase.append(Stmt("status", [str(y["status"])], comments=[f"{ypath}:{yl.get('status', 1)}"]))
        if y.get("entrypoint"):
            m.phase.append(Stmt("entrypoint", [s(str(y["entrypoint"]))]))
        for inv in y.get("invariants") or []:
            if isinstance(inv, dict):
                for k, v in inv.items():
                    if isinstance(v, list):
                        m.invariants.append(
                            Stmt("invariant", [ident(str(k))], body=[Stmt("item", [s(str(x))]) for x in v])
                        )
                    else:
                        m.invariants.append(Stmt("invariant", [ident(str(k)), s(str(v))]))
        for d in y.get("deferred_non_blocking") or y.get("deferred") or []:
            m.deferred.append(Stmt("deferred", [ident(str(d))]))
    order = list(m.slices)
    runbook_ids = set(m.slices)
    # slices present in one document and not the other
    for sid in runbook_ids - set(pk.slices):
        if pk.slices:
            sl = m.slices[sid]
            _diag(
                m,
                f"slice {sid} is in the runbook but not in the packet's work breakdown",
                sl.line,
                [(ypath, yl.get("slices", 1), f"the work breakdown's slices ({', '.join(pk.slices)}) have no {sid}")],
                help="a leftover from another phase, or a slice the packet forgot",
            )
    for sid, ps in pk.slices.items():
        if sid not in m.slices:
            m.slices[sid] = SliceM(sid, ps.title[0] if ps.title else sid, 0)
            m.slices[sid].comments.append(f"{ypath}:{ps.loc.line}: only in the packet")
            if runbook_ids:
                _diag(
                    m,
                    f"slice {sid} is in the packet's work breakdown but not in the runbook",
                    ps.loc.line,
                    [(m.path, m.title_line, f"the runbook's slices ({', '.join(sorted(runbook_ids))}) have no {sid}")],
                    path=ypath,
                )
        merge_slice(m, pk, m.slices[sid], ps, sid in runbook_ids)
    # the planned command contract: composite suites as scripted gates
    contract = declare_contract(m, pk)
    # gates of the work breakdown
    for sid, cads in (y.get("gates") or {}).items() if y else []:
        if not isinstance(cads, dict):
            continue
        for cad, items in cads.items():
            names = []
            for cmd in items or []:
                cmd = str(cmd)
                called = re.fullmatch(r"\S+ run ([A-Za-z0-9:_\-.]+)", cmd.strip())
                if called and called.group(1) in contract:
                    names.append(contract[called.group(1)])
                elif " " in cmd:
                    g = gate_id(m, cmd)
                    m.gates.setdefault(
                        g, Stmt("gate", [g, s(cmd)], comments=[f"{ypath}:{yl.get(f'gates.{sid}.{cad}', 1)}"])
                    )
                    names.append(g)
                else:
                    g = ident(cmd)
                    if g not in m.gates:
                        m.checks.setdefault(g, Stmt("check", [g, s(cmd.replace("_", " "))]))
                    names.append(g)
            if sid == "phase_exit":
                m.exit.insert(0, Stmt("gate", names))
            elif sid in m.slices:
                cid = ident(str(cad), lower=False)
                m.cadences.setdefault(cid, (str(cad), [], 0))
                m.slices[sid].gates.append((cid, names))
    for ids, text, response, loc in pk.signals:
        for sid in ids:
            if sid in m.slices and text:
                m.slices[sid].body.append(
                    Stmt(
                        "signal",
                        [s(text)] + (["response", s(response)] if response else []),
                        comments=[f"{loc.file}:{loc.line}"],
                    )
                )
    compare_md_docs(m, pk)
    compare_cadences(m, pk)
    compare_branches(m, pk)
    compare_pass_root(m, pk)
    compare_scripts(m, pk, order)
    m.merge_comments.append(
        "Packet merge: where the packet and the runbook disagree, the packet's value is written and the runbook's is kept "
        "in a note (see the PC952 warnings)."
    )


def declare_contract(m: Model, pk: Packet) -> dict[str, str]:
    """Each script of the planned command contract (`"phase-c:c1:quick": "bun run a && bun run b"`) as a
    gate with that `script`, its body the contract's definition: `use` for the contract's own scripts,
    `run` for anything else.  Returns script name -> gate id."""
    if not pk.scripts:
        return {}
    runners = [mt.group(1) for cmd, _ in pk.scripts.values() for mt in [re.match(r"^(\S+ run)\s", cmd)] if mt]
    runner = max(set(runners), key=runners.count) if runners else "npm run"
    ids: dict[str, str] = {}
    for name in pk.scripts:
        gid = base = ident(name)
        k = 2
        while gid in m.gates or gid in m.checks or gid in ids.values():
            gid, k = f"{base}_{k}", k + 1
        ids[name] = gid
    for name, (cmd, loc) in pk.scripts.items():
        body = [Stmt("script", [s(name)])]
        for part in re.split(r"\s*&&\s*", cmd.strip()):
            called = re.fullmatch(re.escape(runner) + r"\s+([A-Za-z0-9:_\-.]+)", part)
            if called and called.group(1) in ids:
                body.append(Stmt("use", [ids[called.group(1)]]))
            elif part:
                body.append(Stmt("run", [s(part)]))
        m.gates[ids[name]] = Stmt(
            "gate", [ids[name]], body=body, comments=[f"{loc.file}:{loc.line} (planned command contract)"]
        )
    m.scripts_runner = runner
    return ids


def merge_slice(m: Model, pk: Packet, sl: SliceM, ps: PSlice, in_runbook: bool) -> None:
    d = ps.data
    ypath = ps.loc.file
    yl = pk.yaml_lines
    sid = sl.id
    if ps.title and in_runbook and norm_words(ps.title[0]) != norm_words(sl.title):
        _diag(
            m,
            f'slice {sid}: the title differs: "{short(sl.title, 50)}" here, "{short(ps.title[0], 50)}" in the packet',
            sl.line,
            [(ypath, ps.title[1].line, "the packet's title")],
        )
        sl.body.insert(0, Stmt("note", [s(f"Runbook title: {sl.title}")]))
        sl.comments.append(f"choice: the packet's title ({ypath}:{ps.title[1].line})")
    if ps.title:
        sl.title = ps.title[0]
    if d.get("objective"):
        if sl.objective and norm_words(sl.objective) != norm_words(str(d["objective"])):
            sl.body.insert(0, Stmt("note", [s(f"Runbook objective: {sl.objective}")]))
        sl.objective = str(d["objective"])
    if ps.owner:
        sl.owner = ps.owner[0] if ps.owner[0].startswith("@") and is_handle(ps.owner[0]) else None
        if sl.owner:
            m.owners.setdefault(sl.owner, None)
    if ps.backup and ps.backup[0].startswith("@") and is_handle(ps.backup[0]) and sl.owner:
        sl.backup = ps.backup[0]
        m.owners.setdefault(sl.backup, None)
        m.owners[sl.owner] = m.owners[sl.owner] or sl.backup
    if ps.owner and in_runbook and len(sl.agents) > 1:
        _diag(
            m,
            f"slice {sid}: owned by one in one place ({ps.owner[0]}, the packet) and executed by {len(sl.agents)} agents "
            f"in another ({' + '.join(sl.agents)}, the runbook)",
            sl.agents_line or sl.line,
            [(ypath, ps.owner[1].line, f"{sid} has the single owner {ps.owner[0]} here")],
            help="agents execute, owners are accountable: check that one accountable owner is intended",
        )
    deps = [str(x) for x in d.get("depends_on") or []]
    soft = [str(x) for x in d.get("depends_on_if_triggered") or []]
    if "depends_on" in d or soft:
        mine = sorted(a for a, _ in sl.after)
        if in_runbook and mine and sorted(deps + soft) != mine:
            how = "stated" if sl.after_stated else "inferred from the stage order"
            _diag(
                m,
                f"slice {sid}: dependencies differ: {', '.join(mine) or 'none'} here ({how}), "
                f"{', '.join(deps + soft) or 'none'} in the packet",
                sl.line,
                [(ypath, yl.get(f"slices.{sid}.depends_on", ps.loc.line), "the packet's dependencies")],
            )
            sl.comments.append(f"choice: the packet's dependencies; the runbook's were {', '.join(mine)}")
        sl.after = [(x, False) for x in deps if x in m.slices or x in pk.slices] + [
            (x, True) for x in soft if x in m.slices or x in pk.slices
        ]
        sl.after_stated = set(deps + soft)
    have = {rel_path(m, p) for p, _ in sl.files}
    packet_files = [str(f.get("path")) for f in d.get("files") or [] if isinstance(f, dict) and f.get("path")]
    if packet_files:
        only_here = sorted(p for p in have if p not in packet_files)
        if in_runbook and only_here:
            _diag(
                m,
                f"slice {sid}: {len(only_here)} path(s) only in the runbook: {short(', '.join(only_here), 90)}",
                sl.line,
                [(ypath, yl.get(f"slices.{sid}.files", ps.loc.line), "the packet's files")],
            )
        for p in packet_files:
            if p not in have:
                sl.files.append((p, []))
                have.add(p)
    if d.get("conditional") and not sl.conditional:
        sl.conditional = True
    crit = [str(x) for x in d.get("trigger_criteria") or []]
    if crit:
        if in_runbook and sl.triggers and len(crit) != len(sl.triggers):
            _diag(
                m,
                f"slice {sid}: {len(sl.triggers)} trigger criteria here, {len(crit)} in the packet",
                sl.line,
                [(ypath, yl.get(f"slices.{sid}.trigger_criteria", ps.loc.line), "the packet's trigger criteria")],
            )
        for _, text in sl.triggers:
            sl.body.append(Stmt("note", [s(f"Runbook trigger criterion: {text}")]))
        sl.triggers = [(f"t{k}", c) for k, c in enumerate(crit, 1)]
    for r in d.get("requires_artifacts") or []:
        path = str(r.get("path")) if isinstance(r, dict) else str(r)
        aid = declare_artifact(m, path)
        if aid not in sl.requires:
            sl.requires.append(aid)
    for cad, items in (d.get("gates") or {}).items() if isinstance(d.get("gates"), dict) else []:
        cid = ident(str(cad), lower=False)
        m.cadences.setdefault(cid, (str(cad), [], 0))
        sl.gates.append((cid, [s(str(x)) for x in items or []]))
    if d.get("status") and is_name(str(d["status"])):
        sl.comments.append(f"packet status: {d['status']}")


def is_handle(h: str) -> bool:
    return bool(re.fullmatch(r"@[A-Za-z0-9][A-Za-z0-9_./\-]*", h))


def declare_artifact(m: Model, path: str) -> str:
    folder, _, name = path.rpartition("/")
    for _, root, arts, _ in m.outputs:
        for aid, n, _ in arts:
            if n == name and (not folder or rel_path(m, root).endswith(folder.split("/")[-1])):
                return aid
    aid = ident(re.sub(r"\.[A-Za-z0-9]+$", "", name), lower=False)
    out = next((o for o in m.outputs if o[1] == folder), None)
    if out is None:
        out = (ident("packet_" + folder.split("/")[-1]), folder, [], [])
        m.outputs.append(out)
    aid = free_id(aid, {a for o in m.outputs for a, _, _ in o[2]})
    out[2].append((aid, name, 0))
    return aid


def compare_md_docs(m: Model, pk: Packet) -> None:
    for path, slices in pk.md_slices.items():
        for sid, ps in slices.items():
            ref = pk.slices.get(sid)
            if ref is None:
                continue
            if ps.owner and ref.owner and ps.owner[0] != ref.owner[0]:
                _diag(
                    m,
                    f"slice {sid}: owner {ps.owner[0]} in one packet document, {ref.owner[0]} in the work breakdown",
                    ps.owner[1].line,
                    [(ref.owner[1].file, ref.owner[1].line, "the work breakdown's owner")],
                    path=path,
                )
            ygates = (pk.yaml.get("gates") or {}).get(sid) or ref.data.get("gates") or {}
            if not isinstance(ygates, dict):
                continue
            for cad, cmds in ps.gates.items():
                theirs = ygates.get(cad)
                if not theirs:
                    continue
                # compare what runs: each `run SCRIPT` of the planned command contract expanded
                a = leaf_commands(pk, [c for c, _ in cmds])
                b = leaf_commands(pk, [str(x) for x in theirs])
                if a != b:
                    loc = cmds[0][1]
                    _diag(
                        m,
                        f"slice {sid}: the {cad} gate list differs between the packet documents "
                        f"({len(a)} command(s) here, {len(b)} in the work breakdown once scripts are expanded)",
                        loc.line,
                        [
                            (
                                pk.yaml_path or pk.dir,
                                pk.yaml_lines.get(f"gates.{sid}.{cad}", ref.loc.line),
                                "the work breakdown's gate list",
                            )
                        ],
                        path=path,
                    )


def leaf_commands(pk: Packet, cmds: list[str]) -> list[str]:
    """Commands with every `<runner> run SCRIPT` of the planned contract replaced by what it runs."""
    out: list[str] = []

    def expand(cmd: str, depth: int) -> None:
        mt = re.fullmatch(r"\S+ run ([A-Za-z0-9:_\-.]+)", cmd.strip())
        if mt and mt.group(1) in pk.scripts and depth < 20:
            for part in re.split(r"\s*&&\s*", pk.scripts[mt.group(1)][0]):
                expand(part, depth + 1)
        else:
            out.append(cmd.strip())

    for c in cmds:
        expand(c, 0)
    return out


def compare_cadences(m: Model, pk: Packet) -> None:
    for cid, (events, loc) in pk.cadences.items():
        mine = m.cadences.get(cid)
        if mine is None:
            m.cadences[cid] = (f"{cid.capitalize()} suite", events, 0)
            continue
        title, my_events, line = mine
        if my_events and len(my_events) != len(events):
            _diag(
                m,
                f"cadence {cid}: {len(my_events)} event(s) here, {len(events)} in the packet",
                line or m.title_line,
                [(loc.file, loc.line, "the packet's events: " + short("; ".join(events), 80))],
            )
        if events:
            note = f"Runbook events: {'; '.join(my_events)}" if my_events and my_events != events else None
            m.cadences[cid] = (title, events, line)
            if note:
                m.notes.append(
                    Stmt(
                        "note",
                        [s(f"cadence {cid}: {note}")],
                        comments=[f"choice: the packet's events for cadence {cid} ({loc.file}:{loc.line})"],
                    )
                )


def compare_branches(m: Model, pk: Packet) -> None:
    if not pk.branches:
        return
    theirs: dict[str, tuple[str, Loc, str]] = {}
    for label, name, loc in pk.branches:
        key = ident(label.split()[0]) if label.split() else ident(label)
        theirs.setdefault(key, (name, loc, label))
    names = {n for _, n, _ in pk.branches}
    for bid, (name, line, _) in m.branches.items():
        key = bid.split("_")[0]
        other = theirs.get(key)
        if other and other[0] != name:
            _diag(
                m,
                f"branch {bid}: `{name}` here, `{other[0]}` in the packet ({other[2]})",
                line,
                [(other[1].file, other[1].line, "the packet's branch")],
            )
        elif other is None and name not in names:
            _diag(
                m,
                f"branch {bid}: `{name}` is not among the packet's branches ({', '.join(sorted(names))})",
                line,
                [(pk.branches[0][2].file, pk.branches[0][2].line, "the packet's branches")],
            )


def compare_pass_root(m: Model, pk: Packet) -> None:
    from phasec.importer.packet import PASS_FOLDER

    if not pk.pass_folders:
        return
    for oid, root, arts, _ in m.outputs:
        mt = PASS_FOLDER.search(root)
        kind = re.sub(r"^_phase-[a-z0-9]+-|-\d{4}-\d{2}-\d{2}$", "", mt.group(0)) if mt else ""
        same_kind = [f for f in pk.pass_folders if kind and kind in f]
        if mt and same_kind and mt.group(0) not in pk.pass_folders:
            first = (same_kind[0], pk.pass_folders[same_kind[0]])
            line = min((ln for _, _, ln in arts), default=m.title_line) or m.title_line
            _diag(
                m,
                f"outputs {oid}: pass root `{mt.group(0)}` is named nowhere in the packet, which names "
                f"{', '.join(sorted(same_kind))}",
                line,
                [(first[1].file, first[1].line, "the packet's pass folder")],
            )


def compare_scripts(m: Model, pk: Packet, order: list[str]) -> None:
    if not m.scripts_added_in or not pk.scripts:
        return
    adders, line, _ = m.scripts_added_in
    pos = {sid: i for i, sid in enumerate(order)}
    if not all(a in pos for a in adders):
        return

    def expand(cmd: str, seen: set[str]) -> set[str]:
        out: set[str] = set()
        for mt in re.finditer(r"\brun\s+([A-Za-z0-9:_\-.]+)", cmd):
            name = mt.group(1)
            if name in pk.scripts and name not in seen:
                seen.add(name)
                out.add(name)
                out |= expand(pk.scripts[name][0], seen)
        return out

    uses: dict[str, tuple[set[str], Loc]] = {}
    ygates = pk.yaml.get("gates") or {}
    for sid, cads in ygates.items():
        if sid not in pos or not isinstance(cads, dict):
            continue
        for cad, cmds in cads.items():
            for cmd in cmds or []:
                found = expand(str(cmd), set())
                if found:
                    got = uses.setdefault(
                        sid, (set(), Loc(pk.yaml_path or pk.dir, pk.yaml_lines.get(f"gates.{sid}.{cad}", 1)))
                    )
                    got[0].update(found)
    for slices in pk.md_slices.values():
        for sid, ps in slices.items():
            if sid not in pos:
                continue
            for cmds in ps.gates.values():
                for cmd, loc in cmds:
                    found = expand(cmd, set())
                    if found:
                        got = uses.setdefault(sid, (set(), loc))
                        got[0].update(found)
    for sid in sorted(uses, key=lambda x: pos[x]):
        names, loc = uses[sid]
        if all(pos[a] > pos[sid] for a in adders):
            first = sorted(names)
            _diag(
                m,
                f"slice {sid} runs planned scripts ({short(', '.join(first), 80)}) that the runbook adds during "
                f"{'/'.join(adders)}, which run after {sid}",
                line,
                [
                    (loc.file, loc.line, f"{sid}'s gates use them here"),
                    (pk.scripts[first[0]][1].file, pk.scripts[first[0]][1].line, f"`{first[0]}` is planned here"),
                ],
                help=f"add the scripts in a slice that finishes before {sid} (`scripts {{ added_in ... }}`), or move the gates",
            )
