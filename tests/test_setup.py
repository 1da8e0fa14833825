"""First-hour traps: the README's set-up commands, .ci/run, and which phasec is tested."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import ROOT

import phasec

README = (ROOT / "README.md").read_text(encoding="utf-8")
CI_RUN = (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def _readme_commands() -> list[str]:
    block = README.split("## Set up (two commands)", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    return [line for line in block.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def test_tests_run_against_the_working_tree():
    """pytest imports phasec from this repository, not from a copy installed in site-packages."""
    here = Path(phasec.__file__).resolve()
    assert ROOT.resolve() in here.parents, f"phasec imported from {here}, not from the working tree {ROOT}"
    assert "site-packages" not in here.parts


def test_readme_has_two_commands_both_editable():
    cmds = _readme_commands()
    assert len(cmds) == 2, cmds
    for c in cmds:
        installs = re.findall(r"pip install (\S+(?: \S+)?)", c)
        assert installs and all(i.startswith("-e ") for i in installs), c
    assert "phasec compile examples/phase-c.phc -o out/phase-c" in cmds[0]
    assert cmds[1].endswith("python -m pytest")


def test_ci_run_uses_the_readme_test_command():
    test_cmd = _readme_commands()[1].split(". .venv/bin/activate && ", 1)[1]
    last = [line for line in CI_RUN.splitlines() if line.strip() and not line.startswith("#")][-1]
    assert last == test_cmd


def test_ci_run_sets_ci_and_installs_graphviz():
    assert re.search(r"^export CI=true$", CI_RUN, re.M)
    assert "command -v dot" in CI_RUN and "apt-get install -y graphviz" in CI_RUN
    # CI=true is set before any test runs
    assert CI_RUN.index("export CI=true") < CI_RUN.index("python -m pytest")
