"""The language server, end to end: the real `python -m phasec lsp` over stdio (pytest-lsp).

One server serves the whole module (module-scoped client); documents are opened
with their real text.  The client declares VS Code's capabilities, so positions
are UTF-16 code units.  A few in-process tests at the end cover the pieces that
an end-to-end run cannot reach (other position encodings, a diagnostic's fix).
"""

import asyncio
import re
import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pygls.protocol import default_converter
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

ROOT = Path(__file__).resolve().parent.parent
PHASE_C = ROOT / "examples" / "phase-c.phc"
PHASE_C_URI = PHASE_C.as_uri()
PHASE_C_TEXT = PHASE_C.read_text(encoding="utf-8")

#: The end-to-end tests share the module's server and event loop.
e2e = pytest.mark.asyncio(loop_scope="module")


# -- the client -------------------------------------------------------------------


def _make_client() -> LanguageClient:
    """pytest-lsp's test client, also recording every publishDiagnostics with its version."""
    client = LanguageClient(converter_factory=default_converter)
    client.published = []

    def publish(c: LanguageClient, params: types.PublishDiagnosticsParams) -> None:
        c.diagnostics[params.uri] = params.diagnostics
        c.published.append(params)

    features = dict(DEFAULT_CLIENT_FEATURES)
    features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = publish
    register_lsp_features(client, features)
    return client


VERSIONS: dict[str, int] = {}


@pytest_lsp.fixture(
    scope="module",
    config=ClientServerConfig(server_command=[sys.executable, "-m", "phasec", "lsp"], client_factory=_make_client),
)
async def client(lsp_client: LanguageClient):
    await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=client_capabilities("visual-studio-code"),
            root_uri=ROOT.as_uri(),
        )
    )
    await open_doc(lsp_client, PHASE_C_URI, PHASE_C_TEXT)
    yield
    await lsp_client.shutdown_session()


async def open_doc(client: LanguageClient, uri: str, text: str) -> list[types.Diagnostic]:
    VERSIONS[uri] = 1
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id="phasec", version=1, text=text)
        )
    )
    return await published(client, uri, 1)


async def change(client: LanguageClient, uri: str, changes: list, wait: bool = True):
    VERSIONS[uri] += 1
    version = VERSIONS[uri]
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=changes,
        )
    )
    if wait:
        return await published(client, uri, version)
    return version


def whole(text: str) -> types.TextDocumentContentChangeWholeDocument:
    return types.TextDocumentContentChangeWholeDocument(text=text)


def edit(range_: types.Range, text: str) -> types.TextDocumentContentChangePartial:
    return types.TextDocumentContentChangePartial(range=range_, text=text)


async def published(client: LanguageClient, uri: str, version: int | None, timeout: float = 20.0):
    """Wait for diagnostics of ``uri`` at ``version`` (None: any publication after now)."""
    start = len(client.published)
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        for p in client.published[0 if version is not None else start :]:
            if p.uri == uri and (version is None or p.version == version):
                return list(p.diagnostics)
        await asyncio.sleep(0.01)
    raise AssertionError(f"no diagnostics published for {uri} version {version}")


# -- positions in the test texts (UTF-16, as the client counts) ---------------------


def utf16(s: str) -> int:
    return len(s.encode("utf-16-le")) // 2


def find(text: str, line_contains: str, needle: str, nth: int = 0) -> types.Position:
    """The UTF-16 position of the ``nth`` ``needle`` on the first line containing ``line_contains``."""
    for i, line in enumerate(text.split("\n")):
        if line_contains in line:
            col = -1
            for _ in range(nth + 1):
                col = line.index(needle, col + 1)
            return types.Position(line=i, character=utf16(line[:col]))
    raise AssertionError(f"no line contains {line_contains!r}")


def inside(p: types.Position, n: int = 1) -> types.Position:
    return types.Position(line=p.line, character=p.character + n)


_STRING = re.compile(r'"(?:\\.|[^"\\])*"')


def token_lines(text: str, token: str) -> list[int]:
    """0-based lines where ``token`` appears as a value or keyword (not in strings or comments)."""
    out = []
    for i, line in enumerate(text.split("\n")):
        code = _STRING.sub(" ", line).split("#", 1)[0]
        out.extend(i for t in re.split(r"[\s{};]+", code) if t == token)
    return out


