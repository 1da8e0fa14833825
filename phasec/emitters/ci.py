""".github/workflows/phase-<id>.yml: the phase's gates as a GitHub Actions workflow.

Opt-in: written only when ``EmitOptions.extras`` contains ``"ci"``
(``phasec compile RUNBOOK -o DIR --emit ci``).

* One job per slice that runs its gates: ``quick`` first, then ``full``, then the
  other cadences in the order the slice binds them.  A named gate with a
  ``script`` runs as ``<runner> <script>`` (``scripts { runner ... }``); a gate of
  ``run`` commands runs them in order; a composite runs what it uses; a symbolic
  ``check`` has no command and becomes a notice that names it (a person
  attests it).  Slices with no gates still get a job, so that ``needs:`` follows
  the whole slice graph.
* Each job checks the repository out and sets up the toolchain its commands need:
  ``oven-sh/setup-bun@v2`` + ``bun install`` when the runner or a command starts
  with ``bun``/``bunx``; ``actions/setup-node@v4`` + the package manager's install
  for ``npm``/``npx``/``pnpm``/``yarn``.
* ``needs:`` follows the slice graph (``after``, including ``if_triggered``).
* A conditional slice is behind a ``workflow_dispatch`` boolean input
  ``<slice>_triggered``: its job runs ``if: ${{ inputs.<slice>_triggered }}``.
  When the slice binds gates ``always`` (they run on both paths, e.g. the trigger
  assessment and the disposition check), a second job ``<slice>_not_triggered``
  runs just those when the input is false.  A branching slice (it always runs,
  its outcome branches) is laid out the same way: the triggered job runs every
  binding that holds when triggered, the not-triggered job every binding that
  holds when deferred (``ir.Slice.binding_paths``).  Every job downstream of a
  conditional or branching slice uses ``if: ${{ !cancelled() && !failure() }}``, so it still runs when the
  conditional job is skipped (GitHub skips dependents of a skipped job otherwise).
  ``--assume SLICE=triggered|deferred`` fixes the path: no input, one job.
* A final ``phase-exit`` job needs every slice job, runs even when some were
  skipped, fails if any failed or was cancelled, then runs the phase exit gates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from phasec.compiler import ir
from phasec.compiler.facts import GateStep, facts
from phasec.emitters import EmitOptions
from phasec.emitters.env import environment

EMITTER = True
TEMPLATE = "CI_WORKFLOW.yml.j2"
EXTRA = "ci"

CHECKOUT = "actions/checkout@v4"
SETUP_BUN = "oven-sh/setup-bun@v2"
SETUP_NODE = "actions/setup-node@v4"
SETUP_PNPM = "pnpm/action-setup@v4"
EXIT_JOB = "phase-exit"


@dataclass
class Step:
    name: str
    run: str | None = None  # a command
    check: str | None = None  # a symbolic check: its text (shown as a notice)


@dataclass
class Job:
    id: str
    name: str
    needs: list[str] = field(default_factory=list)
    condition: str | None = None
    steps: list[Step] = field(default_factory=list)
    slice_id: str = ""


def _job_id(slice_id: str, used: set[str]) -> str:
    base = re.sub(r"[^A-Za-z0-9_-]", "_", slice_id)
    if not re.match(r"[A-Za-z_]", base):
        base = "slice_" + base
    cand, k = base, 2
    while cand.lower() in used or cand.lower() == EXIT_JOB:
        cand, k = f"{base}_{k}", k + 1
    used.add(cand.lower())
    return cand


def _step(label: str, st: GateStep) -> Step:
    if st.kind != "run":  # a symbolic check (unknown gates and cycles never reach a compile)
        return Step(f"{label}: {st.gate} (symbolic check)", check=st.text)
    if st.gate == "inline":
        return Step(f"{label}: {st.text}", run=st.text)
    return Step(f"{label}: {st.gate}", run=st.text)


def gate_steps(rb: ir.Runbook, gate: ir.Gate, label: str) -> list[Step]:
    """The steps that run a named gate (composites expanded in order)."""
    return [_step(label, st) for st in facts(rb).expand_gate(gate.id)]


def binding_steps(rb: ir.Runbook, b: ir.GateBinding) -> list[Step]:
    return [_step(b.cadence.id, st) for st in facts(rb).binding_steps(b)]


_ORDER = {"quick": 0, "full": 1}


def ordered_bindings(s: ir.Slice) -> list[ir.GateBinding]:
    """quick first, then full, then the other cadences in the order the slice binds them."""
    return [b for _, b in sorted(enumerate(s.gates), key=lambda ib: (_ORDER.get(ib[1].cadence.id, 2), ib[0]))]


def toolchain(rb: ir.Runbook, commands: list[str]) -> list[dict]:
    """Setup steps (after checkout) for the runner and the commands' tools."""
    declared = [rb.scripts.runner] if rb.scripts else []  # the default runner alone needs no setup
    heads = {c.split()[0] for c in [*declared, *commands] if c.split()}
    steps: list[dict] = []
    if heads & {"bun", "bunx"}:
        steps.append({"name": "Set up Bun", "uses": SETUP_BUN})
        steps.append({"name": "Install dependencies", "run": "bun install --frozen-lockfile"})
        return steps
    if "pnpm" in heads:
        steps.append({"name": "Set up pnpm", "uses": SETUP_PNPM})
        steps.append({"name": "Set up Node.js", "uses": SETUP_NODE, "with": {"node-version": "lts/*", "cache": "pnpm"}})
        steps.append({"name": "Install dependencies", "run": "pnpm install --frozen-lockfile"})
    elif "yarn" in heads:
        steps.append({"name": "Set up Node.js", "uses": SETUP_NODE, "with": {"node-version": "lts/*", "cache": "yarn"}})
        steps.append({"name": "Install dependencies", "run": "yarn install --frozen-lockfile"})
    elif heads & {"npm", "npx", "node"}:
        steps.append({"name": "Set up Node.js", "uses": SETUP_NODE, "with": {"node-version": "lts/*", "cache": "npm"}})
        steps.append({"name": "Install dependencies", "run": "npm ci"})
    return steps


