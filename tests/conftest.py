"""Shared test helpers: the --update-goldens flag and golden comparison."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(__file__).resolve().parent / "data" / "corpus"  # a copy of ../shared/corpus (reference documents)
EXAMPLES = ROOT / "examples"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
GOLDENS = Path(__file__).resolve().parent / "goldens"


def pytest_addoption(parser):
    parser.addoption(
        "--update-goldens",
        action="store_true",
        default=False,
        help="Rewrite golden files from the current output (review the diff before committing).",
    )


@pytest.fixture
def golden(request):
    """golden(path, text): compare text with a golden file, or rewrite it with --update-goldens."""
    update = request.config.getoption("--update-goldens")

    def check(path: Path, text: str) -> None:
        if update:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            return
        assert path.exists(), f"missing golden {path}; run pytest --update-goldens and review it"
        expected = path.read_text(encoding="utf-8")
        assert text == expected, (
            f"{path} differs; if the change is intended run pytest --update-goldens and review the diff"
        )

    return check


# Under CI=true a skip for a missing tool is a failure (see tooling.py).
from tooling import pytest_runtest_makereport  # noqa: E402,F401 - a pytest hook


# Mutation testing only (docs/testing.md, "Mutation testing"): inert unless
# benchmarks/mutation.py named a hits folder.  The functions that `phasec`
# subprocesses ran during mutmut's statistics run (written there by
# benchmarks/mutmut_hits/sitecustomize.py) are added to mutmut's record before
# its collector attributes the record to the test (tryfirst).
@pytest.hookimpl(tryfirst=True)
def pytest_runtest_teardown(item, nextitem):
    folder = os.environ.get("PHASEC_MUTMUT_HITS")
    if folder and os.environ.get("MUTANT_UNDER_TEST") == "stats":
        merge_subprocess_hits(Path(folder))


def merge_subprocess_hits(folder: Path) -> set[str]:
    """Move the names in the hits files of ``folder`` into mutmut's record; return them."""
    names: set[str] = set()
    for f in sorted(folder.glob("*.hits")):
        names.update(line for line in f.read_text(encoding="utf-8").splitlines() if line)
        f.unlink()
    if names:
        from mutmut.state import state

        state()._stats.update(names)
    return names