def apply_edits(text: str, edits: list[types.TextEdit]) -> str:
    lines = text.split("\n")

    def offset(p: types.Position) -> int:
        line = lines[p.line]
        units, col = 0, 0
        while col < len(line) and units < p.character:
            units += 2 if ord(line[col]) > 0xFFFF else 1
            col += 1
        return sum(len(x) + 1 for x in lines[: p.line]) + col

    for e in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        a, b = offset(e.range.start), offset(e.range.end)
        text = text[:a] + e.new_text + text[b:]
    return text


def edits_of(ws: types.WorkspaceEdit, uri: str) -> list[types.TextEdit]:
    if ws.document_changes:
        return [e for dc in ws.document_changes if dc.text_document.uri == uri for e in dc.edits]
    return list((ws.changes or {}).get(uri, []))


def hover_text(h: types.Hover | None) -> str:
    assert h is not None
    return h.contents.value


# -- diagnostics ----------------------------------------------------------------------

CLEAN = """phase X "Fine" {
}
owners {
  owner @team "Team"
}
team {
  max_active 2
  agent A1 "does it"
}
slice X1 "one" {
  agent A1
  owner @team
}
slice X2 "two" {
  agent A1
  owner @team
  after X1
}
"""
CYCLE = CLEAN.replace('slice X1 "one" {\n', 'slice X1 "one" {\n  after X2\n')


@e2e
async def test_diagnostics_published_for_a_broken_document_and_cleared_after_a_fix(client, tmp_path):
    uri = (tmp_path / "cycle.phc").as_uri()
    diags = await open_doc(client, uri, CYCLE)
    cycle = [d for d in diags if d.code == "PC301"]
    assert len(cycle) == 1, diags
    d = cycle[0]
    assert d.severity == types.DiagnosticSeverity.Error
    assert d.source == "phasec"
    assert d.range.start == types.Position(line=10, character=8)  # `X2` in `after X2`
    # Every edge of the cycle is related information, with its own location and message.
    related = d.related_information or []
    assert [r.location.range.start.line for r in related] == [10, 17]
    assert all(r.location.uri == uri and r.message for r in related)
    # The help line is in the message and in data.
    assert "\nhelp: " in d.message
    assert d.data["help"] in d.message

    # Fix it with an incremental edit: delete the line `  after X2`.
    fixed = await change(
        client,
        uri,
        [edit(types.Range(start=types.Position(line=10, character=0), end=types.Position(line=11, character=0)), "")],
    )
    assert fixed == []
    assert list(client.diagnostics[uri]) == []

    # Closing clears the document's diagnostics.
    await change(client, uri, [whole(CYCLE)])
    assert client.diagnostics[uri]
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    assert await published(client, uri, None) == []


@e2e
async def test_changes_are_debounced_and_the_latest_version_wins(client, tmp_path):
    uri = (tmp_path / "typing.phc").as_uri()
    await open_doc(client, uri, CLEAN)
    before = len(client.published)
    # Five quick edits: the middle ones are never analysed on their own.
    texts = [CLEAN.replace("max_active 2", f"max_active {n}") for n in (3, 4, 5, 6)] + [
        CLEAN.replace("after X1", "after X7")
    ]
    for t in texts:
        last = await change(client, uri, [whole(t)], wait=False)
    diags = await published(client, uri, last)
    assert [d.code for d in diags] == ["PC202"]
    assert "did you mean `X1`?" in diags[0].message
    versions = [p.version for p in client.published[before:] if p.uri == uri]
    assert versions == [last]


