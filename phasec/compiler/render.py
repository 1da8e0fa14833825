"""Diagnostic renderers: text (with source snippet and caret), concise, and the
machine formats json, sarif, github and junit (docs/output-formats.md).

Every renderer has the signature ``(diagnostics, sources, color) -> str`` where
``sources`` maps each checked file (clean ones too) to its :class:`SourceFile`
(or None).  Output is deterministic: no timestamps, no absolute paths that the
input did not contain, keys sorted where order carries no meaning.
"""

from __future__ import annotations

import json
import os
import posixpath
import sys
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import TextIO
from urllib.parse import quote

from phasec import __version__
from phasec.compiler.diagnostics import Diagnostic, Severity
from phasec.source import SourceFile, Span

#: Each checked file (clean ones too) and its source text, or None when it could not be read.
Sources = Mapping[str, SourceFile | None]

#: The repository phasec is published from: the one place to change when it moves.
#: SARIF's ``informationUri`` is this URL, each rule's ``helpUri`` is
#: ``RULES_DOC_URL#<code in lower case>`` (the anchors docs/rules.md has on GitHub),
#: and the lint JSON schema's ``$id`` lives under it.
REPOSITORY_URL = "https://github.com/phasec/phasec"
DOCS_BASE_URL = f"{REPOSITORY_URL}/blob/main/docs/"
RULES_DOC_URL = f"{DOCS_BASE_URL}rules.md"
#: Version of the lint JSON document (``--format json``); bumped on incompatible changes.
JSON_FORMAT_VERSION = 1
SARIF_SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
#: ``uriBaseId`` of relative artifact URIs: the directory phasec was run in.
SRCROOT = "%SRCROOT%"

#: The text format shows at most this many related notes per finding, then one line
#: "… and N more (use `-f json` for all)"; every other format keeps all of them.
MAX_TEXT_NOTES = 5

_COLORS = {"error": "\033[1;31m", "warning": "\033[1;33m", "info": "\033[1;36m"}
_BOLD, _BLUE, _RESET = "\033[1m", "\033[1;34m", "\033[0m"


def use_color(stream: TextIO | None = None, environ: Mapping[str, str] | None = None) -> bool:
    """Whether to colour output written to ``stream`` (default stdout).

    ``NO_COLOR`` set and non-empty turns colour off (https://no-color.org), and wins;
    ``FORCE_COLOR`` set and non-empty turns it on whatever its value (https://force-color.org),
    even when ``stream`` is a pipe or file; otherwise colour is used only when ``stream``
    is a terminal and ``TERM`` is not ``dumb``.
    """
    env = os.environ if environ is None else environ
    stream = stream or sys.stdout
    if env.get("NO_COLOR"):
        return False
    if env.get("FORCE_COLOR"):
        return True
    if env.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except (ValueError, OSError):  # a closed or detached stream
        return False


def _snippet(
    src: SourceFile | None,
    line: int,
    col: int,
    end_line: int,
    end_col: int,
    color: bool,
    mark: str = "^",
    sev: str = "error",
) -> list[str]:
    if src is None:
        return []
    text = src.line_text(line)
    if not text and line > src.line_count:
        return []
    gutter = str(line)
    pad = " " * len(gutter)
    width = (end_col - col) if end_line == line else max(1, len(text) - col + 1)
    width = max(1, width)
    # Expand tabs consistently in the line and the caret offset.
    prefix = text[: col - 1]
    caret_pad = "".join("\t" if ch == "\t" else " " for ch in prefix)
    caret = mark * width
    if color:
        return [
            f"{_BLUE}{pad} |{_RESET}",
            f"{_BLUE}{gutter} |{_RESET} {text}",
            f"{_BLUE}{pad} |{_RESET} {caret_pad}{_COLORS[sev] if mark == '^' else _BLUE}{caret}{_RESET}",
        ]
    return [f"{pad} |", f"{gutter} | {text}", f"{pad} | {caret_pad}{caret}"]


