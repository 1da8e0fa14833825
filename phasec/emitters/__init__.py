"""Emitters: pure functions of the IR returning {relative path: text}.

Writing files happens in one place (``phasec.emitters.write``).
"""

from __future__ import annotations

from phasec.compiler.ir import Runbook


def emit_all(rb: Runbook) -> dict[str, str]:
    from phasec.emitters.workbreakdown import emit_workbreakdown

    outputs: dict[str, str] = {}
    outputs.update(emit_workbreakdown(rb))
    return dict(sorted(outputs.items()))