@e2e
async def test_configuration_is_the_clis(client, tmp_path):
    """`phasec.toml` / `[tool.phasec]` found upward from the file, as `phasec lint` finds it."""
    (tmp_path / "phasec.toml").write_text('[severity]\nPC606 = "error"\n')
    uri = (tmp_path / "sub" / "backup.phc").as_uri()
    text = CLEAN.replace('owner @team "Team"', 'owner @team "Team" backup @team')
    diags = await open_doc(client, uri, text)
    assert [(d.code, d.severity) for d in diags] == [("PC606", types.DiagnosticSeverity.Error)]
    # A broken configuration is reported on line 1 and the defaults apply (re-read on save).
    (tmp_path / "phasec.toml").write_text('select = "PC6"\n')
    client.text_document_did_save(types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri)))
    diags = await published(client, uri, None)
    assert [(d.code, d.severity) for d in diags] == [
        ("config", types.DiagnosticSeverity.Error),
        ("PC606", types.DiagnosticSeverity.Warning),
    ]
    assert "`select` must be a list" in diags[0].message


@e2e
async def test_phase_c_is_clean(client):
    assert list(client.diagnostics[PHASE_C_URI]) == []


# -- hover ------------------------------------------------------------------------------


@e2e
async def test_hover_agent_reference_and_declaration(client):
    ref = find(PHASE_C_TEXT, "  agent I1", "I1")  # inside slice C1
    text = hover_text(
        await client.text_document_hover_async(
            types.HoverParams(text_document=types.TextDocumentIdentifier(uri=PHASE_C_URI), position=inside(ref))
        )
    )
    assert "**agent `I1`** — C1 + C4 runtime implementation owner" in text
    assert "wave `runtime`" in text
    assert "`C1` Cross-instance storage-lock redesign" in text and "`C4`" in text  # slices it executes
    assert "stage `2` step 1: C1: Cross-Instance Storage-Lock Redesign" in text  # steps it executes
    decl = find(PHASE_C_TEXT, 'agent I1 "C1 + C4', "I1")
    h = await client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=PHASE_C_URI), position=decl)
    )
    assert hover_text(h) == text
    assert h.range == types.Range(start=decl, end=inside(decl, 2))


@e2e
async def test_hover_slice_gate_owner_artifact_stage_branch(client):
    async def hover_at(line_contains: str, needle: str, nth: int = 0) -> str:
        p = find(PHASE_C_TEXT, line_contains, needle, nth)
        return hover_text(
            await client.text_document_hover_async(
                types.HoverParams(text_document=types.TextDocumentIdentifier(uri=PHASE_C_URI), position=inside(p))
            )
        )

    s = await hover_at("  after C0", "C0")
    assert "**slice `C0`** — Phase C planning packet and gate contract" in s
    assert "**owner:** `@rawr-phase-sequencing`" in s and "**backup:** `@rawr-architecture-duty`" in s
    assert "stage `1`" in s and "**needed by:** `C1`" in s
    c1 = await hover_at('slice C1 "Cross', "C1")
    assert "**after:** `C0`" in c1 and "**gate `quick`:** `c1_quick`" in c1 and "stage `2`" in c1

    g = await hover_at("  gate quick c1_quick", "c1_quick")
    assert "runs as `bun run phase-c:c1:quick`" in g
    assert "use `drift_core` → `bun run phase-c:gate:drift-core`" in g
    assert "bun scripts/phase-c/verify-storage-lock-contract.mjs" in g  # expanded through the suite
    assert "**defined by:** `C1` Cross-instance storage-lock redesign" in g

    o = await hover_at("owner @rawr-runtime-host backup @rawr-platform-duty", "@rawr-runtime-host")
    assert "**owner `@rawr-runtime-host`** — Runtime host (C1 storage lock)" in o
    assert "backup: `@rawr-platform-duty`" in o and "**accountable for:** `C1`" in o

    a = await hover_at("  requires C4_DISPOSITION", "C4_DISPOSITION")
    assert "**artifact `C4_DISPOSITION`** — `C4_DISPOSITION.md`" in a
    assert "**produced by:** slice `C4`" in a and "**required by:** `C5`" in a

    st = await hover_at("stages 2 3 4 5 6", "2")
    assert "**stage `2`** — Core Runtime Implementation" in st and "**covers:**" in st

    b = await hover_at("  slice_base runtime", "runtime")
    assert "**branch `runtime`** — `codex/phase-c-runtime-implementation`" in b and "**from:** `planning`" in b

    kw = await hover_at("  after C0", "after")
    assert "after slices:@slice+ [if_triggered]" in kw


