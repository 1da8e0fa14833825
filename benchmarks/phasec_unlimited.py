"""``phasec`` with the read limit lifted, for the generated runbooks larger than it.

    python benchmarks/phasec_unlimited.py lint -f concise FILE
    python benchmarks/phasec_unlimited.py compile FILE --out DIR

The same console entry point as the ``phasec`` command (collector tuned, no
traceback), except that ``MAX_BYTES`` (PC010, 32 MB) is raised, for generated
runbooks beyond it (a realistic 10,000-slice runbook, ``generate.realistic(10000)``,
is about 15 MB and needs no lifting).
"""

from __future__ import annotations

import sys

import phasec.grammar.reading as reading
from phasec.cli.entry import run

if __name__ == "__main__":
    reading.MAX_BYTES = 1 << 30
    sys.argv = ["phasec", *sys.argv[1:]]
    run()
