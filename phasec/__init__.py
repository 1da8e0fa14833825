"""phasec: a compiler and linter for phase runbooks."""

#: The package version (pyproject.toml reads it from here: the one place to change it).
__version__ = "0.1.0"

#: The version of the runbook language this phasec reads (docs/language.md, §14 and its
#: "Compatibility"): 1 was the first language, 2 added the constructs of §14; every v1
#: runbook is a v2 runbook.  Bumped when the language changes; `phasec --version` shows it.
LANGUAGE_VERSION = 2