# -- definition and references --------------------------------------------------------------


@e2e
async def test_definition_of_every_kind(client):
    cases = [
        ("  after C1 C2 C3", "C2", 'slice C2 "Telemetry', "C2"),  # slice
        ("  agent I4A", "I4A", 'agent I4A "Structural', "I4A"),  # agent
        ("  gate full c1_full", "c1_full", "gate c1_full {", "c1_full"),  # gate
        (
            "  gate closure blocking_high_findings_closed",
            "blocking_high_findings_closed",
            "check blocking_high_findings_closed",
            "blocking_high_findings_closed",
        ),  # check
        ("    stages 1 1.5", "1.5", 'stage 1.5 "Grounding', "1.5"),  # stage
        (
            "  owner @rawr-docs-maintainer backup",
            "@rawr-release-duty",
            'owner @rawr-release-duty "Release',
            "@rawr-release-duty",
        ),
        ("  defer_record C7 artifact", "C7_PHASE_D_READINESS", "artifact C7_PHASE_D_READINESS", "C7_PHASE_D_READINESS"),
        ("  gate assess c4_assess", "assess", 'cadence assess "Trigger', "assess"),  # cadence
        ("  clean parent planning runtime", "planning", 'branch planning "codex', "planning"),  # branch
        ("  lens naming file_boundaries", "file_boundaries", 'lens file_boundaries "File', "file_boundaries"),
    ]
    for line, needle, decl_line, decl_needle in cases:
        p = find(PHASE_C_TEXT, line, needle)
        locs = await client.text_document_definition_async(
            types.DefinitionParams(text_document=types.TextDocumentIdentifier(uri=PHASE_C_URI), position=inside(p))
        )
        want = find(PHASE_C_TEXT, decl_line, decl_needle)
        assert locs and len(locs) == 1, (needle, locs)
        assert locs[0].uri == PHASE_C_URI
        assert locs[0].range.start == want, (needle, locs[0].range, want)
        assert locs[0].range.end == types.Position(line=want.line, character=want.character + utf16(decl_needle))


@e2e
async def test_references_of_a_slice_and_of_an_owner(client):
    p = find(PHASE_C_TEXT, 'slice C1 "Cross', "C1")
    locs = await client.text_document_references_async(
        types.ReferenceParams(
            text_document=types.TextDocumentIdentifier(uri=PHASE_C_URI),
            position=inside(p),
            context=types.ReferenceContext(include_declaration=True),
        )
    )
    assert sorted(loc.range.start.line for loc in locs) == token_lines(PHASE_C_TEXT, "C1")
    without = await client.text_document_references_async(
        types.ReferenceParams(
            text_document=types.TextDocumentIdentifier(uri=PHASE_C_URI),
            position=inside(p),
            context=types.ReferenceContext(include_declaration=False),
        )
    )
    assert len(without) == len(locs) - 1

    p = find(PHASE_C_TEXT, "owner @rawr-review-closure backup", "@rawr-review-closure")
    locs = await client.text_document_references_async(
        types.ReferenceParams(
            text_document=types.TextDocumentIdentifier(uri=PHASE_C_URI),
            position=inside(p),
            context=types.ReferenceContext(include_declaration=True),
        )
    )
    assert sorted(loc.range.start.line for loc in locs) == token_lines(PHASE_C_TEXT, "@rawr-review-closure")


# -- rename ---------------------------------------------------------------------------------


@e2e
async def test_rename_a_gate_everywhere(client):
    from phasec.compiler.pipeline import analyze

    p = find(PHASE_C_TEXT, "  use drift_core c1_storage_lock_static", "drift_core")
    prep = await client.text_document_prepare_rename_async(
        types.PrepareRenameParams(text_document=types.TextDocumentIdentifier(uri=PHASE_C_URI), position=inside(p))
    )
    assert prep.placeholder == "drift_core"
    ws = await client.text_document_rename_async(
        types.RenameParams(
            text_document=types.TextDocumentIdentifier(uri=PHASE_C_URI), position=inside(p), new_name="drift_baseline"
        )
    )
    edits = edits_of(ws, PHASE_C_URI)
    assert sorted(e.range.start.line for e in edits) == token_lines(PHASE_C_TEXT, "drift_core")
    renamed = apply_edits(PHASE_C_TEXT, edits)
    assert token_lines(renamed, "drift_core") == []
    assert analyze(renamed, str(PHASE_C)).diagnostics == []
    assert '"phase-c:gate:drift-core"' in renamed  # strings are left alone