def render_text(diags: list[Diagnostic], sources: Sources, color: bool = False) -> str:
    out: list[str] = []
    for d in diags:
        s = d.span
        sev = d.severity.value
        label = "" if sev == "error" else f" [{sev}]"  # not by colour alone
        if color:
            out.append(
                f"{_BOLD}{s.file}:{s.line}:{s.column}:{_RESET} {_COLORS[sev]}{d.code}{label}{_RESET} {_BOLD}{d.message}{_RESET}"
            )
        else:
            out.append(f"{s.file}:{s.line}:{s.column}: {d.code}{label} {d.message}")
        src = sources.get(s.file)
        out.extend(_snippet(src, s.line, s.column, s.end_line, s.end_column, color, sev=sev))
        for r in d.related[:MAX_TEXT_NOTES]:
            rs = r.span
            out.append(f"  = note: {rs.file}:{rs.line}:{rs.column}: {r.message}")
            rsrc = sources.get(rs.file)
            out.extend("    " + ln for ln in _snippet(rsrc, rs.line, rs.column, rs.end_line, rs.end_column, color, "-"))
        if len(d.related) > MAX_TEXT_NOTES:
            out.append(f"  = note: … and {len(d.related) - MAX_TEXT_NOTES} more (use `-f json` for all)")
        if d.help:
            out.append(f"  = help: {d.help}")
        out.append("")
    return "\n".join(out)


def render_concise(diags: list[Diagnostic], sources: Sources | None = None, color: bool = False) -> str:
    lines = []
    for d in diags:
        s = d.span
        sev = "" if d.severity is Severity.ERROR else f"[{d.severity.value}] "
        lines.append(f"{s.file}:{s.line}:{s.column}: {d.code} {sev}{d.message}")
    return "\n".join(lines) + ("\n" if lines else "")


def render_json(diags: list[Diagnostic], sources: Sources | None = None, color: bool = False) -> str:
    """``{"format_version": 1, "diagnostics": [...]}``; described by
    phasec/compiler/schemas/diagnostics.schema.json (see :func:`json_schema`)."""
    payload = {
        "format_version": JSON_FORMAT_VERSION,
        "diagnostics": [json.loads(d.model_dump_json()) for d in diags],
    }
    return json.dumps(payload, indent=2, sort_keys=True) + "\n"


def json_schema() -> dict:
    """The JSON Schema (draft 2020-12) of :func:`render_json`'s output, shipped as package data."""
    from importlib.resources import files

    text = files("phasec.compiler").joinpath("schemas/diagnostics.schema.json").read_text(encoding="utf-8")
    return json.loads(text)


# --- rule metadata shared by the machine formats -------------------------------------------------


@lru_cache(maxsize=1)
def _rules() -> dict[str, dict]:
    """code -> {name, severity, summary, doc} for every code lint and compile can report
    (not the status drift codes: `phasec status` reports those, in its own formats)."""
    from phasec.compiler.rules import get_rule
    from phasec.compiler.rules.catalog import catalog

    out = {}
    for row in catalog():
        if row["family"] == "status":
            continue
        r = get_rule(row["code"])
        out[row["code"]] = {**row, "doc": r.doc if r is not None else row["summary"]}
    return out


def _rule_name(code: str) -> str | None:
    row = _rules().get(code)
    return row["name"] if row else None


def _what_it_does(doc: str, fallback: str) -> str:
    """The "What it does" section of a rule's documentation, as one paragraph."""
    lines = doc.splitlines()
    try:
        start = next(i for i, ln in enumerate(lines) if ln.strip().lower() == "## what it does") + 1
    except StopIteration:
        return fallback
    body = []
    for ln in lines[start:]:
        if ln.startswith("## "):
            break
        body.append(ln.strip())
    text = " ".join(" ".join(body).split())
    return text or fallback


# --- SARIF 2.1.0 ---------------------------------------------------------------------------------

_SARIF_LEVEL = {"error": "error", "warning": "warning", "info": "note"}


def _artifact_location(path: str) -> dict:
    """An artifactLocation for ``path``: relative to the working directory (``%SRCROOT%``)
    when it is there, else an absolute ``file:`` URI."""
    p = path.replace("\\", "/")
    if not Path(path).is_absolute() and not p.startswith("/"):
        rel = posixpath.normpath(p)
        if rel != ".." and not rel.startswith("../"):
            return {"uri": quote(rel, safe="/"), "uriBaseId": SRCROOT}
        absolute = Path(os.path.abspath(path))
    else:
        absolute = Path(path)
    try:
        rel = absolute.relative_to(Path.cwd()).as_posix()
        return {"uri": quote(rel, safe="/"), "uriBaseId": SRCROOT}
    except ValueError:
        return {"uri": absolute.as_uri()}


def _region(span: Span) -> dict:
    return {
        "startLine": span.line,
        "startColumn": span.column,
        "endLine": span.end_line,
        "endColumn": span.end_column,
    }