def workflow_context(rb: ir.Runbook, options: EmitOptions) -> dict:
    phase = rb.phase.id if rb.phase else "X"
    slices: list[ir.Slice] = []
    seen: set[str] = set()
    for s in rb.slices:
        if s.id not in seen:
            seen.add(s.id)
            slices.append(s)
    used: set[str] = set()
    job_of = {s.id: _job_id(s.id, used) for s in slices}
    twin: dict[str, str] = {}  # conditional slice -> its not-triggered job
    inputs = []
    path = {s.id: options.path_of(s.id) for s in slices if s.outcome_conditional}
    for s in slices:
        if s.outcome_conditional and path[s.id] is None:
            inputs.append(
                {
                    "id": f"{job_of[s.id]}_triggered",
                    "description": f"{s.id} ({s.title}) is triggered: run its triggered-path gates",
                }
            )
            if s.branching or any("deferred" in s.binding_paths(b) for b in s.gates):
                twin[s.id] = _job_id(f"{job_of[s.id]}_not_triggered", used)
    # Slices downstream of an undecided conditional slice must tolerate skipped jobs.
    from phasec.compiler.graph import RunbookGraph

    graph = RunbookGraph(rb)
    tolerant = graph.slice_descendants_of(s.id for s in slices if s.outcome_conditional and path[s.id] is None)

    jobs: list[Job] = []
    commands: list[str] = []
    for s in slices:
        needs: list[str] = []
        for d in s.after:
            if d.slice.id in job_of:
                needs.append(job_of[d.slice.id])
                if d.slice.id in twin:
                    needs.append(twin[d.slice.id])
        needs = list(dict.fromkeys(needs))
        skip_ok = "${{ !cancelled() && !failure() }}" if s.id in tolerant else None
        bindings = ordered_bindings(s)
        if s.outcome_conditional and path[s.id] is not None:
            bindings = [b for b in bindings if path[s.id] in s.binding_paths(b)]
        elif s.outcome_conditional:
            bindings = [b for b in bindings if "triggered" in s.binding_paths(b)]
        steps = [st for b in bindings for st in binding_steps(rb, b)]
        commands += [st.run for st in steps if st.run]
        title = f"{s.id}: {s.title}"
        if s.outcome_conditional and path[s.id] is None:
            cond = f"${{{{ inputs.{job_of[s.id]}_triggered{' && !cancelled() && !failure()' if skip_ok else ''} }}}}"
            jobs.append(Job(job_of[s.id], f"{title} (triggered)", needs, cond, steps, s.id))
            if s.id in twin:
                always = [
                    st for b in ordered_bindings(s) if "deferred" in s.binding_paths(b) for st in binding_steps(rb, b)
                ]
                cond = (
                    f"${{{{ !inputs.{job_of[s.id]}_triggered{' && !cancelled() && !failure()' if skip_ok else ''} }}}}"
                )
                jobs.append(Job(twin[s.id], f"{title} (not triggered)", needs, cond, always, s.id))
        else:
            suffix = f" ({path[s.id]})" if s.outcome_conditional else ""
            jobs.append(Job(job_of[s.id], title + suffix, needs, skip_ok, steps, s.id))
    exit_steps: list[Step] = []
    if rb.exit is not None:
        for ref in rb.exit.gates:
            g = facts(rb).gates.get(ref.id)
            if g is not None:
                exit_steps.extend(gate_steps(rb, g, "exit"))
    commands += [st.run for st in exit_steps if st.run]
    setup = [{"name": "Check out", "uses": CHECKOUT}, *toolchain(rb, commands)]
    out_jobs: list[dict] = []
    for j in jobs:
        if any(st.run for st in j.steps):
            job_steps = setup + [_step_dict(st) for st in j.steps]
        elif j.steps:  # symbolic checks only: nothing to check out or install
            job_steps = [_step_dict(st) for st in j.steps]
        else:
            job_steps = [{"name": "No gates", "run": f"echo 'Slice {j.slice_id} binds no gates.'"}]
        out_jobs.append(
            {"id": j.id, "name": _literal(j.name), "needs": j.needs, "condition": j.condition, "steps": job_steps}
        )
    exit_job_steps: list[dict] = (
        [
            {
                "name": "Fail when a slice job failed or was cancelled",
                "if": "${{ contains(needs.*.result, 'failure') || contains(needs.*.result, 'cancelled') }}",
                "run": "exit 1",
            }
        ]
        if jobs
        else []
    )
    if exit_steps:
        exit_job_steps += (setup if any(st.run for st in exit_steps) else []) + [_step_dict(st) for st in exit_steps]
    else:
        exit_job_steps.append({"name": "No exit gate", "run": "echo 'The runbook declares no exit gate.'"})
    out_jobs.append(
        {
            "id": EXIT_JOB,
            "name": _literal(f"Phase {phase} exit"),
            "needs": [j.id for j in jobs],
            "condition": "${{ always() }}" if jobs else None,
            "steps": exit_job_steps,
        }
    )
    return {
        "source": rb.path,
        "sha256": rb.sha256,
        "phase": phase,
        "assume": sorted(options.assume.items()),
        "inputs": inputs,
        "jobs": out_jobs,
    }


def _literal(text: str) -> str:
    """GitHub evaluates `${{ ... }}` in names, `run` and `env`; keep runbook text literal."""
    return text.replace("${{", "${{ '${{' }}")


def _step_dict(st: Step) -> dict:
    if st.run is not None:
        return {"name": _literal(st.name), "run": _literal(st.run)}
    return {
        "name": _literal(st.name),
        "env": {"CHECK_TEXT": _literal(st.check or "")},
        "run": 'echo "::notice title=Symbolic check (not automated)::$CHECK_TEXT"',
    }


def workflow_path(rb: ir.Runbook) -> str:
    phase = rb.phase.id if rb.phase else "x"
    return f".github/workflows/phase-{re.sub(r'[^a-z0-9_.-]', '-', phase.lower())}.yml"


def emit(rb: ir.Runbook, options: EmitOptions) -> dict[str, str]:
    if EXTRA not in options.extras:
        return {}
    ctx = workflow_context(rb, options)
    text = environment(options.templates).get_template(TEMPLATE).render(**ctx)
    return {workflow_path(rb): text}