@e2e
async def test_rename_an_owner_handle(client):
    p = find(PHASE_C_TEXT, 'owner @rawr-platform-duty "Platform', "@rawr-platform-duty")
    ws = await client.text_document_rename_async(
        types.RenameParams(
            text_document=types.TextDocumentIdentifier(uri=PHASE_C_URI),
            position=inside(p),
            new_name="@rawr-platform-oncall",
        )
    )
    edits = edits_of(ws, PHASE_C_URI)
    assert sorted(e.range.start.line for e in edits) == token_lines(PHASE_C_TEXT, "@rawr-platform-duty")
    assert {e.new_text for e in edits} == {"@rawr-platform-oncall"}


@pytest.mark.parametrize(
    "line, needle, new_name, why",
    [
        ('owner @rawr-platform-duty "Platform', "@rawr-platform-duty", "rawr-platform-oncall", "must start with `@`"),
        ('slice C5 "Independent', "C5", "C 5", "not a valid slice id"),
        ('slice C5 "Independent', "C5", "@C5", "owner handle"),
        ('slice C5 "Independent', "C5", "C6", "already exists"),
        ("  after C4 if_triggered", "C4", "if_triggered", "would read differently"),
    ],
)
@e2e
async def test_rename_rejects_invalid_names(client, line, needle, new_name, why):
    p = find(PHASE_C_TEXT, line, needle)
    with pytest.raises(JsonRpcException) as exc:
        await client.text_document_rename_async(
            types.RenameParams(
                text_document=types.TextDocumentIdentifier(uri=PHASE_C_URI), position=inside(p), new_name=new_name
            )
        )
    assert why in str(exc.value)


# -- symbols and completion --------------------------------------------------------------------


@e2e
async def test_document_symbols_outline(client):
    syms = await client.text_document_document_symbol_async(
        types.DocumentSymbolParams(text_document=types.TextDocumentIdentifier(uri=PHASE_C_URI))
    )
    by_name = {s.name: s for s in syms}
    for name in (
        "phase C",
        "repo",
        "team",
        "protocol",
        "owners",
        "outputs runtime",
        "stage 1.5",
        "exit",
        "C0",
        "C4",
        "C7",
        "c1_quick",
        "blocking_high_findings_closed",
        "quick",
        "typescript",
    ):
        assert name in by_name, name
    team = by_name["team"]
    waves = {w.name: w for w in team.children}
    assert [a.name for a in waves["planning"].children] == ["P1", "P2", "P3", "P4"]
    assert "I4A" in [a.name for a in waves["runtime"].children]
    assert [b.name for b in by_name["repo"].children] == ["parent", "planning", "runtime"]
    assert [t.name for t in by_name["C4"].children] == ["d009", "d010"]
    assert "C4_DISPOSITION" in [a.name for a in by_name["outputs runtime"].children]
    stage1 = by_name["stage 1"]
    assert stage1.children[0].name == "parallel" and len(stage1.children[0].children) == 3
    c1 = by_name["C1"]
    assert c1.selection_range.start == find(PHASE_C_TEXT, 'slice C1 "Cross', "C1")
    assert c1.range.start.line <= c1.selection_range.start.line <= c1.range.end.line
    lines = [s.range.start.line for s in syms]
    assert lines == sorted(lines)


