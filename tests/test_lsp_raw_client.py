"""The minimal language-server client of the benchmarks (benchmarks/lsp_raw.py) measures what it says.

Timings are never asserted (they live in the benchmark harness); what is checked is that the
client talks to the real server, waits for the diagnostics of the very version it sent, and that
its round trip contains the server's own account of the same edit.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import lsp_raw  # noqa: E402


def test_each_edit_is_timed_from_sending_to_the_diagnostics_of_its_version(tmp_path):
    text = (ROOT / "examples" / "phase-c.phc").read_text(encoding="utf-8")
    client = lsp_raw.RawClient()
    try:
        client.start()
        r = client.run("phase-c", text, tmp_path / "phase-c.phc", 3)
        # The last edit's version is published with the edited text's (empty) diagnostics.
        uri = (tmp_path / "phase-c.phc").as_uri()
        client.send(
            "textDocument/didOpen",
            {"textDocument": {"uri": uri, "languageId": "phasec", "version": 9, "text": "phase X {\n"}},
        )
        _, msg = client.until(
            lambda m: m.get("method") == "textDocument/publishDiagnostics" and m["params"].get("version") == 9
        )
    finally:
        client.stop()
    assert len(r["all_round_trips"]) == 3
    # The server applied each edit to its copy of the text by splicing it (phasec/lsp/document.py).
    assert r["last_timings"]["spliced_edits"] == 3
    # The server's own figure (didChange received -> publish sent) lies inside the client's.
    assert 0 < r["change_to_publish"] <= r["round_trip"]
    assert 0 < r["analyze_cpu"] <= r["change_to_publish"] + 1.0
    # An unclosed block is a syntax error: the client decoded the real diagnostics of that version.
    assert "PC004" in {d["code"] for d in msg["params"]["diagnostics"]}
