"""`phasec lsp`: the language server over stdio."""

from __future__ import annotations


def register(app) -> None:
    """Add this module's command(s) to the typer app (not implemented yet)."""