def render_sarif(diags: list[Diagnostic], sources: Sources | None = None, color: bool = False) -> str:
    """A SARIF 2.1.0 log with one run: the tool with every rule, the checked files as
    artifacts, one result per diagnostic (related locations for every note, fixes for
    every :class:`~phasec.compiler.diagnostics.Fix`)."""
    sources = sources or {}
    rules = _rules()
    codes = sorted(rules)
    rule_index = {c: i for i, c in enumerate(codes)}

    files: list[str] = sorted(set(sources) | {f for d in diags for f in _files_of(d)})
    art_index = {f: i for i, f in enumerate(files)}

    def location(span: Span) -> dict:
        return {"artifactLocation": _artifact_ref(span.file, art_index), "region": _region(span)}

    driver_rules = []
    for code in codes:
        r = rules[code]
        driver_rules.append(
            {
                "id": code,
                "name": r["name"],
                "shortDescription": {"text": r["summary"]},
                "fullDescription": {"text": _what_it_does(r["doc"], r["summary"])},
                "help": {"text": r["doc"], "markdown": r["doc"]},
                "helpUri": f"{RULES_DOC_URL}#{code.lower()}",
                "defaultConfiguration": {"level": _SARIF_LEVEL[r["severity"]]},
                "properties": {"tags": [r["family"]], "suppressible": r["suppressible"]},
            }
        )

    results = []
    for d in diags:
        text = d.message if not d.help else f"{d.message}\nhelp: {d.help}"
        result: dict = {
            "ruleId": d.code,
            "level": _SARIF_LEVEL[d.severity.value],
            "message": {"text": text},
            "locations": [{"physicalLocation": location(d.span)}],
        }
        if d.code in rule_index:
            result["ruleIndex"] = rule_index[d.code]
        if d.related:
            result["relatedLocations"] = [
                {"id": i, "physicalLocation": location(r.span), "message": {"text": r.message}}
                for i, r in enumerate(d.related, 1)
            ]
        if d.fix is not None:
            by_file: dict[str, list] = {}
            for e in d.fix.edits:
                by_file.setdefault(e.span.file, []).append(
                    {"deletedRegion": _region(e.span), "insertedContent": {"text": e.replacement}}
                )
            result["fixes"] = [
                {
                    "description": {"text": d.fix.description},
                    "artifactChanges": [
                        {"artifactLocation": _artifact_ref(f, art_index), "replacements": reps}
                        for f, reps in sorted(by_file.items())
                    ],
                    "properties": {"safe": d.fix.safe},
                }
            ]
        results.append(result)

    artifacts = [
        {"location": _artifact_location(f), "roles": ["analysisTarget"], "sourceLanguage": "phasec"} for f in files
    ]

    log = {
        "$schema": SARIF_SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "phasec",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "informationUri": REPOSITORY_URL,
                        "rules": driver_rules,
                    }
                },
                "columnKind": "unicodeCodePoints",
                "artifacts": artifacts,
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def _artifact_ref(path: str, art_index: dict[str, int]) -> dict:
    """An artifactLocation pointing into the run's ``artifacts`` by index."""
    return {**_artifact_location(path), "index": art_index[path]}


def _files_of(d: Diagnostic) -> list[str]:
    out = [d.span.file, *(r.span.file for r in d.related)]
    if d.fix is not None:
        out.extend(e.span.file for e in d.fix.edits)
    return out


# --- GitHub Actions workflow commands ------------------------------------------------------------


def _gh_data(v: str) -> str:
    """Escape the message of a workflow command (after ``::``)."""
    return v.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_property(v: str) -> str:
    """Escape a property value of a workflow command (``file=``, ``title=``)."""
    return _gh_data(v).replace(":", "%3A").replace(",", "%2C")


def render_github(diags: list[Diagnostic], sources: Sources | None = None, color: bool = False) -> str:
    """One ``::error``/``::warning``/``::notice`` workflow command per diagnostic; the
    message carries the related notes (every edge of a cycle) and the help line."""
    lines = []
    for d in diags:
        s = d.span
        level = {"error": "error", "warning": "warning", "info": "notice"}[d.severity.value]
        name = _rule_name(d.code)
        title = f"{d.code} {name}" if name else d.code
        body = [d.message]
        body += [f"note: {r.span.file}:{r.span.line}:{r.span.column}: {r.message}" for r in d.related]
        if d.help:
            body.append(f"help: {d.help}")
        props = (
            f"file={_gh_property(s.file)},line={s.line},col={s.column},"
            f"endLine={s.end_line},endColumn={s.end_column},title={_gh_property(title)}"
        )
        lines.append(f"::{level} {props}::{_gh_data(chr(10).join(body))}")
    return "\n".join(lines) + ("\n" if lines else "")


