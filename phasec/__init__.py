"""phasec: a compiler and linter for phase runbooks."""

__version__ = "0.1.0"