@e2e
async def test_completion_of_ids_by_expected_kind_and_of_keywords(client):
    async def labels(position: types.Position) -> list[str]:
        result = await client.text_document_completion_async(
            types.CompletionParams(text_document=types.TextDocumentIdentifier(uri=PHASE_C_URI), position=position)
        )
        items = result.items if isinstance(result, types.CompletionList) else result
        return [i.label for i in items]

    # `file "..." when |triggered` in C4: the words the parameter allows, nothing else.
    got = await labels(find(PHASE_C_TEXT, 'DECISIONS.md" when triggered', "triggered"))
    assert set(got) == {"triggered", "deferred"}
    # `after |C1 C2 C3` in C4: slices, and not C4 itself.
    got = await labels(find(PHASE_C_TEXT, "  after C1 C2 C3", "C1"))
    assert {"C0", "C1", "C5A", "C7"} <= set(got) and "C4" not in got and "I1" not in got
    # `backup |@rawr-...`: owner handles, agents or roles (an owner may be an agent); never slices or gates.
    got = await labels(find(PHASE_C_TEXT, "owner @rawr-review-closure backup", "@rawr-verification-gates"))
    assert "@rawr-platform-duty" in got and "I1" in got
    assert "C1" not in got and "drift_core" not in got
    # `gate quick |c1_quick`: gates (and checks), not cadences.
    got = await labels(find(PHASE_C_TEXT, "  gate quick c1_quick", "c1_quick"))
    assert "drift_core" in got and "blocking_high_findings_closed" in got and "full" not in got
    # `step "..." by |I1 for C1` in a stage: agents.
    got = await labels(find(PHASE_C_TEXT, 'step "C1: Cross-Instance', "I1"))
    assert {"I1", "P4"} <= set(got) and "C1" not in got
    # `step "..." by I1 |for C1`: the remaining clause words.
    got = await labels(find(PHASE_C_TEXT, 'step "C1: Cross-Instance', "for"))
    assert {"for", "produces", "submits"} <= set(got)
    # A keyword at the start of a line in slice C5: the slice statements not given yet.
    got = await labels(find(PHASE_C_TEXT, "  requires C4_DISPOSITION", "requires"))
    assert {"requires", "branch", "lens", "gate", "signal"} <= set(got)
    assert "kind" not in got and "max_active" not in got and "slice" not in got  # given once already / elsewhere
    # Inside a string: nothing.
    assert await labels(inside(find(PHASE_C_TEXT, '  accept "Re-review green', "Re-review"), 3)) == []


# -- code actions ------------------------------------------------------------------------------------


@e2e
async def test_code_action_inserts_a_suppression_comment(client):
    # Make C1's backup its owner: PC606 (warning).
    p = find(PHASE_C_TEXT, "  owner @rawr-runtime-host backup @rawr-platform-duty", "@rawr-platform-duty")
    rng = types.Range(start=p, end=inside(p, len("@rawr-platform-duty")))
    diags = await change(client, PHASE_C_URI, [edit(rng, "@rawr-runtime-host")])
    warn = [d for d in diags if d.code == "PC606"]
    assert len(warn) == 1 and warn[0].severity == types.DiagnosticSeverity.Warning
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=PHASE_C_URI),
            range=warn[0].range,
            context=types.CodeActionContext(diagnostics=warn),
        )
    )
    suppress = [a for a in actions if a.title.startswith("Suppress PC606")]
    assert len(suppress) == 1 and suppress[0].kind == types.CodeActionKind.QuickFix
    # The rule's own fix (remove the backup clause) is offered too, not as the preferred one: it is not safe.
    fixes = [a for a in actions if a.title.startswith("Fix PC606")]
    assert len(fixes) == 1 and not fixes[0].is_preferred
    edits = edits_of(suppress[0].edit, PHASE_C_URI)
    assert len(edits) == 1 and edits[0].new_text == "  # phasec: ignore[PC606] -- reason"
    # Apply it as the editor would: the warning is gone and the suppression is used.
    assert await change(client, PHASE_C_URI, [edit(edits[0].range, edits[0].new_text)]) == []
    # Restore the real text.
    assert await change(client, PHASE_C_URI, [whole(PHASE_C_TEXT)]) == []


