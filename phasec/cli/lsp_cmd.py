"""`phasec lsp`: the language server over stdio."""

from __future__ import annotations

from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    """Add `phasec lsp` to the typer app."""

    @app.command("lsp")
    def lsp(
        stdio: Annotated[
            bool, typer.Option("--stdio", help="Talk LSP over stdin/stdout (the default and only transport).")
        ] = True,
        log_file: Annotated[
            str | None,
            typer.Option("--log-file", help="Write the server's log to this file (default: stderr, warnings only)."),
        ] = None,
        verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log debug messages.")] = False,
    ) -> None:
        """Start the language server (diagnostics, hover, definition, references, rename, symbols, completion, code actions)."""
        import logging

        level = logging.DEBUG if verbose else logging.WARNING
        if log_file:
            logging.basicConfig(filename=log_file, level=level, format="%(asctime)s %(name)s %(levelname)s %(message)s")
        else:
            logging.basicConfig(level=level, format="phasec lsp: %(name)s: %(levelname)s: %(message)s")
        from phasec.lsp.server import serve_stdio

        serve_stdio()
