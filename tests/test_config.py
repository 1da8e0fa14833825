"""Configuration ([tool.phasec] / phasec.toml) and the rules/explain commands."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import FIXTURES, ROOT

from phasec.compiler.config import Config, ConfigError, load_config
from phasec.compiler.pipeline import analyze

CAP = (FIXTURES / "rules" / "PC501_parallel_group.phc").read_text()


def codes(text, config=None):
    return [d.code for d in analyze(text, "t.phc", config=config).diagnostics]


def test_default_runs_every_rule():
    assert "PC501" in codes(CAP)


def test_ignore_and_select():
    assert "PC501" not in codes(CAP, Config(ignore=["PC5"]))
    assert "PC501" not in codes(CAP, Config(select=["PC3"]))
    assert "PC501" in codes(CAP, Config(select=["PC50"]))


def test_regrade():
    d = [
        d for d in analyze(CAP, "t.phc", config=Config(severity={"PC501": "warning"})).diagnostics if d.code == "PC501"
    ]
    assert d[0].severity.value == "warning"


def test_front_end_codes_cannot_be_disabled():
    cfg = Config(ignore=["PC1", "PC0"])
    assert cfg.enabled("PC101") and cfg.enabled("PC001")


def test_pyproject_is_found_upward_and_phasec_toml_wins(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.phasec]\nignore = ["PC605"]\n[tool.phasec.severity]\nPC305 = "error"\n'
    )
    sub = tmp_path / "runbooks" / "deep"
    sub.mkdir(parents=True)
    cfg = load_config(sub / "x.phc")
    assert cfg.ignore == ["PC605"] and cfg.severity["PC305"].value == "error"
    (sub / "phasec.toml").write_text('select = ["PC3"]\n')
    cfg = load_config(sub / "x.phc")
    assert cfg.select == ["PC3"] and cfg.ignore == []


def test_pyproject_without_table_is_skipped(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[project]\nname='x'\n")
    assert load_config(tmp_path / "x.phc").path is None


@pytest.mark.parametrize(
    "content, fragment",
    [
        ('[tool.phasec]\nignore = "PC605"\n', "must be a list"),
        ('[tool.phasec]\n[tool.phasec.severity]\nPC605 = "fatal"\n', "must be error, warning or info"),
        ('[tool.phasec]\nignroe = ["PC605"]\n', "unknown setting"),
        ("[tool.phasec\n", "pyproject.toml"),
    ],
)
def test_bad_configuration_is_an_error(tmp_path, content, fragment):
    (tmp_path / "pyproject.toml").write_text(content)
    with pytest.raises(ConfigError) as exc:
        load_config(tmp_path / "x.phc")
    assert fragment in str(exc.value)


def test_cli_applies_configuration_and_rejects_bad_one(tmp_path):
    f = tmp_path / "cap.phc"
    f.write_text(CAP)
    run = lambda: subprocess.run(  # noqa: E731
        [sys.executable, "-m", "phasec", "lint", str(f)], capture_output=True, text=True, cwd=ROOT
    )
    assert run().returncode == 1
    (tmp_path / "phasec.toml").write_text('[severity]\nPC501 = "warning"\n')
    r = run()
    assert r.returncode == 0 and "PC501" in r.stdout
    (tmp_path / "phasec.toml").write_text("ignore = 5\n")
    r = run()
    assert r.returncode == 2 and "must be a list" in r.stderr


def test_rules_and_explain_commands():
    r = subprocess.run([sys.executable, "-m", "phasec", "rules", "--json"], capture_output=True, text=True, cwd=ROOT)
    data = json.loads(r.stdout)
    codes_ = [row["code"] for row in data["rules"]]
    assert "PC301" in codes_ and "PC001" in codes_ and codes_ == sorted(codes_)
    r = subprocess.run([sys.executable, "-m", "phasec", "explain", "pc501"], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0 and "## What it does" in r.stdout and "Dilworth" in r.stdout
    r = subprocess.run([sys.executable, "-m", "phasec", "explain", "PC999"], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 2
    r = subprocess.run([sys.executable, "-m", "phasec", "explain", "PS301"], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0 and r.stdout.startswith("# PS301 status-stale-record (status drift, warning;")


def test_cycle_message_lists_every_edge_with_its_own_location():
    text = (FIXTURES / "rules" / "PC301_cycle.phc").read_text()
    d = next(d for d in analyze(text, "c.phc").diagnostics if d.code == "PC301")
    assert [(r.span.line, r.span.column, r.message) for r in d.related] == [
        (5, 9, "`C1` is after `C3` here"),
        (11, 9, "`C3` is after `C2` here"),
        (8, 9, "`C2` is after `C1` here"),
    ]


# ─── unknown codes ───────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    "name, content, code, where, suggestion",
    [
        ("pyproject.toml", '[tool.phasec]\nignore = ["PC605", "PC6O5"]\n', "PC6O5", (2, 21), "PC605"),
        ("pyproject.toml", '[tool.phasec]\nselect = [\n  "pc3",\n  "PC3O",\n]\n', "PC3O", (4, 4), None),
        ("pyproject.toml", '[tool.phasec]\n[tool.phasec.severity]\nPC6O4 = "error"\n', "PC6O4", (3, 1), "PC604"),
        (
            "pyproject.toml",
            '[tool.phasec]\nseverity = { PC3 = "error" }\n',
            "PC3",
            (2, 14),
            None,
        ),  # a prefix is no code
        ("phasec.toml", 'ignore = ["PC605"]\nselect = ["PC605", "PX1"]\n', "PX1", (2, 21), None),
    ],
)
def test_unknown_codes_are_errors_at_their_place_in_the_file(tmp_path, name, content, code, where, suggestion):
    (tmp_path / name).write_text(content)
    with pytest.raises(ConfigError) as exc:
        load_config(tmp_path / "x.phc")
    (d,) = exc.value.diagnostics
    assert d.code == "PC903" and d.severity.value == "error"
    assert f"`{code}`" in d.message
    assert (d.span.file, d.span.line, d.span.column) == (str(tmp_path / name), *where)
    assert d.span.end_column - d.span.column == len(code)
    if suggestion:
        assert f"did you mean `{suggestion}`?" in d.help


def test_known_codes_and_prefixes_are_accepted(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.phasec]\nselect = ["PC", "pc3", "PC60", "PC001"]\nignore = ["PC9", "PC202"]\n'
        '[tool.phasec.severity]\npc605 = "error"\n'
    )
    cfg = load_config(tmp_path / "x.phc")
    assert cfg.select == ["PC", "PC3", "PC60", "PC001"] and cfg.severity["PC605"].value == "error"


def test_cli_reports_an_unknown_code_with_its_position(tmp_path):
    f = tmp_path / "cap.phc"
    f.write_text(CAP)
    (tmp_path / "pyproject.toml").write_text('[tool.phasec]\nignore = ["PC6O5"]\n')
    for cmd in (["lint", str(f)], ["compile", str(f), "--out", str(tmp_path / "out")]):
        r = subprocess.run([sys.executable, "-m", "phasec", *cmd], capture_output=True, text=True, cwd=ROOT)
        assert r.returncode == 2, r.stderr
        assert f"{tmp_path / 'pyproject.toml'}:2:12: PC903 unknown code `PC6O5` in `ignore`" in r.stderr
        assert "did you mean `PC605`?" in r.stderr
        assert not (tmp_path / "out").exists()


# ─── per-kind requirements (PC714) ───────────────────────────────────────────

KINDS = """phase C "Kinds" {
  posture forward_only
}
slice C1 "Storage lock" {
  kind runtime
  file "a.ts"
  branch "codex/phase-c-c1"
}
slice C5 "Review" {
  kind review
}
"""


def _pc714(cfg=None):
    return [d.message for d in analyze(KINDS, "t.phc", config=cfg).diagnostics if d.code == "PC714"]


def test_require_replaces_the_default_of_the_kinds_it_names(tmp_path):
    assert _pc714() == [
        "runtime slice `C1` lacks a `quick` gate (the runbook declares no `quick` cadence) and a `full` gate "
        "(the runbook declares no `full` cadence)",
        "review slice `C5` lacks a review lens (`lens`)",
    ]
    (tmp_path / "pyproject.toml").write_text(
        '[tool.phasec]\n[tool.phasec.require]\nruntime = ["files", "owner"]\nreview = []\ndocs = ["accept"]\n'
    )
    cfg = load_config(tmp_path / "x.phc")
    assert cfg.require == {"runtime": ["files", "owner"], "review": [], "docs": ["accept"]}
    assert _pc714(cfg) == ["runtime slice `C1` lacks an owner (`owner`)"]


def test_require_applies_when_compiling_too(tmp_path):
    cfg = Config(require={"runtime": ["owner"], "review": []})
    res = analyze(KINDS, "t.phc", config=cfg, compiling=True)
    assert [d.message for d in res.diagnostics if d.code == "PC714"] == ["runtime slice `C1` lacks an owner (`owner`)"]


@pytest.mark.parametrize(
    "content, word, where, message, suggestion",
    [
        (
            '[tool.phasec.require]\nruntme = ["files"]\n',
            "runtme",
            (2, 1),
            "unknown slice kind `runtme` in `require`",
            "runtime",
        ),
        (
            '[tool.phasec.require]\nruntime = ["files", "brnach"]\n',
            "brnach",
            (2, 22),
            "unknown requirement `brnach` for kind `runtime` in `require`",
            "branch",
        ),
        (
            '[tool.phasec.require]\nreview = ["gate:"]\n',
            "gate:",
            (2, 12),
            "unknown requirement `gate:` for kind `review` in `require`",
            None,
        ),
    ],
)
def test_require_unknown_kinds_and_names_are_errors_at_their_place(tmp_path, content, word, where, message, suggestion):
    (tmp_path / "pyproject.toml").write_text("[tool.phasec]\n" + content)
    with pytest.raises(ConfigError) as exc:
        load_config(tmp_path / "x.phc")
    (d,) = exc.value.diagnostics
    assert d.code == "PC714" and d.severity.value == "error" and d.message == message
    assert (d.span.line - 1, d.span.column) == where  # one line down: the `[tool.phasec]` header
    assert d.span.end_column - d.span.column == len(word)
    if suggestion:
        assert f"did you mean `{suggestion}`?" in d.help


@pytest.mark.parametrize(
    "content", ['require = ["runtime"]\n', 'require = { runtime = "files" }\n', "require = { runtime = [1] }\n"]
)
def test_require_of_the_wrong_shape_is_an_error(tmp_path, content):
    (tmp_path / "phasec.toml").write_text(content)
    with pytest.raises(ConfigError) as exc:
        load_config(tmp_path / "x.phc")
    assert "`require` must be a table" in str(exc.value)
