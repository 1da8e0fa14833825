"""The language server's hover on a slice shows its `phasec status` when the runbook is in the phase's repository."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest
import test_scenario_plain_git as p
from conftest import ROOT
from lsprotocol import types

from phasec.lsp.analysis import build_snapshot
from phasec.lsp.hover import hover
from phasec.status import hover as status_hover

pytestmark = pytest.mark.skipif(shutil.which("git") is None or shutil.which("bash") is None, reason="git/bash missing")


def hover_on(snap, text: str, line_contains: str, needle: str) -> str:
    lines = text.splitlines()
    n = next(i for i, line in enumerate(lines) if line_contains in line)
    h = hover(snap, types.Position(line=n, character=lines[n].index(needle) + 1))
    assert h is not None
    return h.contents.value


def a2_ready_for_review(tmp_path):
    """A plain-git phase whose lane A2 has work, its add-on attested and its quick gates passed, with the
    runbook checked in at the top of the repository (the workspace): (phase, runbook path, text)."""
    phase = p.Phase(tmp_path)
    phase.ok("stack.sh")
    phase.commit(phase.lane_dir("A2"), "a2.txt")
    phase.ok("gates.sh", "A2", "a2_addons", "--attest", "reviewer: ran the unit tests")
    phase.ok("gates.sh", "A2", "quick")
    text = p.RUNBOOK.read_text(encoding="utf-8")
    runbook = phase.root / "runbook.phc"
    runbook.write_text(text, encoding="utf-8")
    return phase, runbook, text


def test_hover_on_a_slice_shows_the_status_in_the_repository(tmp_path):
    phase, runbook, text = a2_ready_for_review(tmp_path)
    status_hover._cache.clear()
    snap = build_snapshot(runbook.as_uri(), text, 1)
    a2 = hover_on(snap, text, 'slice A2 "', "A2")
    a1 = hover_on(snap, text, "after A2 merged", "A2")  # a reference: the same slice, the same state
    assert a1 == a2
    report = json.loads(
        subprocess.run(
            [sys.executable, "-m", "phasec", "status", str(runbook), "--repo", str(phase.root), "--format", "json"],
            capture_output=True,
            text=True,
            env={**phase.env, "PYTHONPATH": str(ROOT)},
        ).stdout
    )
    st = next(s for s in report["slices"] if s["id"] == "A2")
    assert st["state"] == "ready for review"
    assert f"**status:** {st['state']}" in a2
    assert f"- branch `{p.A2}`: 1 ahead, 0 behind `origin/develop`" in a2
    assert f"- worktree `{phase.lane_dir('A2')}`: clean" in a2
    quick = next(g for g in st["gates"] if g["name"] == "quick")
    assert f"- cadence `quick`: passed at {quick['at']}" in a2
    assert "- check `a2_addons`: passed by reviewer: ran the unit tests at " in a2
    assert "- approval: missing" in a2
    # a blocked slice says why
    status_hover._cache.clear()
    a1_decl = hover_on(snap, text, 'slice A1 "', "A1")
    assert "**status:** blocked" in a1_decl and "- waits for A2 to be merged (ready for review)" in a1_decl


def test_no_status_outside_the_phase_repository(tmp_path):
    # The same runbook in a repository where nothing of the phase exists: the hover is the plain one.
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True, capture_output=True)
    text = p.RUNBOOK.read_text(encoding="utf-8")
    runbook = tmp_path / "runbook.phc"
    runbook.write_text(text, encoding="utf-8")
    status_hover._cache.clear()
    h = hover_on(build_snapshot(runbook.as_uri(), text, 1), text, 'slice A2 "', "A2")
    assert "**slice `A2`**" in h and "**status:**" not in h
    # and outside any repository at all
    outside = tmp_path.parent / f"{tmp_path.name}-plain"
    outside.mkdir()
    (outside / "runbook.phc").write_text(text, encoding="utf-8")
    status_hover._cache.clear()
    h = hover_on(build_snapshot((outside / "runbook.phc").as_uri(), text, 1), text, 'slice A2 "', "A2")
    assert "**status:**" not in h


@pytest.mark.asyncio
async def test_hover_through_the_running_server_matches_status_json(tmp_path):
    """The same hover as above, asked of the real `python -m phasec lsp` over stdio (not in process)."""
    from pytest_lsp import ClientServerConfig, client_capabilities

    phase, runbook, text = a2_ready_for_review(tmp_path)
    env = {**phase.env, "PYTHONPATH": str(ROOT)}
    report = json.loads(
        subprocess.run(
            [sys.executable, "-m", "phasec", "status", str(runbook), "--repo", str(phase.root), "--format", "json"],
            capture_output=True,
            text=True,
            env=env,
        ).stdout
    )
    st = next(s for s in report["slices"] if s["id"] == "A2")

    client = await ClientServerConfig(server_command=[sys.executable, "-m", "phasec", "lsp"], server_env=env).start()
    try:
        await client.initialize_session(
            types.InitializeParams(capabilities=client_capabilities("visual-studio-code"), root_uri=phase.root.as_uri())
        )
        client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(uri=runbook.as_uri(), language_id="phc", version=1, text=text)
            )
        )
        lines = text.splitlines()
        n = next(i for i, line in enumerate(lines) if 'slice A2 "' in line)
        h = await client.text_document_hover_async(
            types.HoverParams(
                text_document=types.TextDocumentIdentifier(uri=runbook.as_uri()),
                position=types.Position(line=n, character=lines[n].index("A2") + 1),
            )
        )
    finally:
        await client.shutdown_session()
    assert h is not None
    value = h.contents.value
    assert st["state"] == "ready for review" and f"**status:** {st['state']}" in value
    assert f"- branch `{p.A2}`: 1 ahead, 0 behind `origin/develop`" in value
    quick = next(g for g in st["gates"] if g["name"] == "quick")
    assert f"- cadence `quick`: passed at {quick['at']}" in value
