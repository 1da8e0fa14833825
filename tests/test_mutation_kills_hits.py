"""The subprocess-hits mechanism of mutation testing (docs/testing.md, "Mutation testing").

mutmut learns which tests reach a function from the trampolines' record in its
own process; benchmarks/mutmut_hits/sitecustomize.py and the teardown hook of
conftest.py carry the record of `phasec` subprocesses over.  Both must be inert
outside a mutmut statistics run.  mutmut itself is not a test dependency: a
stand-in package with the same names is used.
"""

from __future__ import annotations

import os
import subprocess
import sys
import types
from pathlib import Path

import conftest
import pytest

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "benchmarks" / "mutmut_hits"

FAKE_TRAMPOLINE = """
calls = []

def record_trampoline_hit(name, caller=None):
    calls.append(name)

def trampoline(name):
    # as mutmut's trampoline: the module-level name is looked up at call time
    record_trampoline_hit(name)
"""

PROBE = """
from mutmut.mutation import trampoline
trampoline.trampoline("phasec.compiler.config.x_load_config")
trampoline.trampoline("phasec.emitters.write.x_write_outputs")
trampoline.trampoline("phasec.compiler.config.x_load_config")
print(len(trampoline.calls))
"""


def _run_probe(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    fake = tmp_path / "fake"
    (fake / "mutmut" / "mutation").mkdir(parents=True)
    (fake / "mutmut" / "__init__.py").write_text("")
    (fake / "mutmut" / "mutation" / "__init__.py").write_text("")
    (fake / "mutmut" / "mutation" / "trampoline.py").write_text(FAKE_TRAMPOLINE)
    base = {k: v for k, v in os.environ.items() if k not in ("MUTANT_UNDER_TEST", "PHASEC_MUTMUT_HITS")}
    base["PYTHONPATH"] = os.pathsep.join([str(SITE), str(fake)])
    return subprocess.run(
        [sys.executable, "-c", PROBE], env={**base, **env}, capture_output=True, text=True, cwd=tmp_path, check=True
    )


def test_a_subprocess_of_the_statistics_run_writes_the_functions_it_ran(tmp_path):
    hits = tmp_path / "hits"
    hits.mkdir()
    r = _run_probe(tmp_path, MUTANT_UNDER_TEST="stats", PHASEC_MUTMUT_HITS=str(hits))
    # mutmut's own recording (which reads pyproject.toml from the working folder) is replaced
    assert r.stdout.strip() == "0"
    files = list(hits.glob("*.hits"))
    assert len(files) == 1
    assert files[0].read_text().split() == [
        "phasec.compiler.config.x_load_config",
        "phasec.emitters.write.x_write_outputs",
    ]
    assert not list(hits.glob("*.tmp"))


@pytest.mark.parametrize(
    "env",
    [
        {"MUTANT_UNDER_TEST": "stats"},  # no hits folder named
        {"MUTANT_UNDER_TEST": "phasec.compiler.config.x_load_config__mutmut_3", "PHASEC_MUTMUT_HITS": "HITS"},
        {},
    ],
    ids=["no-folder", "a-mutant-run", "nothing-set"],
)
def test_the_sitecustomize_is_inert_outside_the_statistics_run(tmp_path, env):
    hits = tmp_path / "hits"
    hits.mkdir()
    env = {k: v.replace("HITS", str(hits)) for k, v in env.items()}
    r = _run_probe(tmp_path, **env)
    assert r.stdout.strip() == "3"  # the trampoline's own recording is kept
    assert not list(hits.iterdir())


@pytest.fixture
def fake_state(monkeypatch):
    """A stand-in for ``mutmut.state`` with the record mutmut's collector reads."""
    record = types.SimpleNamespace(_stats={"phasec.compiler.graph.x_own_bit"})
    module = types.ModuleType("mutmut.state")
    module.state = lambda: record
    monkeypatch.setitem(sys.modules, "mutmut", types.ModuleType("mutmut"))
    monkeypatch.setitem(sys.modules, "mutmut.state", module)
    return record


def _hits(folder: Path) -> Path:
    folder.mkdir()
    (folder / "1-a.hits").write_text("phasec.compiler.config.x_load_config\n")
    (folder / "2-b.hits").write_text("phasec.emitters.write.x_write_outputs\nphasec.compiler.config.x_load_config\n")
    (folder / "3-c.hits.tmp").write_text("phasec.compiler.half.x_written\n")  # still being written
    return folder


def test_the_teardown_hook_merges_the_hits_into_mutmuts_record(tmp_path, monkeypatch, fake_state):
    folder = _hits(tmp_path / "hits")
    monkeypatch.setenv("MUTANT_UNDER_TEST", "stats")
    monkeypatch.setenv("PHASEC_MUTMUT_HITS", str(folder))
    conftest.pytest_runtest_teardown(None, None)
    assert fake_state._stats == {
        "phasec.compiler.graph.x_own_bit",
        "phasec.compiler.config.x_load_config",
        "phasec.emitters.write.x_write_outputs",
    }
    assert sorted(p.name for p in folder.iterdir()) == ["3-c.hits.tmp"]  # read once, then removed


@pytest.mark.parametrize(
    "env",
    [{"MUTANT_UNDER_TEST": "stats"}, {"PHASEC_MUTMUT_HITS": "HITS"}, {}],
    ids=["no-folder", "not-the-statistics-run", "nothing-set"],
)
def test_the_teardown_hook_is_inert_outside_the_statistics_run(tmp_path, monkeypatch, fake_state, env):
    folder = _hits(tmp_path / "hits")
    monkeypatch.delenv("MUTANT_UNDER_TEST", raising=False)
    monkeypatch.delenv("PHASEC_MUTMUT_HITS", raising=False)
    for k, v in env.items():
        monkeypatch.setenv(k, v.replace("HITS", str(folder)))
    conftest.pytest_runtest_teardown(None, None)
    assert fake_state._stats == {"phasec.compiler.graph.x_own_bit"}
    assert len(list(folder.iterdir())) == 3
