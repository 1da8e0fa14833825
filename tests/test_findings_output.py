"""Where findings go and how long they are (issue 14, points 2 and 3).

* every `phasec lint` format writes its findings to stdout; stderr stays empty
  unless there is a usage or internal error;
* the text format shows at most MAX_TEXT_NOTES related notes per finding, then
  "… and N more (use `-f json` for all)"; json, sarif, github and the language
  server keep every note;
* `phasec graph` prints findings only with -v, or when there is no graph.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import ROOT

from phasec.compiler.diagnostics import Diagnostic, Related, Severity
from phasec.compiler.render import MAX_TEXT_NOTES, RENDERERS, render_json, render_sarif, render_text
from phasec.source import SourceFile, Span

#: Nine agents in one parallel group under `max_active 2`: one PC501 with 3 + 9 = 12 notes.
AGENTS = [f"P{i}" for i in range(9)]
CAP = (
    'phase C "T" {\n  posture forward_only\n}\n'
    + "team {\n  max_active 2\n"
    + "".join(f'  agent {a} "{a}"\n' for a in AGENTS)
    + "}\n"
    + 'stage 1 "p" {\n  parallel {\n'
    + "".join(f'    step "s{i}" by {a}\n' for i, a in enumerate(AGENTS))
    + "  }\n}\n"
)


def run(*args: str, cwd=ROOT, input: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "phasec", *args], capture_output=True, text=True, cwd=cwd, input=input, timeout=120
    )


def span(line: int) -> Span:
    return Span(file="f.phc", line=line, column=1, end_line=line, end_column=5)


def _diag(n_related: int) -> tuple[Diagnostic, dict]:
    lines = [f"line {i}" for i in range(1, n_related + 2)]
    src = SourceFile("f.phc", "\n".join(lines) + "\n")
    rel = [Related(span=span(i + 2), message=f"note {i}") for i in range(n_related)]
    d = Diagnostic(code="PC501", severity=Severity.ERROR, message="too many", span=span(1), related=rel)
    return d, {"f.phc": src}


# -- capped notes ---------------------------------------------------------------------


@pytest.mark.parametrize("n", [0, 1, MAX_TEXT_NOTES, MAX_TEXT_NOTES + 1, 50])
def test_text_shows_at_most_five_notes_then_how_many_more(n):
    d, sources = _diag(n)
    text = render_text([d], sources)
    shown = [ln for ln in text.splitlines() if ln.startswith("  = note: f.phc:")]
    assert [ln.split(": ", 2)[-1] for ln in shown] == [f"note {i}" for i in range(min(n, MAX_TEXT_NOTES))]
    more = [ln for ln in text.splitlines() if "more (use `-f json` for all)" in ln]
    if n > MAX_TEXT_NOTES:
        assert more == [f"  = note: … and {n - MAX_TEXT_NOTES} more (use `-f json` for all)"]
    else:
        assert more == []


def test_machine_formats_keep_every_note():
    d, sources = _diag(50)
    assert len(json.loads(render_json([d], sources))["diagnostics"][0]["related"]) == 50
    assert len(json.loads(render_sarif([d], sources))["runs"][0]["results"][0]["relatedLocations"]) == 50
    assert RENDERERS["github"]([d], sources).count("note: f.phc:") == 50


def test_language_server_keeps_every_note():
    from phasec.lsp.diagnostics import to_lsp_diagnostic
    from phasec.lsp.positions import PositionMapper

    d, sources = _diag(50)
    lsp = to_lsp_diagnostic(d, "file:///f.phc", PositionMapper(sources["f.phc"].text))
    assert len(lsp.related_information or []) == 50


def test_agent_cap_finding_is_short_in_text_and_complete_in_json(tmp_path):
    f = tmp_path / "cap.phc"
    f.write_text(CAP, encoding="utf-8")
    text = run("lint", str(f))
    assert text.returncode == 1 and text.stderr == ""
    assert text.stdout.count("  = note: ") == MAX_TEXT_NOTES + 1
    assert "  = note: … and 7 more (use `-f json` for all)" in text.stdout
    js = run("lint", "-f", "json", str(f))
    (pc501,) = [d for d in json.loads(js.stdout)["diagnostics"] if d["code"] == "PC501"]
    assert len(pc501["related"]) == 12
    assert {r["message"] for r in pc501["related"]} >= {f"agent `{a}`" for a in AGENTS}


# -- stdout, every format ---------------------------------------------------------------


@pytest.mark.parametrize("fmt", sorted(RENDERERS))
def test_lint_findings_on_stdout_and_nothing_on_stderr(fmt, tmp_path):
    f = tmp_path / "cap.phc"
    f.write_text(CAP, encoding="utf-8")
    r = run("lint", "-f", fmt, str(f))
    assert r.returncode == 1
    assert "PC501" in r.stdout
    assert r.stderr == ""


def test_lint_pipes_into_grep():
    # `phasec lint FILE | grep PC5` shows the finding (the first complaint)
    r = subprocess.run(
        f"{sys.executable} -m phasec lint - | grep -c PC501", shell=True, input=CAP, capture_output=True, text=True
    )
    assert r.stdout.strip() == "1" and r.stderr == ""


def test_usage_errors_still_go_to_stderr(tmp_path):
    # a missing file is a finding of its own (PC007, issue 13): stdout, and the other files are checked
    r = run("lint", str(tmp_path / "missing.phc"))
    assert r.returncode == 2 and r.stderr == "" and "PC007" in r.stdout and "no such file" in r.stdout
    r = run("lint", "-f", "nope", str(tmp_path))
    assert r.returncode == 2 and r.stdout == "" and r.stderr


def test_compile_with_emit_ir_keeps_stdout_a_json_document(tmp_path):
    # warnings of a runbook that compiles do not end up inside the IR on stdout
    f = tmp_path / "w.phc"
    f.write_text(
        'phase C "T" {\n  posture forward_only\n}\nslice C1 "x" {\n  owner @a\n}\nstage 1 "s" {\n  covers C1\n}\n',
        encoding="utf-8",
    )
    lint = run("lint", "-f", "concise", str(f))
    assert lint.returncode == 0 and "[warning]" in lint.stdout  # it has warnings (PC602: no agent)
    r = run("compile", str(f), "--emit", "ir")
    assert r.returncode == 0, r.stdout + r.stderr
    assert json.loads(r.stdout)["phase"]["id"] == "C"
    assert "PC602" in r.stderr


# -- phasec graph -------------------------------------------------------------------


def test_graph_prints_findings_only_with_verbose(tmp_path):
    f = tmp_path / "cap.phc"
    f.write_text(CAP, encoding="utf-8")
    quiet = run("graph", str(f))
    assert quiet.returncode == 0 and quiet.stderr == "" and "flowchart TD" in quiet.stdout
    loud = run("graph", "-v", str(f))
    assert loud.returncode == 0 and loud.stdout == quiet.stdout
    assert "PC501" in loud.stderr


def test_graph_prints_the_errors_when_there_is_no_graph(tmp_path):
    f = tmp_path / "bad.phc"
    f.write_text('phase C "T" {\n  posture forward_only\n}\nslice C1 "x" {\n  after C9\n}\n', encoding="utf-8")
    r = run("graph", str(f))
    assert r.returncode == 1 and r.stdout == ""
    assert "PC2" in r.stderr and "no graph" in r.stderr
