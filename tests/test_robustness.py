"""No input produces an exception: random text and mutated real runbooks."""

from __future__ import annotations

from conftest import EXAMPLES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from phasec.compiler.pipeline import analyze

EXAMPLE = (EXAMPLES / "phase-c.phc").read_text()
ALPHABET = st.sampled_from(
    list('abcCPI019 _-.@#{};"\\\n\t=`$é😀') + ["slice", "phase", "after", "gate", '"""', "{\n", "}\n"]
)


def check_ok(text: str) -> None:
    res = analyze(text, "fuzz.phc")
    lines = text.count("\n") + 1
    for d in res.diagnostics:
        assert 1 <= d.span.line <= lines + 1, d
        assert d.span.column >= 1
        assert d.message and d.code.startswith("PC")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ALPHABET, max_size=80).map("".join))
def test_random_text_never_raises(text):
    check_ok(text)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, len(EXAMPLE)), st.integers(0, 40), st.lists(ALPHABET, max_size=4).map("".join))
def test_mutated_example_never_raises(pos, cut, insert):
    check_ok(EXAMPLE[:pos] + insert + EXAMPLE[pos + cut :])


def test_empty_and_whitespace_files():
    for text in ("", "\n", "   \n\t\n", "# only a comment", "#"):
        res = analyze(text, "e.phc")
        assert [d.code for d in res.diagnostics] == ["PC109"]  # a phase is required
