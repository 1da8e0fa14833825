"""The work breakdown: field-by-field fidelity to the hand-written references,
its JSON Schema, and yamllint.

The references are the work breakdowns the Phase B and Phase C planners wrote by
hand (tests/data/corpus, a copy of shared/corpus).  The emitted file for the
matching example must agree with them on every field, except where the
reference itself is wrong; each such field is listed below with the reason.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from pathlib import Path

import pytest
import yaml
from conftest import CORPUS, EXAMPLES, FIXTURES

from phasec.compiler.pipeline import analyze
from phasec.emitters import EmitOptions
from phasec.emitters import workbreakdown as workbreakdown_emitter

SLICE_FIELDS = (
    "id",
    "title",
    "owner",
    "backup",
    "depends_on",
    "depends_on_if_triggered",
    "requires_artifacts",
    "objective",
    "files",
    "conditional",
    "trigger_criteria",
    "gates",
    "acceptance",
)
# Emitted beyond the references (documented in phasec/emitters/workbreakdown.py):
# the slices' first-failure signals (`signal`), which the packets keep in prose, and
# `branching` on a slice that always runs and whose outcome branches.
ADDITIONS = {"failure_triggers", "branching"}
TOP_FIELDS = (
    "phase",
    "status",
    "as_landed_through",
    "entrypoint",
    "invariants",
    "slices",
    "gates",
    "deferred_non_blocking",
)

# Fields where the hand-written reference is wrong: phasec is right, the test says why.
REFERENCE_ERRORS = {
    "C": {
        "slices.C2.files": (
            "the reference omits scripts/phase-a/verify-gate-scaffold.mjs, which the seed runbook "
            "(seed/phase-c-runbook.md, C2 files, item 3) and the execution packet (PHASE_C_EXECUTION_PACKET.md, "
            "C2: 'drift-core baseline dependency, not Phase C source-of-truth verifier') both list for C2"
        ),
        "invariants.route_families": (
            "the reference keeps only the four route families and drops the invariant's own text, "
            "'Route-family semantics unchanged', which the execution packet gives as locked constraint 2 "
            "(PHASE_C_EXECUTION_PACKET.md); phasec writes both, as {text, items}"
        ),
    },
    "B": {
        "gates.phase_exit": (
            "the reference records no phase exit gate at all, although PHASE_B_ACCEPTANCE_GATES.md "
            "('Phase Exit Gate', item 6) requires `bun run phase-a:gates:exit` green at exit and the runbook "
            "declares `exit { gate gates_exit }`; phasec always writes the exit gate as gates.phase_exit"
        ),
    },
}
# Fields the example runbook does not carry (the example is not this test's to fix).
# A listed gap may also match (once the example is fixed).
EXAMPLE_GAPS: dict[str, dict[str, str]] = {}


@cache
def compiled(path: str) -> dict[str, str]:
    text = Path(path).read_text(encoding="utf-8")
    res = analyze(text, path)
    assert not res.has_errors, [d.message for d in res.diagnostics if d.severity.value == "error"]
    return workbreakdown_emitter.emit(res.runbook, EmitOptions())


def workbreakdown(path: Path) -> tuple[str, str]:
    outputs = compiled(str(path))
    (name,) = [p for p in outputs if p.endswith("_WORKBREAKDOWN.yaml")]
    return name, outputs[name]


MISSING = "<missing>"


def _canon(value):
    """A hashable, order-free form: lists compare as sets, maps by key."""
    if isinstance(value, dict):
        return ("map", frozenset((k, _canon(v)) for k, v in value.items()))
    if isinstance(value, list):
        return ("list", frozenset(_canon(v) for v in value))
    return value


def _single_key_maps(value) -> bool:
    """`[{a: ...}, {b: ...}]`, each entry keyed by its own id (not `[{path: p}, {path: q}]`)."""
    if not (isinstance(value, list) and value and all(isinstance(v, dict) and len(v) == 1 for v in value)):
        return False
    return len({k for v in value for k in v}) == len(value)


def _agree(emitted, reference, path: str, out: dict[str, tuple]) -> None:
    """Record at `path` every way `emitted` differs from `reference`, on the keys the reference gives.

    * maps: key by key (a key the reference gives and the emitted file lacks is a difference);
    * lists of one-key maps (`invariants`): as a map, entry by entry;
    * other lists: as sets; a list entry that is a map is compared on the keys the reference's
      entries give (the emitted `files` entries may add `optional`/`when`, which the references
      never write).
    """
    if isinstance(reference, dict):
        if not isinstance(emitted, dict):
            out[path] = (emitted, reference)
            return
        for key in reference:
            _agree(emitted.get(key, MISSING), reference[key], f"{path}.{key}", out)
        return
    if _single_key_maps(reference) and _single_key_maps(emitted):
        e = {k: v for m in emitted for k, v in m.items()}
        r = {k: v for m in reference for k, v in m.items()}
        if set(e) != set(r):
            out[f"{path}[keys]"] = (sorted(e), sorted(r))
        for key in r:
            _agree(e.get(key, MISSING), r[key], f"{path}.{key}", out)
        return
    if isinstance(reference, list):
        if not isinstance(emitted, list):
            out[path] = (emitted, reference)
            return
        keys = {k for v in reference if isinstance(v, dict) for k in v}
        projected = [{k: v[k] for k in v if k in keys} if isinstance(v, dict) and keys else v for v in emitted]
        if _canon(projected) != _canon(reference):
            out[path] = (emitted, reference)
        return
    if emitted != reference:
        out[path] = (emitted, reference)


def differences(emitted: dict, reference: dict) -> dict[str, tuple]:
    """field path -> (emitted, reference) for every field that differs.

    Every key the reference gives is compared, at the top level and on every slice
    (slices are matched by id and must come in the same order); a key the emitted file
    has and the reference lacks is a difference too, except the documented additions.
    """
    out: dict[str, tuple] = {}
    unknown = set(emitted) - set(TOP_FIELDS)
    assert not unknown, f"emitted top-level fields outside the format: {unknown}"
    assert not set(reference) - set(TOP_FIELDS), (
        f"reference top-level fields this test does not know: {set(reference) - set(TOP_FIELDS)}"
    )
    for field in TOP_FIELDS:
        if field == "slices" or (field not in emitted and field not in reference):
            continue
        if field == "gates":  # a map of slice ids and phase_exit: an entry the reference lacks is named
            e_gates, r_gates = emitted.get("gates") or {}, reference.get("gates") or {}
            for key in sorted(set(e_gates) - set(r_gates)):
                out[f"gates.{key}"] = (e_gates[key], None)
            if field not in reference:
                continue
        if field not in reference:
            out[field] = (emitted[field], None)
            continue
        _agree(emitted.get(field, MISSING), reference[field], field, out)
    e_slices = {s["id"]: s for s in emitted.get("slices") or []}
    r_slices = {s["id"]: s for s in reference.get("slices") or []}
    if list(e_slices) != list(r_slices):
        out["slices[].id"] = (list(e_slices), list(r_slices))
    for sid in e_slices.keys() & r_slices.keys():
        e, r = e_slices[sid], r_slices[sid]
        assert not set(r) - set(SLICE_FIELDS), (
            f"reference {sid} has fields this test does not compare: {set(r) - set(SLICE_FIELDS)}"
        )
        assert not set(e) - set(SLICE_FIELDS) - ADDITIONS, (
            f"emitted {sid} has unexpected fields: {set(e) - set(SLICE_FIELDS)}"
        )
        for field in SLICE_FIELDS:
            if field in r:
                _agree(e.get(field, MISSING), r[field], f"slices.{sid}.{field}", out)
            elif field in e:
                out[f"slices.{sid}.{field}"] = (e[field], None)
    return out


def test_the_comparison_sees_each_kind_of_difference():
    """The comparison can fail: a changed scalar, a lost list entry, a lost key, an extra key."""
    ref = {
        "phase": "Z",
        "invariants": [{"a": "x"}, {"b": ["1", "2"]}],
        "slices": [{"id": "Z1", "title": "t", "depends_on": ["Z0", "Y"], "files": [{"path": "p"}, {"path": "q"}]}],
    }
    same = {
        "phase": "Z",
        "invariants": [{"b": ["2", "1"]}, {"a": "x"}],
        "slices": [
            {
                "id": "Z1",
                "title": "t",
                "depends_on": ["Y", "Z0"],
                "files": [{"path": "q", "optional": True}, {"path": "p"}],
            }
        ],
    }
    assert differences(same, ref) == {}
    changed = {
        "phase": "Z",
        "invariants": [{"a": "x"}, {"b": ["1"]}],
        "slices": [{"id": "Z1", "title": "T", "files": [{"path": "p"}], "backup": "@b"}],
    }
    assert set(differences(changed, ref)) == {
        "invariants.b",
        "slices.Z1.title",
        "slices.Z1.depends_on",
        "slices.Z1.files",
        "slices.Z1.backup",
    }


CASES = [("C", EXAMPLES / "phase-c.phc"), ("B", EXAMPLES / "phase-b.phc")]


@pytest.mark.parametrize("phase,example", CASES, ids=[c[0] for c in CASES])
def test_workbreakdown_matches_reference_field_by_field(phase, example):
    name, text = workbreakdown(example)
    assert name == f"PHASE_{phase}_WORKBREAKDOWN.yaml"
    emitted = yaml.safe_load(text)
    reference = yaml.safe_load((CORPUS / f"phase-{phase.lower()}" / name).read_text(encoding="utf-8"))
    diffs = differences(emitted, reference)
    wrong_in_reference = REFERENCE_ERRORS.get(phase, {})
    gaps = EXAMPLE_GAPS.get(phase, {})
    unexplained = {k: v for k, v in diffs.items() if k not in wrong_in_reference and k not in gaps}
    assert not unexplained, "emitted work breakdown differs from the reference:\n" + "\n".join(
        f"  {k}:\n    emitted:   {e!r}\n    reference: {r!r}" for k, (e, r) in sorted(unexplained.items())
    )
    # Every listed reference error is still a difference (the list stays honest).
    stale = set(wrong_in_reference) - set(diffs)
    assert not stale, f"listed as reference errors but equal now: {stale}"


def test_the_listed_reference_errors_are_exactly_what_the_reasons_say():
    c = yaml.safe_load(workbreakdown(EXAMPLES / "phase-c.phc")[1])
    c_ref = yaml.safe_load((CORPUS / "phase-c" / "PHASE_C_WORKBREAKDOWN.yaml").read_text())
    (c2,) = [s for s in c["slices"] if s["id"] == "C2"]
    (c2_ref,) = [s for s in c_ref["slices"] if s["id"] == "C2"]
    emitted, ref = {f["path"] for f in c2["files"]}, {f["path"] for f in c2_ref["files"]}
    assert emitted - ref == {"scripts/phase-a/verify-gate-scaffold.mjs"} and not ref - emitted
    inv = {k: v for m in c["invariants"] for k, v in m.items()}
    inv_ref = {k: v for m in c_ref["invariants"] for k, v in m.items()}
    assert inv["route_families"] == {"text": "Route-family semantics unchanged.", "items": inv_ref["route_families"]}
    packet = (CORPUS / "phase-c" / "PHASE_C_EXECUTION_PACKET.md").read_text()
    assert "2. Route-family semantics unchanged:" in packet

    b = yaml.safe_load(workbreakdown(EXAMPLES / "phase-b.phc")[1])
    b_ref = yaml.safe_load((CORPUS / "phase-b" / "PHASE_B_WORKBREAKDOWN.yaml").read_text())
    assert "gates" not in b_ref
    assert b["gates"] == {"phase_exit": {"full": ["bun run phase-a:gates:exit"]}}
    gates_doc = (CORPUS / "phase-b" / "PHASE_B_ACCEPTANCE_GATES.md").read_text()
    assert "`bun run phase-a:gates:exit` green on final landed branch state" in gates_doc


def test_both_gate_shapes_come_from_the_ir():
    """Inline commands -> per-slice `gates`; any named gate -> the top-level map."""
    c = yaml.safe_load(workbreakdown(EXAMPLES / "phase-c.phc")[1])
    b = yaml.safe_load(workbreakdown(EXAMPLES / "phase-b.phc")[1])
    assert not any("gates" in s for s in c["slices"])
    assert set(c["gates"]) == {"C1", "C2", "C3", "C4", "C5", "C5A", "C6", "C7", "phase_exit"}
    assert [s["id"] for s in b["slices"] if "gates" in s] == ["B0", "B1", "B2", "B3"]
    assert set(b["gates"]) == {"phase_exit"}

    mixed = _compile_text(
        'phase X "T" {\n  posture forward_only\n}\n'
        'slice X1 "inline" {\n  owner @o\n  gate quick "make a" "make b"\n  gate full "make c"\n  gate quick "make d"\n}\n'
        'slice X2 "named" {\n  owner @o\n  after X1\n  gate quick g "make e"\n}\n'
        'gate g "make g"\ncadence quick\ncadence full\n'
    )
    x1, x2 = mixed["slices"]
    assert x1["gates"] == {"quick": ["make a", "make b", "make d"], "full": ["make c"]}
    assert "gates" not in x2 and mixed["gates"] == {"X2": {"quick": ["make g", "make e"]}}


def _compile_text(text: str, path: str = "t.phc") -> dict:
    res = analyze(text, path)
    assert not res.has_errors, [f"{d.code} {d.message}" for d in res.diagnostics]
    outputs = workbreakdown_emitter.emit(res.runbook, EmitOptions())
    (name,) = [p for p in outputs if p.endswith("_WORKBREAKDOWN.yaml")]
    return yaml.safe_load(outputs[name])


# -- schema and yamllint ---------------------------------------------------


def schema() -> dict:
    return json.loads(resources.files("phasec.emitters").joinpath("schemas/workbreakdown.schema.json").read_text())


def yamllint_config():
    from yamllint.config import YamlLintConfig

    path = resources.files("phasec.emitters").joinpath("schemas/workbreakdown.yamllint.yaml")
    return YamlLintConfig(content=path.read_text())


def _fixture_runbooks() -> list[Path]:
    """Every fixture runbook that compiles (a varied set of shapes), plus the examples."""
    out = [EXAMPLES / "phase-c.phc", EXAMPLES / "phase-b.phc"]
    for p in sorted((FIXTURES / "rules").glob("*.phc")):
        if not analyze(p.read_text(encoding="utf-8"), str(p)).has_errors:
            out.append(p)
    return out


RUNBOOKS = _fixture_runbooks()


def test_schema_is_a_valid_draft_2020_12_schema():
    import jsonschema

    jsonschema.Draft202012Validator.check_schema(schema())


def test_enough_fixture_runbooks_compile():
    assert len(RUNBOOKS) > 10


@pytest.mark.parametrize("path", RUNBOOKS, ids=[p.stem for p in RUNBOOKS])
def test_every_emitted_workbreakdown_validates_and_passes_yamllint(path):
    import jsonschema
    from yamllint import linter

    _, text = workbreakdown(path)
    jsonschema.validate(yaml.safe_load(text), schema(), cls=jsonschema.Draft202012Validator)
    problems = list(linter.run(text, yamllint_config()))
    assert not problems, "\n".join(f"{p.line}:{p.column} {p.level} {p.message} ({p.rule})" for p in problems)


def test_yamllint_config_is_default_minus_line_length_only():
    cfg = yaml.safe_load(resources.files("phasec.emitters").joinpath("schemas/workbreakdown.yamllint.yaml").read_text())
    assert cfg == {"extends": "default", "rules": {"line-length": "disable"}}


@pytest.mark.parametrize("phase", ["b", "c"])
def test_the_hand_written_references_fit_the_schema(phase):
    import jsonschema

    ref = CORPUS / f"phase-{phase}" / f"PHASE_{phase.upper()}_WORKBREAKDOWN.yaml"
    jsonschema.validate(yaml.safe_load(ref.read_text()), schema(), cls=jsonschema.Draft202012Validator)


def test_schema_rejects_what_the_format_does_not_allow():
    import jsonschema

    _, text = workbreakdown(EXAMPLES / "phase-c.phc")
    good = yaml.safe_load(text)
    v = jsonschema.Draft202012Validator(schema())
    assert not list(v.iter_errors(good))
    bad_cases = []
    x = yaml.safe_load(text)
    x["slices"][0]["ownr"] = "@x"  # unknown field
    bad_cases.append(x)
    x = yaml.safe_load(text)
    x["slices"][0]["owner"] = "rawr-runtime-host"  # not a handle
    bad_cases.append(x)
    x = yaml.safe_load(text)
    x["gates"]["C1"]["quick"] = []  # a cadence with no commands
    bad_cases.append(x)
    x = yaml.safe_load(text)
    del x["phase"]
    bad_cases.append(x)
    for case in bad_cases:
        assert list(v.iter_errors(case)), case


def test_edge_cases_stay_valid_yaml_and_schema():
    """Awkward strings (YAML 1.1 look-alikes, flow indicators, quotes), no slices, bare invariants."""
    import jsonschema

    text = (
        'phase Z "T" {\n  posture forward_only\n  status on\n  entrypoint "12:30"\n}\n'
        "invariant bare\n"
        'invariant listed "x" {\n  item "0x10"\n  item "- dash"\n}\n'
        'deferred yes "d"\n'
    )
    wb = _compile_text(text)
    jsonschema.validate(wb, schema(), cls=jsonschema.Draft202012Validator)
    assert wb["slices"] == [] and wb["status"] == "on" and wb["entrypoint"] == "12:30"
    assert wb["invariants"] == [{"bare": None}, {"listed": {"text": "x", "items": ["0x10", "- dash"]}}]
    assert wb["deferred_non_blocking"] == ["yes"]

    text = (
        'phase Z "T" {\n  posture forward_only\n}\n'
        'slice Z1 "Title: with colon, comma [and] {braces} # hash" {\n'
        '  owner @o\n  objective "it\'s \\"quoted\\" and ends with colon:"\n'
        '  file "a b/c,d.ts"\n  file "a b/c,d.ts"\n  accept a1 "x"\n  accept a1 "y"\n'
        '  gate quick "echo \'single\' && test -n \\"$X\\""\n'
        "}\n"
        'slice Z2 "t" {\n  owner @o\n  after Z1\n  after Z1\n}\ncadence quick\n'
    )
    wb = _compile_text(text)
    jsonschema.validate(wb, schema(), cls=jsonschema.Draft202012Validator)
    z1, z2 = wb["slices"]
    assert z1["title"] == "Title: with colon, comma [and] {braces} # hash"
    assert z1["objective"] == 'it\'s "quoted" and ends with colon:'
    assert z1["files"] == [{"path": "a b/c,d.ts"}] and z1["acceptance"] == ["a1"]
    assert z1["gates"] == {"quick": ["echo 'single' && test -n \"$X\""]}
    assert z2["depends_on"] == ["Z1"]


def test_yaml_scalars_read_back_exactly():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from phasec.emitters.env import yaml_flow, yaml_scalar

    @settings(max_examples=500, deadline=None)
    @given(st.text(st.characters(blacklist_categories=("Cs",)), max_size=30))
    def check(s):
        assert yaml.safe_load("k: " + yaml_scalar(s))["k"] == s
        assert yaml.safe_load("k: " + yaml_flow([s, "x"]))["k"] == [s, "x"]

    check()
    for s in ["12:30", "0x10", "1_000", ".inf", "2024-01-01", "a, b", "on", "~", "-1", "@x"]:
        assert yaml.safe_load("k: " + yaml_scalar(s))["k"] == s


# -- phasec schema -------------------------------------------------------------


def _phasec(*args: str):
    import subprocess
    import sys

    from conftest import ROOT

    return subprocess.run([sys.executable, "-m", "phasec", *args], capture_output=True, text=True, cwd=ROOT)


def test_phasec_schema_prints_the_packaged_schema():
    text = resources.files("phasec.emitters").joinpath("schemas/workbreakdown.schema.json").read_text()
    r = _phasec("schema")
    assert r.returncode == 0 and r.stdout == text
    assert _phasec("schema", "workbreakdown").stdout == text
    r = _phasec("schema", "nope")
    assert r.returncode == 2 and "available: workbreakdown" in r.stderr


def test_schemas_are_package_data():
    import fnmatch
    import tomllib

    from conftest import ROOT

    globs = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["phasec"]
    folder = ROOT / "phasec" / "emitters" / "schemas"
    files = [p.relative_to(ROOT / "phasec").as_posix() for p in folder.iterdir()]
    assert {"emitters/schemas/workbreakdown.schema.json", "emitters/schemas/workbreakdown.yamllint.yaml"} <= set(files)
    for f in files:
        assert any(fnmatch.fnmatch(f, g) for g in globs), f"{f} is not package data"


@pytest.mark.parametrize("path_taken", ["triggered", "deferred"])
def test_assume_resolves_the_conditional_slice(path_taken):
    import jsonschema

    text = (EXAMPLES / "phase-c.phc").read_text(encoding="utf-8")
    res = analyze(text, "examples/phase-c.phc")
    out = workbreakdown_emitter.emit(res.runbook, EmitOptions(assume={"C4": path_taken}))
    data = yaml.safe_load(out["PHASE_C_WORKBREAKDOWN.yaml"])
    jsonschema.validate(data, schema(), cls=jsonschema.Draft202012Validator)
    by_id = {s["id"]: s for s in data["slices"]}
    assert by_id["C4"]["assumed"] == path_taken
    c5 = by_id["C5"]
    assert "depends_on_if_triggered" not in c5
    assert ("C4" in c5["depends_on"]) == (path_taken == "triggered")
