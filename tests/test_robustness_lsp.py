"""The language server survives bad clients: malformed JSON-RPC, unknown methods, a document
replaced by binary junk, 100 edits in a burst, a file deleted while open.

A raw JSON-RPC client over the real `python -m phasec lsp` (stdio): pytest-lsp's client
(tests/test_lsp.py) only sends well-formed messages.
"""

from __future__ import annotations

import json
import queue
import random
import subprocess
import sys
import threading
import time

import pytest
from conftest import EXAMPLES, ROOT

TEXT = (EXAMPLES / "phase-c.phc").read_text(encoding="utf-8")


class RawClient:
    def __init__(self):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "phasec", "lsp"],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self.messages: queue.Queue = queue.Queue()
        self.next_id = 100
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        out = self.proc.stdout
        while True:
            length = None
            while True:
                line = out.readline()
                if not line:
                    return
                if line in (b"\r\n", b"\n"):
                    break
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            body = out.read(length or 0)
            self.messages.put(json.loads(body))

    def raw(self, body: bytes, header: bytes | None = None) -> None:
        self.proc.stdin.write(header if header is not None else b"Content-Length: %d\r\n\r\n" % len(body))
        self.proc.stdin.write(body)
        self.proc.stdin.flush()

    def send(self, method: str, params=None, *, request: bool = True) -> int | None:
        msg = {"jsonrpc": "2.0", "method": method, "params": params if params is not None else {}}
        ident = None
        if request:
            self.next_id += 1
            ident = msg["id"] = self.next_id
        self.raw(json.dumps(msg).encode("utf-8"))
        return ident

    def wait(self, pred, timeout: float = 60.0) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                msg = self.messages.get(timeout=0.2)
            except queue.Empty:
                assert self.proc.poll() is None, f"the server exited: {self.proc.stderr.read().decode()[-3000:]}"
                continue
            if pred(msg):
                return msg
        raise AssertionError("no such message from the server")

    def response(self, ident: int, timeout: float = 60.0) -> dict:
        return self.wait(lambda m: m.get("id") == ident and "method" not in m, timeout)

    def diagnostics(self, uri: str, version: int, timeout: float = 60.0) -> list:
        msg = self.wait(
            lambda m: (
                m.get("method") == "textDocument/publishDiagnostics"
                and m["params"]["uri"] == uri
                and m["params"].get("version") == version
            ),
            timeout,
        )
        return msg["params"]["diagnostics"]

    def open(self, uri: str, text: str, version: int = 1) -> None:
        self.send(
            "textDocument/didOpen",
            {"textDocument": {"uri": uri, "languageId": "phasec", "version": version, "text": text}},
            request=False,
        )

    def change(self, uri: str, version: int, text: str) -> None:
        self.send(
            "textDocument/didChange",
            {"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]},
            request=False,
        )

    def alive(self) -> None:
        """The server still answers a request (a hover on the example)."""
        ident = self.send(
            "textDocument/hover", {"textDocument": {"uri": EXAMPLE_URI}, "position": {"line": 0, "character": 0}}
        )
        assert "error" not in self.response(ident)

    def close(self) -> int:
        ident = self.send("shutdown", None)
        self.response(ident)
        self.send("exit", None, request=False)
        return self.proc.wait(timeout=30)


EXAMPLE_URI = (EXAMPLES / "phase-c.phc").as_uri()


@pytest.fixture(scope="module")
def server():
    c = RawClient()
    ident = c.send("initialize", {"processId": None, "rootUri": ROOT.as_uri(), "capabilities": {}})
    c.response(ident)
    c.send("initialized", {}, request=False)
    c.open(EXAMPLE_URI, TEXT)
    c.diagnostics(EXAMPLE_URI, 1)
    yield c
    if c.proc.poll() is None:
        c.proc.kill()
        c.proc.wait()


def test_malformed_json_rpc_is_survived(server):
    server.raw(b"{this is not json")
    server.raw(b'{"jsonrpc": "2.0", "id": 7')  # truncated
    server.raw(b"[1, 2, 3]")
    server.raw(b'{"jsonrpc": "2.0", "method": 42}')
    server.raw(b'"a string"')
    server.raw(b'{"jsonrpc":"2.0","id":8,"method":"textDocument/hover","params":{"textDocument":7}}')
    server.alive()


def test_unknown_methods_get_method_not_found_and_unknown_notifications_are_ignored(server):
    ident = server.send("phasec/noSuchMethod", {"x": 1})
    reply = server.response(ident)
    assert reply["error"]["code"] == -32601
    server.send("phasec/noSuchNotification", {"x": 1}, request=False)
    server.send("$/cancelRequest", {"id": 99999}, request=False)
    server.alive()


def test_a_document_replaced_by_binary_junk(server, tmp_path):
    uri = (tmp_path / "junk.phc").as_uri()
    server.open(uri, TEXT)
    server.diagnostics(uri, 1)
    rng = random.Random(5)
    junk = bytes(rng.randrange(256) for _ in range(20_000)).decode("latin-1")
    server.change(uri, 2, junk)
    diags = server.diagnostics(uri, 2)
    assert diags and all(d["code"].startswith("PC") for d in diags)
    server.change(uri, 3, "\x00" * 1000 + "\ufffd\ud7ff" + "phase X {")
    server.diagnostics(uri, 3)
    ident = server.send("textDocument/hover", {"textDocument": {"uri": uri}, "position": {"line": 0, "character": 5}})
    assert "error" not in server.response(ident)
    server.alive()


def test_a_burst_of_100_edits_ends_with_the_diagnostics_of_the_last(server, tmp_path):
    uri = (tmp_path / "burst.phc").as_uri()
    server.open(uri, TEXT)
    server.diagnostics(uri, 1)
    broken = TEXT.replace("slice C1 ", "slice C1 {{ ", 1)
    for v in range(2, 102):
        server.change(uri, v, broken if v % 2 else TEXT)
    final = server.diagnostics(uri, 101)  # odd: the broken text
    assert any(d["code"].startswith("PC0") for d in final)
    server.change(uri, 102, TEXT)
    assert server.diagnostics(uri, 102) == []
    server.alive()


def test_a_file_deleted_while_open(server, tmp_path):
    f = tmp_path / "gone.phc"
    f.write_text(TEXT, encoding="utf-8")
    uri = f.as_uri()
    server.open(uri, TEXT)
    server.diagnostics(uri, 1)
    f.unlink()
    tmp_path.rmdir() if not any(tmp_path.iterdir()) else None
    server.send("workspace/didChangeWatchedFiles", {"changes": [{"uri": uri, "type": 3}]}, request=False)
    server.change(uri, 2, TEXT.replace("slice C1 ", "slice C1 {{ ", 1))
    assert server.diagnostics(uri, 2)
    server.send("textDocument/didSave", {"textDocument": {"uri": uri}}, request=False)
    for method, params in (
        ("textDocument/hover", {"position": {"line": 3, "character": 2}}),
        ("textDocument/definition", {"position": {"line": 3, "character": 2}}),
        ("textDocument/documentSymbol", {}),
        ("textDocument/formatting", {"options": {"tabSize": 2, "insertSpaces": True}}),
    ):
        ident = server.send(method, {"textDocument": {"uri": uri}, **params})
        reply = server.response(ident)
        assert "error" not in reply or reply["error"]["code"] != -32603, reply  # no internal error
    server.send("textDocument/didClose", {"textDocument": {"uri": uri}}, request=False)
    server.alive()


def test_requests_on_a_document_never_opened(server):
    uri = "file:///nonexistent/never-opened.phc"
    for method in ("textDocument/hover", "textDocument/completion"):
        ident = server.send(method, {"textDocument": {"uri": uri}, "position": {"line": 0, "character": 0}})
        reply = server.response(ident)
        assert "error" not in reply or reply["error"]["code"] != -32603, reply
    server.alive()


def test_the_server_shuts_down_cleanly_after_bad_input():
    c = RawClient()  # its own server: the shared one serves the other tests in any order
    try:
        ident = c.send("initialize", {"processId": None, "rootUri": ROOT.as_uri(), "capabilities": {}})
        c.response(ident)
        c.send("initialized", {}, request=False)
        c.raw(b"{this is not json")
        c.open(EXAMPLE_URI, "\x00\xff junk {{{")
        c.diagnostics(EXAMPLE_URI, 1)
        assert c.close() == 0
    finally:
        if c.proc.poll() is None:
            c.proc.kill()
            c.proc.wait()
