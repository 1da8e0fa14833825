"""Shared test helpers: the --update-goldens flag and golden comparison."""

from __future__ import annotations

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
