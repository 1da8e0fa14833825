"""The floor: a bare Lark LALR parse of a file with phasec's grammar and parser options, as a process.

    python benchmarks/bare_parse.py FILE

Imports only Lark (not phasec); the parser tables come from Lark's own cache
(``cache=True``, in the temporary folder), as phasec's come from its cache.
"""

from __future__ import annotations

import sys
from pathlib import Path

from lark import Lark

GRAMMAR = Path(__file__).resolve().parent.parent / "phasec" / "grammar" / "phasec.lark"


def main() -> None:
    parser = Lark(
        GRAMMAR.read_text(encoding="utf-8"),
        parser="lalr",
        lexer="basic",
        keep_all_tokens=True,
        maybe_placeholders=False,
        cache=True,
    )
    text = Path(sys.argv[1]).read_text(encoding="utf-8")
    parser.parse(text)


if __name__ == "__main__":
    main()
