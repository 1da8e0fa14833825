"""Compile does not depend on lint settings: the checks the emitters rely on always run.

With any `ignore`, `select`, severity or suppression, compiling a runbook with a
dependency cycle, a gate composition cycle, a branch cycle or an output name
that leaves the folder is refused with a located diagnostic and writes nothing;
and no configuration makes compile crash.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import FIXTURES
from typer.testing import CliRunner

from phasec.cli.main import app
from phasec.compiler.pipeline import COMPILE_REQUIRED
from phasec.compiler.rules import all_rules

RULES = FIXTURES / "rules"
ALL_CODES = [r.code for r in all_rules()]

#: fixture -> the code compile must refuse it with
BROKEN = {
    "PC301_cycle.phc": "PC301",
    "PC301_branch_cycle.phc": "PC301",
    "PC703_suite_cycle.phc": "PC703",
    "PC806_escaping_names.phc": "PC806",
}


def compile_with(tmp_path: Path, text: str, config: str) -> tuple[int, str, Path]:
    (tmp_path / "pyproject.toml").write_text("[tool.phasec]\n" + config, encoding="utf-8")
    src = tmp_path / "runbook.phc"
    src.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    r = CliRunner().invoke(app, ["compile", str(src), "--out", str(out), "--emit", "ci"])
    assert r.exception is None or isinstance(r.exception, SystemExit), repr(r.exception)
    return r.exit_code, r.output, out


def assert_refused(code: int, output: str, out: Path, expected: str) -> None:
    assert code == 1, output
    assert re.search(rf"runbook\.phc:\d+:\d+: {expected} ", output), output
    assert "not compiled" in output
    assert not out.exists(), "nothing may be written"


@pytest.mark.parametrize("fixture", sorted(BROKEN))
@pytest.mark.parametrize("ignored", ALL_CODES + ["PC"])
def test_ignoring_any_code_never_compiles_a_broken_runbook(tmp_path, fixture, ignored):
    text = (RULES / fixture).read_text(encoding="utf-8")
    code, output, out = compile_with(tmp_path, text, f'ignore = ["{ignored}"]\n')
    assert_refused(code, output, out, BROKEN[fixture])


@pytest.mark.parametrize("fixture", sorted(BROKEN))
def test_selecting_other_codes_or_regrading_does_not_compile_a_broken_runbook(tmp_path, fixture):
    text = (RULES / fixture).read_text(encoding="utf-8")
    wanted = BROKEN[fixture]
    code, output, out = compile_with(tmp_path, text, f'select = ["PC9"]\n[tool.phasec.severity]\n{wanted} = "info"\n')
    assert_refused(code, output, out, wanted)
    assert "compile always checks" in output


def test_a_suppression_comment_does_not_compile_a_cycle(tmp_path):
    text = (RULES / "PC301_cycle.phc").read_text(encoding="utf-8")
    text = text.replace("  after C3\n", "  after C3  # phasec: ignore[PC301] -- known, fixing later\n")
    from phasec.compiler.pipeline import analyze

    assert "PC301" not in [d.code for d in analyze(text, "runbook.phc").diagnostics]  # lint honours it
    code, output, out = compile_with(tmp_path, text, "")
    assert_refused(code, output, out, "PC301")


def test_required_codes_are_rules():
    assert set(COMPILE_REQUIRED) <= set(ALL_CODES)


@pytest.mark.parametrize("path", sorted(RULES.glob("*.phc")), ids=lambda p: p.stem)
def test_no_configuration_makes_compile_crash(tmp_path, path):
    """Every rule fixture, with every rule ignored: compiled (0) or refused with diagnostics (1), never a crash."""
    text = path.read_text(encoding="utf-8")
    code, output, out = compile_with(tmp_path, text, 'ignore = ["PC"]\n')
    assert code in (0, 1), output
    if code == 1:
        assert "not compiled" in output and not out.exists()
        assert any(f"{c} " in output for c in ("PC0", "PC1", "PC2", *COMPILE_REQUIRED)), output
    else:
        assert (out / "manifest.json").is_file()