# --- JUnit XML -----------------------------------------------------------------------------------


def _xml_text(v: str) -> str:
    """Drop what XML 1.0 cannot carry (control characters, lone surrogates): shown as ``\\xNN``."""
    out = []
    for ch in v:
        o = ord(ch)
        if o in (0x9, 0xA, 0xD) or 0x20 <= o <= 0xD7FF or 0xE000 <= o <= 0xFFFD or 0x10000 <= o <= 0x10FFFF:
            out.append(ch)
        else:
            out.append(f"\\x{o:02x}" if o < 0x100 else f"\\u{o:04x}")
    return "".join(out)


def render_junit(diags: list[Diagnostic], sources: Sources | None = None, color: bool = False) -> str:
    """JUnit XML: one ``<testsuite>`` per checked file, one ``<testcase>`` per (file, code)
    that reported something there (classname = the file, name = ``CODE rule-name``), with
    every finding of that code in its body.  A testcase fails when any of its findings is an
    error (the findings that make ``phasec lint`` exit 1); warnings and infos pass and are
    listed in ``<system-out>``.  A file with no findings has one passing testcase ``lint``."""
    import xml.etree.ElementTree as ET

    sources = sources or {}
    by_file: dict[str, list[Diagnostic]] = {f: [] for f in sources}
    for d in diags:
        by_file.setdefault(d.span.file, []).append(d)

    root = ET.Element("testsuites", name="phasec lint")
    total_tests = total_failures = 0
    for f in sorted(by_file):
        suite = ET.SubElement(root, "testsuite", name=_xml_text(f))
        groups: dict[str, list[Diagnostic]] = {}
        for d in by_file[f]:
            groups.setdefault(d.code, []).append(d)
        failures = 0
        if not groups:
            ET.SubElement(suite, "testcase", classname=_xml_text(f), name="lint", file=_xml_text(f), time="0")
        for code in sorted(groups):
            found = sorted(groups[code], key=Diagnostic.sort_key)
            name = _rule_name(code)
            case = ET.SubElement(
                suite,
                "testcase",
                classname=_xml_text(f),
                name=f"{code} {name}" if name else code,
                file=_xml_text(f),
                line=str(found[0].span.line),
                time="0",
            )
            body = "\n".join(_junit_finding(d) for d in found) + "\n"
            errors = [d for d in found if d.severity is Severity.ERROR]
            if errors:
                failures += 1
                msg = errors[0].message if len(errors) == 1 else f"{len(errors)} errors; first: {errors[0].message}"
                fail = ET.SubElement(case, "failure", message=_xml_text(msg), type=code)
                fail.text = _xml_text(body)
            else:
                out = ET.SubElement(case, "system-out")
                out.text = _xml_text(body)
        tests = max(1, len(groups))
        suite.set("tests", str(tests))
        suite.set("failures", str(failures))
        suite.set("errors", "0")
        suite.set("skipped", "0")
        suite.set("time", "0")
        total_tests += tests
        total_failures += failures
    root.set("tests", str(total_tests))
    root.set("failures", str(total_failures))
    root.set("errors", "0")
    root.set("time", "0")
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _junit_finding(d: Diagnostic) -> str:
    s = d.span
    sev = "" if d.severity is Severity.ERROR else f"[{d.severity.value}] "
    lines = [f"{s.file}:{s.line}:{s.column}: {d.code} {sev}{d.message}"]
    lines += [f"  = note: {r.span.file}:{r.span.line}:{r.span.column}: {r.message}" for r in d.related]
    if d.help:
        lines.append(f"  = help: {d.help}")
    return "\n".join(lines)


RENDERERS = {
    "text": render_text,
    "concise": render_concise,
    "json": render_json,
    "sarif": render_sarif,
    "github": render_github,
    "junit": render_junit,
}

#: The formats for programs: a complete document even when there is nothing to report,
#: never coloured.  ``phasec lint`` writes every format, text included, to stdout.
MACHINE_FORMATS = ("concise", "json", "sarif", "github", "junit")


def summary(diags: list[Diagnostic], files: int) -> str:
    errors = sum(d.severity is Severity.ERROR for d in diags)
    warnings = sum(d.severity is Severity.WARNING for d in diags)
    if not errors and not warnings:
        return f"{files} file{'s' if files != 1 else ''} checked: no problems"
    return (
        f"{files} file{'s' if files != 1 else ''} checked: "
        f"{errors} error{'s' if errors != 1 else ''}, {warnings} warning{'s' if warnings != 1 else ''}"
    )