@e2e
async def test_code_action_applies_a_diagnostic_fix(client, tmp_path):
    # `XX1` is one edit away from `X1` only: PC202 comes with a fix (replace it).
    uri = (tmp_path / "typo.phc").as_uri()
    text = CLEAN.replace("after X1", "after XX1")
    diags = await open_doc(client, uri, text)
    assert [d.code for d in diags] == ["PC202"] and diags[0].data.get("fix")
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=diags[0].range,
            context=types.CodeActionContext(diagnostics=diags),
        )
    )
    # The fix, and no suppression: front-end errors cannot be suppressed.
    assert [a.title.split(":")[0] for a in actions] == ["Fix PC202"]
    ws = actions[0].edit
    assert ws.document_changes[0].text_document.version == VERSIONS[uri]
    edits = edits_of(ws, uri)
    assert apply_edits(text, edits) == CLEAN
    assert await change(client, uri, [edit(e.range, e.new_text) for e in edits]) == []


# -- UTF-16 -----------------------------------------------------------------------------------------

UNICODE = """phase X "Ünïcödé 😀 runbook" {
}
owners {
  owner @team "Team 🚀"
}
team {
  max_active 2
  agent A1 "does it"
}
slice X1 "один 🚀" {
  agent A1
  owner @team
}
slice X2 "два 😀😀" { agent A1; owner @team; after X1 }
slice X3 "три 🐍" { agent A1; owner @team; after X9 }
"""


@e2e
async def test_positions_are_utf16_code_units(client, tmp_path):
    uri = (tmp_path / "unicode.phc").as_uri()
    diags = await open_doc(client, uri, UNICODE)
    # The unknown `X9` comes after Cyrillic text and an emoji (two UTF-16 units) on its line.
    line = UNICODE.split("\n")[14]
    col = line.index("X9")
    assert [d.code for d in diags] == ["PC202"]
    assert diags[0].range == types.Range(
        start=types.Position(line=14, character=utf16(line[:col])),
        end=types.Position(line=14, character=utf16(line[:col]) + 2),
    )
    assert utf16(line[:col]) == col + 1  # one emoji before it

    # Hover and definition on `X1` after two emoji.
    ref = find(UNICODE, 'slice X2 "два', "X1")
    h = await client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=inside(ref))
    )
    assert "**slice `X1`** — один 🚀" in hover_text(h)
    assert h.range == types.Range(start=ref, end=inside(ref, 2))
    locs = await client.text_document_definition_async(
        types.DefinitionParams(text_document=types.TextDocumentIdentifier(uri=uri), position=inside(ref))
    )
    assert locs[0].range.start == find(UNICODE, 'slice X1 "один', "X1")
    # A position at the emoji's last code unit is the same character, not the next token.
    emoji = find(UNICODE, 'slice X2 "два', "😀", 1)
    assert (
        await client.text_document_hover_async(
            types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=inside(emoji))
        )
        is None
    )

    # Rename edits land on UTF-16 ranges.
    ws = await client.text_document_rename_async(
        types.RenameParams(text_document=types.TextDocumentIdentifier(uri=uri), position=ref, new_name="X1a")
    )
    renamed = apply_edits(UNICODE, edits_of(ws, uri))
    assert 'slice X1a "один 🚀"' in renamed and "after X1a }" in renamed

    # Incremental edits after the emoji, then completion there.
    fix_at = find(UNICODE, 'slice X3 "три', "X9")
    assert await change(client, uri, [edit(types.Range(start=fix_at, end=inside(fix_at, 2)), "X2")]) == []
    add_at = find(UNICODE, 'slice X3 "три', "}")
    await change(client, uri, [edit(types.Range(start=add_at, end=add_at), "; after ")], wait=False)
    result = await client.text_document_completion_async(
        types.CompletionParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=inside(add_at, len("; after "))
        )
    )
    items = result.items if isinstance(result, types.CompletionList) else result
    assert {"X1", "X2"} <= {i.label for i in items}
    x1 = next(i for i in items if i.label == "X1")
    assert x1.text_edit.range.start == inside(add_at, len("; after "))


# -- in-process: encodings and fixes --------------------------------------------------------------


def test_position_mapper_round_trips_in_every_encoding():
    from phasec.lsp.positions import PositionMapper

    text = 'slice X2 "a😀é" { after X1 }\n'
    col = text.index("X1") + 1  # 1-based code points
    for enc, want in (("utf-16", col - 1 + 1), ("utf-32", col - 1), ("utf-8", col - 1 + 4)):
        m = PositionMapper(text, enc)
        p = m.position(1, col)
        assert p.character == want, enc
        assert m.to_point(p) == (1, col)
    # Inside a surrogate pair: the character's start.
    m = PositionMapper(text, "utf-16")
    e = text.index("😀")
    assert m.to_point(types.Position(line=0, character=e + 1)) == (1, e + 1)


