"""The language server timed by a minimal client: JSON-RPC over the server's pipes, nothing else.

    python benchmarks/lsp_raw.py                    # Phase C, a one-line runbook, realistic 1,000 slices
    python benchmarks/lsp_raw.py --edits 15 --sizes 0   # no generated runbook

``bench_lsp.py`` drives the server with pygls' ``LanguageClient``, whose own reading,
JSON decoding and conversion of every message into lsprotocol objects (the
diagnostics included) happen before the client sees a reply: a few milliseconds
of the client's, not the server's, in its edit -> diagnostics figure.  This client
writes each ``didChange`` as bytes and reads the server's replies with a blocking
read of the pipe on its own thread, decoding each message body with ``json.loads``
only; the clock stops when the body of the ``publishDiagnostics`` of the edited
version has been read, before it is decoded.  Same edits as ``bench_lsp.py``
(one character inside the first slice's title, 0.3 s apart, debounce 0).

A one-line runbook (``slice s "t"``) gives the *transport floor*: the round trip of
an edit whose analysis costs almost nothing (the server's own report, ``timings``,
says how much).  Phase C's figure minus the floor is what the analysis and the
server's handling of a larger document add.
"""

from __future__ import annotations

import argparse
import json
import queue
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

#: The one-line runbook of the transport floor.
FLOOR_TEXT = 'slice s "t"\n'


class RawClient:
    """A language-server client of a few lines: framed JSON-RPC written and read as bytes."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "phasec", "lsp"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            bufsize=0,
        )
        self.inbox: queue.Queue = queue.Queue()
        self.ids = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        out = self.proc.stdout
        assert out is not None
        while True:
            length = None
            while True:
                line = out.readline()
                if not line:
                    self.inbox.put((time.perf_counter(), None))
                    return
                if line in (b"\r\n", b"\n"):
                    break
                name, _, value = line.decode("ascii").partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value)
            assert length is not None
            body = b""
            while len(body) < length:
                chunk = out.read(length - len(body))
                if not chunk:
                    return
                body += chunk
            self.inbox.put((time.perf_counter(), body))

    def send(self, method: str, params: object, request: bool = False) -> int | None:
        msg: dict = {"jsonrpc": "2.0", "method": method, "params": params}
        rid = None
        if request:
            self.ids += 1
            rid = msg["id"] = self.ids
        body = json.dumps(msg).encode("utf-8")
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        return rid

    def until(self, pred, timeout: float = 120.0) -> tuple[float, dict]:
        """(arrival time, message) of the first message ``pred`` accepts."""
        deadline = time.perf_counter() + timeout
        while True:
            at, body = self.inbox.get(timeout=max(deadline - time.perf_counter(), 0.001))
            if body is None:
                raise RuntimeError("the server closed its output")
            msg = json.loads(body)
            if pred(msg):
                return at, msg

    def start(self) -> None:
        rid = self.send(
            "initialize",
            {
                "processId": None,
                "rootUri": None,
                "capabilities": {},
                "initializationOptions": {"debounceMs": 0, "timings": True},
            },
            request=True,
        )
        self.until(lambda m: m.get("id") == rid)
        self.send("initialized", {})

    def stop(self) -> None:
        rid = self.send("shutdown", None, request=True)
        self.until(lambda m: m.get("id") == rid)
        self.send("exit", None)
        self.proc.wait(timeout=30)

    def timings(self, uri: str, version: int) -> dict:
        def pred(m: dict) -> bool:
            msg = m.get("params", {}).get("message", "") if m.get("method") == "window/logMessage" else ""
            return msg.startswith("phasec-timings ") and json.loads(msg.split(" ", 1)[1]).get("version") == version

        _, m = self.until(pred)
        return json.loads(m["params"]["message"].split(" ", 1)[1])

    def run(self, name: str, text: str, path: Path, edits: int) -> dict:
        """Median figures of ``edits`` one-character edits in the first slice's title."""
        uri = path.as_uri()
        path.write_text(text, encoding="utf-8")

        def published(version: int):
            return lambda m: (
                m.get("method") == "textDocument/publishDiagnostics"
                and m["params"]["uri"] == uri
                and m["params"].get("version") == version
            )

        self.send(
            "textDocument/didOpen",
            {"textDocument": {"uri": uri, "languageId": "phasec", "version": 1, "text": text}},
        )
        self.until(published(1))
        self.timings(uri, 1)
        lines = text.split("\n")
        line = next(i for i, ln in enumerate(lines) if ln.startswith("slice "))
        col = lines[line].index('"') + 1
        rows = []
        t: dict = {}
        for n in range(edits):
            time.sleep(0.3)
            version = n + 2
            pos = {"line": line, "character": col}
            sent = time.perf_counter()
            self.send(
                "textDocument/didChange",
                {
                    "textDocument": {"uri": uri, "version": version},
                    "contentChanges": [{"range": {"start": pos, "end": pos}, "text": "x"}],
                },
            )
            got, _ = self.until(published(version))
            t = self.timings(uri, version)
            rows.append(((got - sent) * 1000, t["change_to_publish_ms"], t["analyze_cpu_ms"]))
        self.send("textDocument/didClose", {"textDocument": {"uri": uri}})
        rt, cp, cpu = (statistics.median(c) for c in zip(*rows, strict=True))
        return {
            "input": name,
            "round_trip": rt,
            "change_to_publish": cp,
            "analyze_cpu": cpu,
            "all_round_trips": [r[0] for r in rows],
            "last_timings": t,
        }


def measure(inputs: list[tuple[str, str]], edits: int) -> list[dict]:
    client = RawClient()
    client.start()
    out = []
    try:
        with tempfile.TemporaryDirectory() as d:
            for i, (name, text) in enumerate(inputs):
                out.append(client.run(name, text, Path(d) / f"raw{i}.phc", edits))
    finally:
        client.stop()
    return out


def main() -> None:
    import generate

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--edits", type=int, default=9)
    ap.add_argument("--sizes", default="1000", help="realistic generated runbooks (0: none)")
    args = ap.parse_args()
    inputs = [
        ("one-line runbook (floor)", FLOOR_TEXT),
        ("examples/phase-c.phc", (ROOT / "examples" / "phase-c.phc").read_text(encoding="utf-8")),
    ]
    inputs += [(f"realistic {n:,} slices", generate.realistic(n)) for n in (int(s) for s in args.sizes.split(",")) if n]
    for r in measure(inputs, args.edits):
        print(
            f"{r['input']:<28} edit->diagnostics {r['round_trip']:6.1f} ms  (in the server {r['change_to_publish']:.1f}, "
            f"analysis CPU {r['analyze_cpu']:.1f})"
        )


if __name__ == "__main__":
    main()
