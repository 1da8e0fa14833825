"""Renderers (text, concise, json, sarif, github, junit): goldens, schemas, escaping, colour."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
from conftest import EXAMPLES, FIXTURES, GOLDENS, ROOT

from phasec.compiler.diagnostics import Diagnostic, Edit, Fix, Related, Severity
from phasec.compiler.pipeline import analyze
from phasec.compiler.render import (
    JSON_FORMAT_VERSION,
    MACHINE_FORMATS,
    RENDERERS,
    REPOSITORY_URL,
    RULES_DOC_URL,
    json_schema,
    render_github,
    render_json,
    render_junit,
    render_sarif,
    render_text,
    use_color,
)
from phasec.compiler.rules.catalog import catalog
from phasec.source import Span

SARIF_SCHEMA = Path(__file__).resolve().parent / "data" / "sarif-schema-2.1.0.json"
RENDER_FILES = ["tests/fixtures/render/clean.phc", "tests/fixtures/render/several.phc"]
GOLDEN = {
    "text": "text.txt",
    "concise": "concise.txt",
    "json": "json",
    "sarif": "sarif",
    "github": "github.txt",
    "junit": "junit.xml",
}


def lint(paths, root: Path = ROOT):
    """What `phasec lint PATHS` reports: (diagnostics in argument order, sources)."""
    diags, sources = [], {}
    for p in paths:
        res = analyze((root / p).read_text(encoding="utf-8"), str(p))
        sources[str(p)] = res.document.source
        diags.extend(res.diagnostics)
    return diags, sources


@pytest.fixture(scope="module")
def fixture_lint():
    return lint(RENDER_FILES)


def span(line=1, col=1, end_line=None, end_col=None, file="t.phc") -> Span:
    return Span(file=file, line=line, column=col, end_line=end_line or line, end_column=end_col or col + 1)


def _corpus_like_files() -> list[Path]:
    files = sorted((ROOT / "tests" / "corpus").glob("*.phc")) + sorted(EXAMPLES.glob("*.phc"))
    files += sorted((FIXTURES / "syntax").glob("*.phc")) + sorted((FIXTURES / "rules").glob("PC3*.phc"))
    return [f.relative_to(ROOT) for f in files]


# --- goldens -----------------------------------------------------------------------------------------


def test_render_fixture_has_the_findings_the_goldens_are_for(fixture_lint):
    diags, sources = fixture_lint
    codes = {d.code for d in diags}
    assert "PC301" in codes and len(next(d for d in diags if d.code == "PC301").related) == 3  # the cycle
    assert {Severity.ERROR, Severity.WARNING} <= {d.severity for d in diags}
    assert len(diags) >= 6 and set(sources) == set(RENDER_FILES)


@pytest.mark.parametrize("fmt", sorted(RENDERERS))
def test_render_golden(fmt, fixture_lint, golden):
    diags, sources = fixture_lint
    golden(GOLDENS / "render" / f"several.{GOLDEN[fmt]}", RENDERERS[fmt](diags, sources, False))


def run_cli(*args, env=None, cwd=ROOT):
    full = {**os.environ, **(env or {})}
    for k in ("NO_COLOR", "FORCE_COLOR"):
        if env is None or k not in env:
            full.pop(k, None)
    return subprocess.run([sys.executable, "-m", "phasec", *args], capture_output=True, text=True, cwd=cwd, env=full)


@pytest.mark.parametrize("fmt", sorted(RENDERERS))
def test_lint_format_option_prints_the_golden(fmt):
    r = run_cli("lint", "--format", fmt, *RENDER_FILES)
    assert r.returncode == 1, r.stderr  # the fixture has errors
    expected = (GOLDENS / "render" / f"several.{GOLDEN[fmt]}").read_text(encoding="utf-8")
    assert r.stderr == ""  # every format writes its findings to stdout
    if fmt in MACHINE_FORMATS:
        assert r.stdout == expected
    else:
        # PC602: one finding for the four slices (no agent declared)
        assert r.stdout == expected + "2 files checked: 3 errors, 3 warnings\n"


def test_machine_formats_of_a_clean_file_are_complete_documents():
    r = run_cli("lint", "-f", "json", RENDER_FILES[0])
    assert r.returncode == 0 and json.loads(r.stdout) == {"format_version": 1, "diagnostics": []}
    r = run_cli("lint", "-f", "sarif", RENDER_FILES[0])
    assert r.returncode == 0 and json.loads(r.stdout)["runs"][0]["results"] == []
    r = run_cli("lint", "-f", "junit", RENDER_FILES[0])
    assert r.returncode == 0 and ET.fromstring(r.stdout).get("tests") == "1"
    for fmt in ("github", "concise"):
        r = run_cli("lint", "-f", fmt, RENDER_FILES[0])
        assert r.returncode == 0 and r.stdout == ""


def test_unknown_format_is_a_usage_error():
    r = run_cli("lint", "-f", "xml", RENDER_FILES[0])
    assert r.returncode == 2 and "sarif" in r.stderr and "junit" in r.stderr


# --- JSON and its schema -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def diag_validator():
    schema = json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_json_schema_is_package_data_and_named_in_pyproject():
    import tomllib

    import phasec.compiler

    path = Path(phasec.compiler.__file__).parent / "schemas" / "diagnostics.schema.json"
    assert json.loads(path.read_text()) == json_schema()
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "compiler/schemas/*.json" in data["tool"]["setuptools"]["package-data"]["phasec"]
    assert json_schema()["$id"].startswith(REPOSITORY_URL + "/")
    assert json_schema()["properties"]["format_version"]["const"] == JSON_FORMAT_VERSION


def test_json_schema_describes_every_field_of_the_models():
    """A field added to Diagnostic (or Span, Related, Fix, Edit) must be added to the schema."""
    from phasec.compiler.diagnostics import Edit as E
    from phasec.compiler.diagnostics import Fix as F
    from phasec.compiler.diagnostics import Related as R

    defs = json_schema()["$defs"]
    for name, model in {"diagnostic": Diagnostic, "span": Span, "related": R, "fix": F, "edit": E}.items():
        assert set(defs[name]["properties"]) == set(model.model_fields), name
        assert set(defs[name]["required"]) == set(model.model_fields), name


@pytest.mark.parametrize("path", _corpus_like_files(), ids=str)
def test_lint_json_validates_against_the_schema(path, diag_validator):
    diags, sources = lint([path])
    doc = json.loads(render_json(diags, sources))
    errors = [e.message for e in diag_validator.iter_errors(doc)]
    assert errors == []


def test_json_schema_validates_fixes_and_rejects_bad_documents(diag_validator):
    d = Diagnostic(
        code="PC606",
        severity=Severity.INFO,
        message="m",
        span=span(2, 3, 2, 9),
        related=[Related(span=span(1, 1), message="here")],
        help="h",
        fix=Fix(description="drop it", edits=[Edit(span=span(2, 3, 2, 9), replacement="")]),
    )
    doc = json.loads(render_json([d]))
    assert list(diag_validator.iter_errors(doc)) == []
    assert doc["diagnostics"][0]["fix"]["edits"][0]["span"]["end_column"] == 9
    bad = [
        {"diagnostics": []},
        {"format_version": 2, "diagnostics": []},
        {**doc, "extra": 1},
        {"format_version": 1, "diagnostics": [{**doc["diagnostics"][0], "severity": "fatal"}]},
        {"format_version": 1, "diagnostics": [{**doc["diagnostics"][0], "code": "E1"}]},
        {"format_version": 1, "diagnostics": [{**doc["diagnostics"][0], "span": {"file": "x", "line": 0}}]},
    ]
    for b in bad:
        assert list(diag_validator.iter_errors(b)), b


# --- SARIF -------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sarif_validator():
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    # The official OASIS SARIF 2.1.0 schema (errata 01), committed: see tests/data/README.md.
    assert schema["id"] == "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
    assert schema["$schema"] == "http://json-schema.org/draft-04/schema#"
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema)


def sarif_errors(validator, log) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(log)]


def test_sarif_of_the_fixture_is_valid_and_complete(fixture_lint, sarif_validator):
    diags, sources = fixture_lint
    log = json.loads(render_sarif(diags, sources))
    assert sarif_errors(sarif_validator, log) == []
    assert log["version"] == "2.1.0" and len(log["runs"]) == 1
    run = log["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "phasec" and driver["informationUri"] == REPOSITORY_URL
    from phasec import __version__

    assert driver["version"] == __version__

    # artifacts: every checked file, clean ones too; locations point at them by index
    uris = [a["location"]["uri"] for a in run["artifacts"]]
    assert uris == sorted(RENDER_FILES)
    assert all(a["location"]["uriBaseId"] == "%SRCROOT%" for a in run["artifacts"])

    def check_loc(loc):
        al = loc["physicalLocation"]["artifactLocation"]
        assert run["artifacts"][al["index"]]["location"]["uri"] == al["uri"]
        assert not al["uri"].startswith("/")
        reg = loc["physicalLocation"]["region"]
        assert set(reg) == {"startLine", "startColumn", "endLine", "endColumn"}

    assert len(run["results"]) == len(diags)
    for res, d in zip(run["results"], diags, strict=True):
        assert res["ruleId"] == d.code
        assert driver["rules"][res["ruleIndex"]]["id"] == d.code
        assert res["level"] == {"error": "error", "warning": "warning", "info": "note"}[d.severity.value]
        assert res["message"]["text"].startswith(d.message)
        (loc,) = res["locations"]
        check_loc(loc)
        reg = loc["physicalLocation"]["region"]
        assert (reg["startLine"], reg["startColumn"], reg["endLine"], reg["endColumn"]) == (
            d.span.line,
            d.span.column,
            d.span.end_line,
            d.span.end_column,
        )
        assert len(res.get("relatedLocations", [])) == len(d.related)
        assert ("fixes" in res) == (d.fix is not None)
        if d.fix is not None:
            assert res["fixes"][0]["description"]["text"] == d.fix.description
        for rl, r in zip(res.get("relatedLocations", []), d.related, strict=True):
            check_loc(rl)
            assert rl["message"]["text"] == r.message
            assert rl["physicalLocation"]["region"]["startLine"] == r.span.line

    cycle = next(r for r in run["results"] if r["ruleId"] == "PC301")
    assert [rl["physicalLocation"]["region"]["startLine"] for rl in cycle["relatedLocations"]] == [12, 20, 17]
    assert [rl["id"] for rl in cycle["relatedLocations"]] == [1, 2, 3]


def test_sarif_rules_are_every_code_with_docs_and_help_uris(sarif_validator):
    log = json.loads(render_sarif([], {}))
    assert sarif_errors(sarif_validator, log) == []
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [c["code"] for c in catalog() if c["family"] != "status"]
    rules_md = (ROOT / "docs" / "rules.md").read_text()
    anchors = {m.lower() for m in re.findall(r"^#{2,3} (PC\d{3})$", rules_md, re.M)}
    from phasec.compiler.rules import get_rule

    for r in rules:
        assert r["name"] and r["shortDescription"]["text"] and r["fullDescription"]["text"]
        assert r["helpUri"] == f"{RULES_DOC_URL}#{r['id'].lower()}"
        assert r["id"].lower() in anchors, f"docs/rules.md has no heading for {r['id']}"
        rule = get_rule(r["id"])
        if rule is not None:  # lint rules: the help is the rule's documentation (markdown)
            assert r["help"]["markdown"] == rule.doc and "## What it does" in rule.doc
            assert r["fullDescription"]["text"] != r["shortDescription"]["text"]
        assert r["defaultConfiguration"]["level"] in ("error", "warning", "note")
    assert RULES_DOC_URL.startswith(REPOSITORY_URL) and RULES_DOC_URL.endswith("/docs/rules.md")


def test_sarif_fixes_info_levels_and_uris(sarif_validator, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    f = "dir with space/run book.phc"
    d = Diagnostic(
        code="PC606",
        severity=Severity.INFO,
        message="backup is the owner",
        span=span(3, 5, 3, 9, file=f),
        help="drop the backup",
        fix=Fix(
            description="remove the backup",
            safe=False,
            edits=[
                Edit(span=span(3, 5, 3, 9, file=f), replacement=""),
                Edit(span=span(4, 1, 4, 1, file=f), replacement='  note "x"\n'),
                Edit(span=span(1, 1, 1, 1, file="other.phc"), replacement="# x\n"),
            ],
        ),
    )
    outside = Diagnostic(
        code="PC601", severity=Severity.ERROR, message="no owner", span=span(1, 1, file="/elsewhere/x.phc")
    )
    here = Diagnostic(
        code="PC601", severity=Severity.ERROR, message="no owner", span=span(1, 1, file=str(tmp_path / "abs.phc"))
    )
    dotted = Diagnostic(
        code="PC601", severity=Severity.ERROR, message="no owner", span=span(1, 1, file="./sub/../y.phc")
    )
    log = json.loads(render_sarif([d, outside, here, dotted], {f: None}))
    assert sarif_errors(sarif_validator, log) == []
    run = log["runs"][0]
    res = run["results"][0]
    assert res["level"] == "note" and res["message"]["text"] == "backup is the owner\nhelp: drop the backup"
    (fix,) = res["fixes"]
    assert fix["description"]["text"] == "remove the backup" and fix["properties"]["safe"] is False
    changes = {c["artifactLocation"]["uri"]: c["replacements"] for c in fix["artifactChanges"]}
    assert set(changes) == {"dir%20with%20space/run%20book.phc", "other.phc"}
    reps = changes["dir%20with%20space/run%20book.phc"]
    assert reps[0] == {
        "deletedRegion": {"startLine": 3, "startColumn": 5, "endLine": 3, "endColumn": 9},
        "insertedContent": {"text": ""},
    }
    assert reps[1]["insertedContent"]["text"] == '  note "x"\n'
    uris = {a["location"]["uri"]: a["location"].get("uriBaseId") for a in run["artifacts"]}
    assert uris == {
        "dir%20with%20space/run%20book.phc": "%SRCROOT%",
        "other.phc": "%SRCROOT%",
        "file:///elsewhere/x.phc": None,  # outside the working directory: an absolute URI
        "abs.phc": "%SRCROOT%",  # absolute but under the working directory: relative
        "y.phc": "%SRCROOT%",
    }


@pytest.mark.parametrize("path", _corpus_like_files(), ids=str)
def test_lint_sarif_validates_against_the_official_schema(path, sarif_validator):
    diags, sources = lint([path])
    log = json.loads(render_sarif(diags, sources))
    assert sarif_errors(sarif_validator, log) == []
    assert len(log["runs"][0]["results"]) == len(diags)


def test_sarif_schema_is_committed_not_downloaded():
    assert SARIF_SCHEMA.is_file() and SARIF_SCHEMA.stat().st_size > 100_000
    readme = (SARIF_SCHEMA.parent / "README.md").read_text()
    assert "sarif-schema-2.1.0.json" in readme and "sha256" in readme.lower()
    import hashlib

    digest = hashlib.sha256(SARIF_SCHEMA.read_bytes()).hexdigest()
    assert digest in readme, "tests/data/README.md records the schema's sha256"


# --- JUnit XML ---------------------------------------------------------------------------------------


def test_junit_structure_and_counts(fixture_lint):
    diags, sources = fixture_lint
    root = ET.fromstring(render_junit(diags, sources))
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == sorted(RENDER_FILES)  # one suite per checked file
    total_tests = total_failures = 0
    for s in suites:
        cases = s.findall("testcase")
        assert int(s.get("tests")) == len(cases)
        assert int(s.get("failures")) == sum(1 for c in cases if c.find("failure") is not None)
        assert s.get("errors") == "0" and s.get("skipped") == "0"
        file_diags = [d for d in diags if d.span.file == s.get("name")]
        if not file_diags:
            assert [c.get("name") for c in cases] == ["lint"] and cases[0].find("failure") is None
        else:  # one testcase per (file, code)
            assert len(cases) == len({d.code for d in file_diags})
            for c in cases:
                code = c.get("name").split()[0]
                mine = [d for d in file_diags if d.code == code]
                failure = c.find("failure")
                if any(d.severity is Severity.ERROR for d in mine):
                    assert failure is not None and failure.get("type") == code
                    assert all(d.message in failure.text for d in mine)
                else:  # warnings and infos pass; they are listed in system-out
                    assert failure is None and all(d.message in c.find("system-out").text for d in mine)
        total_tests += len(cases)
        total_failures += int(s.get("failures"))
    assert int(root.get("tests")) == total_tests and int(root.get("failures")) == total_failures
    assert total_failures == len({(d.span.file, d.code) for d in diags if d.severity is Severity.ERROR})
    cycle = next(c for c in root.iter("testcase") if c.get("name") == "PC301 dependency-cycle")
    assert cycle.find("failure").text.count("= note:") == 3


def test_junit_is_well_formed_with_markup_and_control_characters():
    nasty = "a <b> & \"c\" 'd' \x01\x1b[31m \ud800 ]]> end"
    d = Diagnostic(code="PC003", severity=Severity.ERROR, message=nasty, span=span(file='we<ird>&"f.phc'), help=nasty)
    text = render_junit([d], {})
    root = ET.fromstring(text)  # parses: well-formed
    fail = root.find("testsuite/testcase/failure")
    assert "a <b> & \"c\" 'd' \\x01\\x1b[31m \\ud800 ]]> end" in fail.text
    assert fail.get("message").startswith("a <b> & ")
    assert root.find("testsuite").get("name") == 'we<ird>&"f.phc'


@pytest.mark.parametrize("path", _corpus_like_files()[:6], ids=str)
def test_junit_of_real_runbooks_parses(path):
    diags, sources = lint([path])
    root = ET.fromstring(render_junit(diags, sources))
    assert int(root.get("failures")) == len({d.code for d in diags if d.severity is Severity.ERROR})


# --- GitHub workflow commands ------------------------------------------------------------------------

_GH = re.compile(r"^::(error|warning|notice) ((?:[a-zA-Z]+=[^,:]*)(?:,[a-zA-Z]+=[^,:]*)*)::(.*)$")


def _gh_unescape(v: str) -> str:
    return v.replace("%0D", "\r").replace("%0A", "\n").replace("%3A", ":").replace("%2C", ",").replace("%25", "%")


def test_github_annotations_escape_data_and_properties():
    msg = "100% sure: a, b\r\nsecond line %0A not a newline"
    f = "dir,with:odd%chars/run book.phc"
    d = Diagnostic(
        code="PC301",
        severity=Severity.INFO,
        message=msg,
        span=span(3, 4, 5, 6, file=f),
        help="do x",
        related=[Related(span=span(7, 8, file=f), message="edge, one")],
    )
    (line,) = render_github([d]).splitlines()
    m = _GH.match(line)
    assert m, line
    level, props, data = m.groups()
    assert level == "notice"
    assert "\n" not in line and "\r" not in line
    fields = dict(p.split("=", 1) for p in props.split(","))
    assert _gh_unescape(fields["file"]) == f
    assert fields["file"] == "dir%2Cwith%3Aodd%25chars/run book.phc"
    assert (fields["line"], fields["col"], fields["endLine"], fields["endColumn"]) == ("3", "4", "5", "6")
    assert _gh_unescape(fields["title"]) == "PC301 dependency-cycle"
    # the message keeps ':' and ',' but escapes '%', CR and LF; notes and help follow on their own lines
    assert data.startswith("100%25 sure: a, b%0D%0Asecond line %250A not a newline%0A")
    body = data.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")
    assert body.split("\n")[-2:] == [f"note: {f}:7:8: edge, one", "help: do x"]
    assert body.startswith(msg)


def test_github_one_line_per_diagnostic(fixture_lint):
    diags, sources = fixture_lint
    lines = render_github(diags, sources).splitlines()
    assert len(lines) == len(diags) and all(_GH.match(ln) for ln in lines)
    cycle = next(ln for ln in lines if "title=PC301" in ln)
    assert cycle.count("%0Anote: ") == 3  # every edge of the cycle


# --- colour ------------------------------------------------------------------------------------------


class _Stream:
    def __init__(self, tty: bool):
        self._tty = tty

    def isatty(self) -> bool:
        return self._tty


@pytest.mark.parametrize(
    "env, tty, expected",
    [
        ({}, True, True),
        ({}, False, False),
        ({"NO_COLOR": "1"}, True, False),
        ({"NO_COLOR": ""}, True, True),  # set but empty: ignored (no-color.org)
        ({"FORCE_COLOR": "1"}, False, True),
        ({"FORCE_COLOR": "0"}, False, True),  # any non-empty value forces (force-color.org)
        ({"FORCE_COLOR": ""}, False, False),
        ({"NO_COLOR": "1", "FORCE_COLOR": "1"}, True, False),  # NO_COLOR wins
        ({"TERM": "dumb"}, True, False),
        ({"TERM": "dumb", "FORCE_COLOR": "1"}, False, True),
    ],
)
def test_use_color(env, tty, expected):
    assert use_color(_Stream(tty), environ=env) is expected


def test_use_color_reads_the_environment_and_survives_odd_streams(monkeypatch):
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.delenv("TERM", raising=False)
    monkeypatch.setenv("NO_COLOR", "yes")
    assert use_color(_Stream(True)) is False
    monkeypatch.delenv("NO_COLOR")
    assert use_color(_Stream(True)) is True
    assert use_color(object()) is False  # no isatty

    class Closed:
        def isatty(self):
            raise ValueError("I/O operation on closed file")

    assert use_color(Closed()) is False


def test_text_renderer_colours_only_when_asked(fixture_lint):
    diags, sources = fixture_lint
    assert "\x1b[" in render_text(diags, sources, color=True)
    assert "\x1b[" not in render_text(diags, sources, color=False)


def _run_on_pty(args, env) -> tuple[int, bytes]:
    """Run phasec with stdout and stderr on a pseudo-terminal; return (exit code, output)."""
    import pty

    full = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    full.update(TERM="xterm-256color", **env)
    try:
        master, slave = pty.openpty()
    except OSError as exc:  # no /dev/ptmx in this sandbox
        pytest.skip(f"no pseudo-terminal: {exc}")
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "phasec", *args],
            stdin=subprocess.DEVNULL,
            stdout=slave,
            stderr=slave,
            cwd=ROOT,
            env=full,
        )
    finally:
        os.close(slave)
    chunks = []
    try:
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
    finally:
        os.close(master)
    return proc.wait(timeout=60), b"".join(chunks)


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pty")
def test_colour_on_a_terminal_and_not_with_no_color():
    code, out = _run_on_pty(["lint", RENDER_FILES[1]], {})
    assert code == 1 and b"\x1b[" in out and b"PC301" in out
    code, out = _run_on_pty(["lint", RENDER_FILES[1]], {"NO_COLOR": "1"})
    assert code == 1 and b"\x1b[" not in out and b"PC301" in out
    code, out = _run_on_pty(["lint", "-f", "json", RENDER_FILES[1]], {"FORCE_COLOR": "1"})
    assert b"\x1b[" not in out  # machine formats are never coloured


def test_no_colour_through_a_pipe_unless_forced():
    r = run_cli("lint", RENDER_FILES[1])
    assert "PC301" in r.stdout and "\x1b[" not in r.stdout
    r = run_cli("lint", RENDER_FILES[1], env={"FORCE_COLOR": "1"})
    assert "\x1b[" in r.stdout
    r = run_cli("lint", RENDER_FILES[1], env={"FORCE_COLOR": "1", "NO_COLOR": "1"})
    assert "\x1b[" not in r.stdout
