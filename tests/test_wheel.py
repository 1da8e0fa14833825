"""Release smoke test: the built wheel, installed in a fresh environment, compiles a runbook.

The editable install the other tests use reads the working tree; this one proves the
wheel carries everything (the grammar, the templates, the schemas) and that its
console script works from anywhere.  The package's dependencies come from the package
index pip is configured with (nothing else is downloaded).  Marked `wheel`: it runs in
CI with the rest of the suite (`-m "not wheel"` leaves it out locally).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT

from phasec import LANGUAGE_VERSION, __version__

pytestmark = pytest.mark.wheel


def _run(cmd: list[str], cwd: Path, timeout: int = 900) -> subprocess.CompletedProcess:
    r = subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, timeout=timeout)
    assert r.returncode == 0, f"{cmd}\n{r.stdout}\n{r.stderr}"
    return r


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel, built from a copy of the project's files (the working tree stays as it is)."""
    src = tmp_path_factory.mktemp("src")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    shutil.copytree(ROOT / "phasec", src / "phasec", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    dist = tmp_path_factory.mktemp("dist")
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(dist), str(src)], cwd=src)
    (whl,) = dist.glob("phasec-*.whl")
    return whl


def test_wheel_has_the_version_and_the_package_data(wheel: Path):
    assert wheel.name.startswith(f"phasec-{__version__}-")
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in ("phasec/grammar/phasec.lark", "phasec/py.typed", "phasec/compiler/schemas/diagnostics.schema.json"):
        assert needed in names, needed
    assert any(n.startswith("phasec/emitters/templates/") for n in names)
    assert not any(n.startswith("tests/") for n in names)


def test_installed_wheel_compiles_an_example(wheel: Path, tmp_path: Path):
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", str(venv)], cwd=tmp_path)
    bindir = venv / ("Scripts" if sys.platform == "win32" else "bin")
    py = bindir / "python"
    _run([str(py), "-m", "pip", "install", "--quiet", str(wheel)], cwd=tmp_path)
    work = tmp_path / "work"  # outside the source tree: nothing can be imported from it
    work.mkdir()
    where = _run([str(py), "-c", "import phasec; print(phasec.__file__)"], cwd=work).stdout.strip()
    assert Path(where).resolve().is_relative_to(venv.resolve()), where
    phasec = str(bindir / "phasec")
    version = _run([phasec, "--version"], cwd=work).stdout
    assert version == f"phasec {__version__} (runbook language v{LANGUAGE_VERSION})\n"
    shutil.copy2(ROOT / "examples" / "phase-c.phc", work / "phase-c.phc")
    r = _run([phasec, "compile", "phase-c.phc", "-o", "tmp"], cwd=work)
    written = sorted(p.name for p in (work / "tmp").iterdir())
    assert any(n.endswith("_EXECUTION_PACKET.md") for n in written), written
    assert "manifest.json" in written
    assert r.stdout.strip()  # the files it wrote, one a line
    # the installed linter agrees with the working tree's on the example
    lint = subprocess.run([phasec, "lint", "-f", "concise", "phase-c.phc"], capture_output=True, text=True, cwd=work)
    here = subprocess.run(
        [sys.executable, "-m", "phasec", "lint", "-f", "concise", "phase-c.phc"],
        capture_output=True,
        text=True,
        cwd=work,
    )
    assert (lint.returncode, lint.stdout) == (here.returncode, here.stdout)