def test_fix_action_converts_edit_ranges_to_utf16_and_is_versioned():
    from phasec.compiler.diagnostics import Diagnostic, Edit, Fix, Severity
    from phasec.lsp import actions
    from phasec.lsp.analysis import build_snapshot
    from phasec.lsp.diagnostics import to_lsp_diagnostic

    snap = build_snapshot("file:///tmp/fix.phc", UNICODE, 7)
    # A diagnostic with a fix on the line with emoji (rules gain fixes over time; this one is made up).
    line = UNICODE.split("\n")[14]
    col = line.index("X9") + 1
    span = snap.diagnostics[0].span
    assert (span.line, span.column) == (15, col)
    d = Diagnostic(
        code="PC202",
        severity=Severity.ERROR,
        message="unknown slice `X9`",
        span=span,
        fix=Fix(description="use `X2`", edits=[Edit(span=span, replacement="X2")]),
    )
    ld = to_lsp_diagnostic(d, snap.uri, snap.mapper, snap.version)
    assert ld.data["fix"]["edits"][0]["range"]["start"] == {"line": 14, "character": utf16(line[: col - 1])}
    params = types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=snap.uri),
        range=ld.range,
        context=types.CodeActionContext(diagnostics=[ld]),
    )
    got = actions.code_actions(params, UNICODE, 7, "utf-16", snap)
    assert [a.title for a in got] == ["Fix PC202: use `X2`"]  # no suppression for a front-end error
    assert got[0].is_preferred
    dc = got[0].edit.document_changes[0]
    assert dc.text_document.version == 7
    assert "after X2 }" in apply_edits(UNICODE, dc.edits)
    # A fix computed for an older version is not offered.
    assert actions.code_actions(params, UNICODE, 8, "utf-16", snap) == []


def test_suppression_comment_placement():
    from phasec.lsp.actions import suppression_edit

    lines = ['  file "a.ts"', '  file "b.ts"  # phasec: ignore[PC605] -- shared', "  # a note", '  file "c.ts"  # why']
    e, how = suppression_edit(lines, 0, "PC805", "utf-16")
    assert how == "end" and e.new_text == "  # phasec: ignore[PC805] -- reason" and e.range.start.character == 13
    e, how = suppression_edit(lines, 1, "PC805", "utf-16")
    assert how == "extend" and e.new_text == "PC605, PC805"
    e, how = suppression_edit(lines, 3, "PC805", "utf-16")
    assert how == "above" and e.new_text == "  # phasec: ignore[PC805] -- reason\n" and e.range.start.line == 3


@pytest.mark.asyncio
async def test_utf8_positions_when_the_client_prefers_them():
    """Neovim 0.11 offers UTF-8 first: the server agrees and counts bytes."""
    config = ClientServerConfig(server_command=[sys.executable, "-m", "phasec", "lsp"], client_factory=_make_client)
    c = await config.start()
    try:
        result = await c.initialize_session(types.InitializeParams(capabilities=client_capabilities("neovim@v0.11.0")))
        assert result.capabilities.position_encoding == types.PositionEncodingKind.Utf8
        uri = "file:///nonexistent/unicode.phc"
        c.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(uri=uri, language_id="phasec", version=1, text=UNICODE)
            )
        )
        diags = await published(c, uri, 1)
        line = UNICODE.split("\n")[14]
        col = len(line[: line.index("X9")].encode("utf-8"))
        assert [d.code for d in diags] == ["PC202"]
        assert diags[0].range.start == types.Position(line=14, character=col)
        h = await c.text_document_hover_async(
            types.HoverParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                position=types.Position(
                    line=13,
                    character=len(UNICODE.split("\n")[13][: UNICODE.split("\n")[13].index("X1")].encode("utf-8")) + 1,
                ),
            )
        )
        assert "**slice `X1`**" in hover_text(h)
        await c.shutdown_session()
    finally:
        await c.stop()
