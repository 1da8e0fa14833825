"""What each kind of slice must contain (PC714): the requirement names, the
defaults, and the check of `[tool.phasec.require]` in the configuration.

Not a rule module (the name does not match ``pcNNN_*``), so the registry skips it.
Kept free of heavy imports: the configuration loader reads it.
"""

from __future__ import annotations

#: requirement -> how the finding names what is missing
REQUIREMENTS = {
    "files": "touched files (`file`)",
    "branch": "a branch (`branch`)",
    "worktree": "a worktree (`worktree`, or `worktrees per_slice`)",
    "lens": "a review lens (`lens`)",
    "disposition": "a disposition artifact (an artifact it produces, or `defer_record ... artifact`)",
    "owner": "an owner (`owner`)",
    "agent": "an agent (`agent`)",
    "objective": "an objective (`objective`)",
    "accept": "acceptance criteria (`accept`)",
}
#: `gate:CADENCE` requires a gate bound to that cadence
GATE_PREFIX = "gate:"

#: The slice kinds phasec knows (the language's kinds are names; these are the ones in use).
KNOWN_KINDS = (
    "planning",
    "prep",
    "runtime",
    "implementation",
    "review",
    "structural",
    "docs",
    "readiness",
    "decision",
    "release",
    "cleanup",
    "closure",
)

DEFAULTS: dict[str, tuple[str, ...]] = {
    "runtime": ("files", "branch", "gate:quick", "gate:full"),
    "review": ("lens",),
    "decision": ("disposition",),
}


def unknown_requirement(name: str) -> bool:
    if name.startswith(GATE_PREFIX):
        cadence = name[len(GATE_PREFIX) :]
        return not cadence or not all(c.isalnum() or c in "_-." for c in cadence)
    return name not in REQUIREMENTS


def requirement_names() -> list[str]:
    return list(REQUIREMENTS) + ["gate:quick", "gate:full"]


def effective(config_require: dict[str, list[str]] | None) -> dict[str, tuple[str, ...]]:
    """The requirements per kind: the defaults, with each kind the configuration names replaced."""
    out = dict(DEFAULTS)
    for kind, names in (config_require or {}).items():
        out[kind] = tuple(names)
    return {k: v for k, v in out.items() if v}
