"""Tests written against the survivors of the full mutation run of 12-01.

`python benchmarks/mutation.py PATTERNS` with the subprocess hits counted
(docs/testing.md, "Mutation testing"); docs/testing.md ("The full run of
12-01") lists which mutant each test kills.  They assert what a user sees.
"""

from __future__ import annotations

import pytest

from phasec.compiler.config import ConfigError, load_config

# ─── config: where an unknown code is reported (`config._locate`) ───────────


def _unknown(tmp_path, content: str) -> list[tuple[int, int, int, str]]:
    (tmp_path / "pyproject.toml").write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_config(tmp_path / "x.phc")
    return [(d.span.line, d.span.column, d.span.end_column, d.message) for d in exc.value.diagnostics]


def test_an_unknown_code_under_a_quoted_setting_name_is_found(tmp_path):
    # the setting's name is not found as a word; the code is searched from the top
    assert _unknown(tmp_path, '[tool.phasec]\n"ignore" = ["PC6O5"]\n') == [
        (2, 14, 19, "unknown code `PC6O5` in `ignore`")
    ]


def test_the_same_unknown_code_in_two_settings_is_reported_at_each(tmp_path):
    assert _unknown(tmp_path, '[tool.phasec]\nselect = ["PC6O5"]\nignore = ["PC6O5"]\n') == [
        (2, 12, 17, "unknown code `PC6O5` in `select`"),
        (3, 12, 17, "unknown code `PC6O5` in `ignore`"),
    ]


def test_an_unknown_code_written_in_lower_case_is_found(tmp_path):
    assert _unknown(tmp_path, '[tool.phasec]\nignore = ["pc6o5"]\n') == [
        (2, 12, 17, "unknown code `PC6O5` in `ignore`")
    ]


def test_an_unknown_code_not_written_as_such_is_reported_at_the_start_of_the_file(tmp_path):
    # a TOML escape: the code is nowhere in the text
    assert _unknown(tmp_path, '[tool.phasec]\nignore = ["PC6\\u004F5"]\n') == [
        (1, 1, 1, "unknown code `PC6O5` in `ignore`")
    ]


# ─── emitters/env: YAML scalars ─────────────────────────────────────────────


def test_a_value_that_looks_like_a_document_marker_is_quoted_only_when_yaml_would_misread_it():
    import yaml

    from phasec.emitters.env import yaml_scalar

    # `...` alone ends a YAML document (a parse error as a value); `...x` is a plain string
    assert yaml_scalar("...") == "'...'"
    assert yaml_scalar("... x") == "'... x'"
    assert yaml_scalar("...x") == "...x"
    for text in ("...", "... x", "...x"):
        assert yaml.safe_load(f"k: {yaml_scalar(text)}\n") == {"k": text}


def test_double_quoted_scalars_use_yamls_short_escapes():
    import yaml

    from phasec.emitters.env import yaml_scalar

    text = 'a\nb\x85c\u2028d\\"e\x00'
    # a newline as \n, a character below U+0100 as \xNN, above as \uNNNN; `\` and `"` escaped
    assert yaml_scalar(text) == '"a\\nb\\x85c\\u2028d\\\\\\"e\\x00"'
    assert yaml.safe_load(f"k: {yaml_scalar(text)}\n") == {"k": text}


# ─── emitters/slicegraph: the DOT text ──────────────────────────────────────


GRAPH = (
    'phase G "Graph title" {\n  posture forward_only\n}\n'
    'stage 1 "First" {\n  covers S1\n}\n'
    'slice S1 "one" conditional {\n}\nslice S2 "two" {\n  after S1 if_triggered\n}\n'
)


def _graph(fmt: str) -> str:
    from phasec.compiler.pipeline import analyze
    from phasec.emitters.slicegraph import render

    res = analyze(GRAPH, "g.phc", rules=False)
    assert not res.has_errors
    return render(res.runbook, fmt)


def test_dot_graph_of_a_stage_an_unstaged_slice_and_an_if_triggered_edge():
    # DOT keywords and attribute names are case-sensitive; Graphviz's font is "Helvetica"
    assert _graph("dot") == (
        'digraph "phase G" {\n'
        '  label="Graph title";\n'
        "  labelloc=t;\n"
        "  rankdir=TB;\n"
        '  node [shape=box, fontname="Helvetica"];\n'
        '  subgraph "cluster_0_1" {\n'
        '    label="Stage 1: First";\n'
        '    "S1" [label="S1\\none", style=dashed, tooltip="conditional slice"];\n'
        "  }\n"
        '  "S2" [label="S2\\ntwo"];\n'
        '  "S1" -> "S2" [style=dashed, label="if triggered"];\n'
        "}\n"
    )


def test_json_graph_names_the_source_and_each_slices_stage():
    import json

    text = _graph("json")
    assert text.startswith('{\n  "phase": "G",\n  "source": "g.phc",\n')  # indented, one key a line
    assert json.loads(text) == {
        "phase": "G",
        "source": "g.phc",
        "stages": [{"id": "1", "title": "First", "slices": ["S1"]}],
        "nodes": [
            {"id": "S1", "title": "one", "conditional": True, "branching": False, "stage": "1"},
            {"id": "S2", "title": "two", "conditional": False, "branching": False, "stage": None},
        ],
        # the dependency as written: `after S1` on line 10, S1 at column 9
        "edges": [{"from": "S1", "to": "S2", "if_triggered": True, "in_cycle": False, "line": 10, "column": 9}],
        "cycles": [],
    }


CYCLE = (
    'phase G "G" {\n  posture forward_only\n}\n'
    'slice s1 "one" conditional {\n  after S2\n}\nslice S2 "twö" {\n  after s1 if_triggered\n}\n'
)


def test_a_cycle_edge_keeps_its_if_triggered_style_and_ids_keep_their_case():
    import json

    from phasec.compiler.pipeline import analyze
    from phasec.emitters.slicegraph import render

    res = analyze(CYCLE, "g.phc", rules=False)
    assert not res.has_errors
    dot = render(res.runbook, "dot").splitlines()
    assert '  "S2" -> "s1" [color=red, fontcolor=red, penwidth=2];' in dot
    assert '  "s1" -> "S2" [style=dashed, label="if triggered", color=red, fontcolor=red, penwidth=2];' in dot
    mermaid = render(res.runbook, "mermaid").splitlines()
    assert '  s_s1["s1: one (conditional)"]:::conditional' in mermaid
    assert "  s_s1 -. if triggered .-> s_S2" in mermaid
    text = render(res.runbook, "json")
    assert '"title": "twö"' in text  # UTF-8, not \u escapes
    assert [n["title"] for n in json.loads(text)["nodes"]] == ["one", "twö"]


def test_mermaid_ids_of_names_that_differ_only_in_punctuation_are_numbered_in_turn():
    from phasec.compiler.pipeline import analyze
    from phasec.emitters.slicegraph import render

    text = (
        'phase G "G" {\n  posture forward_only\n}\n'
        'slice A-1 "x" {\n}\nslice A.1 "y" {\n}\nslice A_1 "z" {\n}\nslice A_1_2 "w" {\n}\n'
    )
    res = analyze(text, "g.phc", rules=False)
    assert not res.has_errors
    nodes = [line.split("[")[0].strip() for line in render(res.runbook, "mermaid").splitlines() if '["' in line]
    # `A_1_2` is taken by the second `A_1`, so the slice named so gets the next free id
    assert nodes == ["s_A_1", "s_A_1_2", "s_A_1_3", "s_A_1_2_2"]


def test_mermaid_graph_of_a_stage_an_unstaged_slice_and_an_if_triggered_edge():
    assert _graph("mermaid") == (
        "---\n"
        'title: "Phase G: slice dependencies"\n'
        "---\n"
        "flowchart TD\n"
        '  subgraph stage_1["Stage 1: First"]\n'
        '    s_S1["S1: one (conditional)"]:::conditional\n'
        "  end\n"  # Mermaid's keywords are lower-case
        '  s_S2["S2: two"]\n'
        "  s_S1 -. if triggered .-> s_S2\n"
        "  classDef conditional stroke-dasharray: 5 5\n"
    )


def test_an_unknown_graph_format_is_refused_with_the_known_ones():
    from phasec.compiler.pipeline import analyze
    from phasec.emitters.slicegraph import render

    res = analyze(GRAPH, "g.phc", rules=False)
    with pytest.raises(ValueError, match=r"^unknown graph format 'svg'; expected one of mermaid, dot, json$"):
        render(res.runbook, "svg")


# ─── emitters/write: `compile --check` ──────────────────────────────────────


def test_check_shows_a_generated_file_edited_into_invalid_utf8_as_a_difference(tmp_path):
    # found while probing `write.check_outputs`: this was an internal error (UnicodeDecodeError)
    from phasec.emitters.write import check_outputs

    (tmp_path / "a.md").write_bytes(b"same\n\xff\xfe edited\n")
    (tmp_path / "b.md").write_text("same\n", encoding="utf-8")
    diff = check_outputs(tmp_path, {"a.md": "same\n", "b.md": "same\n"})
    assert diff.splitlines() == ["--- a/a.md", "+++ b/a.md", "@@ -1,2 +1 @@", " same", "-\ufffd\ufffd edited"]


# ─── the full run continued (12-01, second session) ─────────────────────────
# docs/testing.md, "The full run continued (12-01, second session)", names the mutants each kills.


def _runbook(text: str, path: str = "t.phc"):
    from phasec.compiler.pipeline import analyze

    res = analyze(text, path, rules=False)
    assert not res.has_errors, [f"{d.span.line}: {d.code} {d.message}" for d in res.diagnostics]
    return res.runbook


def _emitted(outputs: dict[str, str], suffix: str) -> str:
    (name,) = [n for n in outputs if n.endswith(suffix)]
    return outputs[name]


# ─── emitters/_documents: where `normalised` may cut the text (`_safe_cut`) ──


def _last_safe_cut(text: str) -> int:
    """The docstring of `_safe_cut`, read literally: the largest offset k with a line end
    just before it and a character other than a blank or a line end at it (0: none)."""
    return max((k for k in range(1, len(text)) if text[k - 1] == "\n" and text[k] not in " \t\n"), default=0)


def test_a_chunk_is_cut_after_the_last_line_end_that_a_word_follows():
    import itertools

    from phasec.emitters._documents import _safe_cut

    # the last such line end, not the first (the text before the cut is released)
    assert _safe_cut("a\nb\nc\n d") == 4
    assert _safe_cut("a\nb\n c") == 2
    assert _safe_cut("\nb\n c") == 1  # a line end at offset 0 counts
    assert _safe_cut("ab\nc") == 3  # and one just before the last character
    assert _safe_cut("a \nb") == 3  # what comes before the line end does not matter
    assert _safe_cut("ab\n c") == 0  # a blank follows the only line end
    assert _safe_cut("a\nX") == 2  # any other character is a word
    assert _safe_cut("abc\n") == 0  # nothing follows the last line end
    for n in range(1, 7):
        for chars in itertools.product("a \t\n", repeat=n):
            text = "".join(chars)
            assert _safe_cut(text) == _last_safe_cut(text), repr(text)


# ─── emitters/execution_packet: ledgers ─────────────────────────────────────


def _ledger_section(body: str) -> str:
    from phasec.emitters import EmitOptions, execution_packet

    text = f'phase Z "T" {{\n  posture forward_only\n}}\nledger log "Log" in "LOG.md" {{\n  field "When"\n{body}}}\n'
    packet = _emitted(execution_packet.emit(_runbook(text), EmitOptions()), "EXECUTION_PACKET.md")
    return packet.split("### Ledger `log`: Log\n", 1)[1].split("\n## ", 1)[0]


def test_a_ledger_of_exactly_the_limit_is_shown_whole():
    from phasec.emitters.execution_packet import LEDGER_LIMIT

    # "ledgers longer than this are summarised": one of exactly LEDGER_LIMIT entries is not
    rows = [f"row {n:02d}" for n in range(1, LEDGER_LIMIT + 1)]
    section = _ledger_section("".join(f'  entry "{r}"\n' for r in rows))
    assert f"- Entries: {LEDGER_LIMIT}:\n" in section
    assert [line for line in section.splitlines() if line.startswith("  - ")] == [f"  - {r}" for r in rows]


def test_a_ledgers_note_and_rule_on_several_lines_continue_under_their_bullet():
    section = _ledger_section(
        '  note """\n    First line of the note.\n    Second line of the note.\n    """\n'
        '  rule """\n    First line of the rule.\n    Second line of the rule.\n    """\n'
    )
    # both are `- ` bullets: a second line is indented by the bullet's width, two columns
    assert "\n- First line of the note.\n  Second line of the note.\n" in section
    assert "\n- Rule: First line of the rule.\n  Second line of the rule.\n" in section


# ─── emitters/scripts: preflight's advice on stack roots, review tokens ─────


ROOTS = (
    'phase R "Roots" {\n  posture forward_only\n}\n'
    "repo {\n  tool graphite\n"
    '  branch base "codex/r-base"\n'
    '  branch next "codex/r-next" choose "main if Phase C merged, else the top of its stack"\n'
    "  slice_base base\n}\n"
    'slice R1 "First" {\n  branch "codex/r-r1"\n}\n'
)


def _root_messages(text: str) -> tuple[dict[str, str], dict[str, str]]:
    """The advice preflight.sh gives for each missing stack root, and the message stack.sh dies with."""
    import shlex

    from phasec.emitters import EmitOptions
    from phasec.emitters import scripts as scripts_emitter

    out = scripts_emitter.emit(_runbook(text), EmitOptions())
    advice = {}
    for line in _emitted(out, "preflight.sh").splitlines():
        if line.startswith("check_root "):
            _, name, said = shlex.split(line)
            advice[name] = said
    dies = {}
    for line in _emitted(out, "stack.sh").splitlines():
        if "|| die " in line and line.startswith("branch_exists "):
            name = shlex.split(line)[1]
            (dies[name],) = shlex.split(line.split("|| die ", 1)[1])
    return advice, dies


@pytest.mark.parametrize("tool", ["graphite", "plain git"])
def test_preflight_advises_on_each_missing_stack_root_what_stack_sh_says(tool):
    text = ROOTS if tool == "graphite" else ROOTS.replace("  tool graphite\n", "")
    advice, dies = _root_messages(text)
    assert set(advice) == set(dies) == {"codex/r-base", "codex/r-next"}
    # a root with no parent: what stack.sh asks for, in its words
    asked = dies["codex/r-base"].split("does not exist: ", 1)[1]
    assert advice["codex/r-base"].startswith("it is a stack root: " + asked)
    assert ("Graphite" in asked) == (tool == "graphite")
    # a root whose parent is chosen at run time: the very command stack.sh gives
    command = dies["codex/r-next"].split("then run: ", 1)[1].removesuffix(" (and run stack.sh again)")
    assert advice["codex/r-next"].endswith(": run: " + command)
    assert ("gt track" in command) == (tool == "graphite")


def test_review_tokens_name_the_slices_first_agent_or_else_the_slice():
    from phasec.emitters import EmitOptions
    from phasec.emitters import scripts as scripts_emitter

    text = (
        'phase F "F" {\n  posture forward_only\n}\n'
        'team {\n  max_active 2\n  agent AGENT-7 "Seventh" {\n  }\n  agent AGENT-8 "Eighth" {\n  }\n}\n'
        'review {\n  stop "READY <AGENT> <SLICE>"\n'
        '  verdict approved "OK <AGENT> <SLICE>"\n  verdict changes_requested "CHANGES <SLICE>"\n}\n'
        'slice F1 "Two agents" {\n  agent AGENT-7 AGENT-8\n  branch "codex/f1"\n}\n'
        'slice F2 "No agent" {\n  branch "codex/f2"\n}\n'
    )
    review = _emitted(scripts_emitter.emit(_runbook(text), EmitOptions()), "review.sh")
    cases = review.split("load() {\n", 1)[1].split("\n}\n", 1)[0]
    f1 = cases.split("    'F1')\n", 1)[1].split(";;", 1)[0]
    f2 = cases.split("    'F2')\n", 1)[1].split(";;", 1)[0]
    # <AGENT>: the first of the slice's agents; a slice with none is named by its id; <SLICE>: its id
    assert "stop_tokens+=('READY AGENT-7 F1')" in f1
    assert "token_approved='OK AGENT-7 F1'" in f1
    assert "token_changes='CHANGES F1'" in f1
    assert "stop_tokens+=('READY F2 F2')" in f2
    assert "token_approved='OK F2 F2'" in f2
    assert "token_changes='CHANGES F2'" in f2


# ─── emitters/scripts: the plain-git base (`plain_base`) ────────────────────


PLAIN = (
    'phase P "P" {\n  posture forward_only\n}\n'
    'repo {\n  branch base "codex/p-base" from "main"\n  branch late "codex/p-late" from base\n  slice_base base\n}\n'
    'slice P1 "First" {\n  branch "codex/p-1"\n}\n'
)


def _sync_into(text: str) -> str:
    from phasec.emitters import EmitOptions
    from phasec.emitters import scripts as scripts_emitter

    sync = _emitted(scripts_emitter.emit(_runbook(text), EmitOptions()), "sync.sh")
    (line,) = [line for line in sync.splitlines() if line.startswith("into=")]
    return line


def test_plain_git_lanes_go_into_the_slice_base_else_the_last_branch_else_the_current_one():
    # the declared slice base, though another branch (`late`, on it) comes after it
    assert _sync_into(PLAIN) == "into='codex/p-base'"
    # no slice base: the last repo branch (parents first)
    assert _sync_into(PLAIN.replace("  slice_base base\n", "")) == "into='codex/p-late'"
    # no branch at all: the branch checked out when the script runs
    no_branches = PLAIN.replace(PLAIN[PLAIN.index("  branch base") : PLAIN.index("}\nslice")], "")
    assert _sync_into(no_branches).startswith('into="$(git symbolic-ref --quiet --short HEAD)"')


# ─── emitters/ci: the steps of a slice's job and of the exit job ────────────


def _workflow(text: str) -> dict:
    import yaml

    from phasec.emitters import EmitOptions, ci

    return yaml.safe_load(_emitted(ci.emit(_runbook(text), EmitOptions(extras=frozenset({"ci"}))), ".yml"))


CI = (
    'phase K "K" {\n  posture forward_only\n}\n'
    'scripts {\n  runner "yarn"\n}\n'
    "cadence quick\ncadence nightly\n"
    'gate lint "make lint"\n'
    'gate suite {\n  use lint\n  run "make test"\n}\n'
    'check closed "All findings closed."\n'
    "exit {\n  gate suite\n  covers K1\n}\n"
    'slice K1 "x" {\n  owner @o\n  gate nightly "make nightly"\n  gate quick suite closed "make quick"\n}\n'
)


def test_ci_steps_are_named_by_cadence_and_gate_quick_first_and_the_declared_runner_set_up():
    jobs = _workflow(CI)["jobs"]
    steps = [(s["name"], s.get("run", s.get("uses", "")).split("@")[0]) for s in jobs["K1"]["steps"]]
    assert steps == [
        ("Check out", "actions/checkout"),
        # the runner the runbook declares is set up though no command here names it
        ("Set up Node.js", "actions/setup-node"),
        ("Install dependencies", "yarn install --frozen-lockfile"),
        # quick before the other cadences, whatever the order they are bound in; a named gate
        # by its id (a composite expanded), an inline command by its text
        ("quick: lint", "make lint"),
        ("quick: suite", "make test"),
        ("quick: closed (symbolic check)", 'echo "::notice title=Symbolic check (not automated)::$CHECK_TEXT"'),
        ("quick: make quick", "make quick"),
        ("nightly: make nightly", "make nightly"),
    ]
    assert jobs["K1"]["steps"][5]["env"] == {"CHECK_TEXT": "All findings closed."}
    gate_steps = [(s["name"], s["run"]) for s in jobs["phase-exit"]["steps"] if s["name"].startswith("exit")]
    assert gate_steps == [("exit: lint", "make lint"), ("exit: suite", "make test")]


def test_a_bunx_command_alone_sets_up_bun():
    text = 'phase B "B" {\n  posture forward_only\n}\ncadence quick\nslice B1 "x" {\n  owner @o\n  gate quick "bunx tsc"\n}\n'
    setup = [s["name"] for s in _workflow(text)["jobs"]["B1"]["steps"]]
    assert setup == ["Check out", "Set up Bun", "Install dependencies", "quick: bunx tsc"]


# ─── emitters/write: `compile --check` ──────────────────────────────────────


def test_check_shows_a_stale_output_deleted_line_by_line(tmp_path):
    import hashlib
    import json

    from phasec.emitters.write import check_outputs

    old = b"one\ntwo\n"
    (tmp_path / "old.md").write_bytes(old)
    manifest = {"files": [{"path": "old.md", "sha256": hashlib.sha256(old).hexdigest()}]}
    (tmp_path / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    diff = check_outputs(tmp_path, {"manifest.json": json.dumps(manifest)})
    assert diff.splitlines() == ["--- a/old.md", "+++ /dev/null", "@@ -1,2 +0,0 @@", "-one", "-two"]


def test_check_shows_every_changed_and_missing_output_after_an_unchanged_one(tmp_path):
    from phasec.emitters.write import check_outputs

    (tmp_path / "a.md").write_text("same\n", encoding="utf-8")
    (tmp_path / "b.md").write_text("old\n", encoding="utf-8")
    (tmp_path / "d.md").write_text("", encoding="utf-8")
    outputs = {"a.md": "same\n", "b.md": "new\n", "c.md": "x\ny\n", "d.md": "z\n"}
    assert check_outputs(tmp_path, outputs).splitlines() == [
        *["--- a/b.md", "+++ b/b.md", "@@ -1 +1 @@", "-old", "+new"],
        *["--- /dev/null", "+++ b/c.md", "@@ -0,0 +1,2 @@", "+x", "+y"],  # missing: added whole
        *["--- a/d.md", "+++ b/d.md", "@@ -0,0 +1 @@", "+z"],  # empty: nothing removed
    ]


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        (
            "bun test",
            [
                ("Set up Bun", "oven-sh/setup-bun", None, None),
                ("Install dependencies", None, None, "bun install --frozen-lockfile"),
            ],
        ),
        (
            # pnpm is installed before Node.js is set up: setup-node's pnpm cache needs it
            "pnpm test",
            [
                ("Set up pnpm", "pnpm/action-setup", None, None),
                ("Set up Node.js", "actions/setup-node", {"node-version": "lts/*", "cache": "pnpm"}, None),
                ("Install dependencies", None, None, "pnpm install --frozen-lockfile"),
            ],
        ),
        (
            "yarn test",
            [
                ("Set up Node.js", "actions/setup-node", {"node-version": "lts/*", "cache": "yarn"}, None),
                ("Install dependencies", None, None, "yarn install --frozen-lockfile"),
            ],
        ),
        *[
            (
                command,  # npm, and the tools that come with Node.js and npm
                [
                    ("Set up Node.js", "actions/setup-node", {"node-version": "lts/*", "cache": "npm"}, None),
                    ("Install dependencies", None, None, "npm ci"),
                ],
            )
            for command in ("npm test", "npx eslint .", "node build.js")
        ],
    ],
)
def test_each_javascript_toolchain_is_set_up_and_installs_from_the_lockfile(command, expected):
    text = f'phase B "B" {{\n  posture forward_only\n}}\ncadence quick\nslice B1 "x" {{\n  owner @o\n  gate quick "{command}"\n}}\n'
    steps = _workflow(text)["jobs"]["B1"]["steps"][1:-1]
    uses = [s["uses"].split("@")[0] if "uses" in s else None for s in steps]
    assert [(s["name"], u, s.get("with"), s.get("run")) for s, u in zip(steps, uses, strict=True)] == expected


def test_ci_jobs_of_a_conditional_slice_downstream_of_an_undecided_one_and_of_slices_with_no_gates():
    text = (
        'phase W "W" {\n  posture forward_only\n}\n'
        "cadence quick\ncadence full\n"
        'gate scan "make scan"\n'
        'slice W1 "Scan" conditional {\n  owner @o\n  trigger t "x" by scan\n  gate quick scan always\n}\n'
        'slice W2 "Downstream" conditional {\n  owner @o\n  after W1 if_triggered\n  trigger t "y" by scan\n'
        '  gate quick scan always\n  gate full "npm test"\n}\n'
        'slice W3 "Empty" conditional {\n  owner @o\n  trigger t "z" by scan\n}\n'
        'slice W4 "Branching" branching {\n  owner @o\n  trigger t "w" by scan\n}\n'
        'slice W5 "Plain" {\n  owner @o\n}\n'
    )
    jobs = _workflow(text)["jobs"]
    # W2 (after W1, undecided) runs one job or the other, each only when nothing upstream failed
    assert jobs["W2"]["if"] == "${{ inputs.W2_triggered && !cancelled() && !failure() }}"
    assert jobs["W2_not_triggered"]["if"] == "${{ !inputs.W2_triggered && !cancelled() && !failure() }}"
    assert jobs["W2"]["needs"] == jobs["W2_not_triggered"]["needs"] == ["W1", "W1_not_triggered"]
    # one toolchain for the workflow: W2's npm is set up in W1's jobs too
    for job in ("W1", "W1_not_triggered", "W2", "W2_not_triggered"):
        assert {"name": "Install dependencies", "run": "npm ci"} in jobs[job]["steps"], job
    # a slice with no gates: each of its jobs says so, naming the slice
    for job, slice_id in [("W3", "W3"), ("W4", "W4"), ("W4_not_triggered", "W4"), ("W5", "W5")]:
        assert jobs[job]["steps"] == [{"name": "No gates", "run": f"echo 'Slice {slice_id} binds no gates.'"}], job


def test_the_exit_job_fails_when_a_slice_job_failed_and_says_when_no_exit_gate_is_declared():
    no_exit = (
        'phase E "E" {\n  posture forward_only\n}\ncadence quick\nslice E1 "x" {\n  owner @o\n  gate quick "make"\n}\n'
    )
    exit_job = _workflow(no_exit)["jobs"]["phase-exit"]
    assert exit_job["needs"] == ["E1"] and exit_job["if"] == "${{ always() }}"
    assert exit_job["steps"] == [
        {
            "name": "Fail when a slice job failed or was cancelled",
            "if": "${{ contains(needs.*.result, 'failure') || contains(needs.*.result, 'cancelled') }}",
            "run": "exit 1",
        },
        {"name": "No exit gate", "run": "echo 'The runbook declares no exit gate.'"},
    ]
    # no slice: no job to wait for, nothing that could have failed
    exit_job = _workflow('phase E "E" {\n  posture forward_only\n}\n')["jobs"]["phase-exit"]
    assert "if" not in exit_job and exit_job.get("needs", []) == []
    assert exit_job["steps"] == [{"name": "No exit gate", "run": "echo 'The runbook declares no exit gate.'"}]


def test_ci_job_ids_that_collide_are_numbered_in_turn():
    # GitHub job ids are case-insensitive and `.` is not allowed in them: all three are `a_1`
    text = 'phase J "J" {\n  posture forward_only\n}\n' + "".join(
        f'slice {sid} "x" {{\n  owner @o\n}}\n' for sid in ("A.1", "a.1", "a_1")
    )
    assert list(_workflow(text)["jobs"]) == ["A_1", "a_1_2", "a_1_3", "phase-exit"]


# ─── a branching slice's triggers and gates: work breakdown, handoff, gates ─


BRANCHING = (
    'phase T "T" {\n  posture forward_only\n}\n'
    'scripts {\n  runner "npm run"\n  manifest "package.json"\n}\n'
    "cadence quick\n"
    'gate scan_script {\n  script "scan:deps"\n  run "node scan.js --café"\n}\n'
    'gate scan_plain "make scan"\n'
    'check closed "Findings closed."\n'
    'slice T1 "Branching" branching {\n  owner @o\n'
    '  trigger a "a dependency moved" by scan_script\n  trigger b "a file changed" by scan_plain\n'
    '  gate quick "make assess" scan_plain closed\n}\n'
)


def test_a_trigger_names_the_script_its_gate_runs_else_the_gate():
    import yaml

    from phasec.emitters import EmitOptions, workbreakdown

    doc = yaml.safe_load(_emitted(workbreakdown.emit(_runbook(BRANCHING), EmitOptions()), "WORKBREAKDOWN.yaml"))
    found = []

    def walk(node):
        if isinstance(node, dict):
            if "trigger_criteria" in node:
                found.append(node["trigger_criteria"])
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(doc)
    assert found == [["scan:deps a dependency moved", "scan_plain a file changed"]]


def test_the_handoff_lists_what_a_branching_slice_runs_on_both_paths():
    from phasec.emitters import EmitOptions, planning_handoff

    handoff = _emitted(planning_handoff.emit(_runbook(BRANCHING), EmitOptions()), "PLANNING_HANDOFF.md")
    # what runs to assess the triggers: the inline command and the gate, not the symbolic check
    assert "Gates on both paths: `make assess`, `scan_plain`." in handoff


def test_the_command_contract_shows_commands_as_written_not_as_json_escapes():
    import json

    from phasec.emitters import EmitOptions, acceptance_gates

    gates = _emitted(acceptance_gates.emit(_runbook(BRANCHING), EmitOptions()), "ACCEPTANCE_GATES.md")
    block = gates.split("## Planned Command Contract Additions", 1)[1].split("```json\n", 1)[1].split("```", 1)[0]
    assert json.loads(block) == {"scan:deps": "node scan.js --café"}
    assert '"node scan.js --café"' in block  # as in package.json, not "\u00e9"


def test_where_a_deferral_is_recorded_is_listed_once_per_slice_and_artifact():
    from phasec.emitters import EmitOptions, acceptance_gates, planning_handoff

    text = (
        'phase D "D" {\n  posture forward_only\n}\n'
        'outputs out "docs/out" {\n  artifact A1 "a1.md"\n  artifact A2 "a2.md"\n  artifact A3 "a3.md"\n}\n'
        'slice D1 "Conditional" conditional {\n  owner @o\n  trigger t "x"\n'
        "  defer_record D2 artifact A1\n  defer_record D2 artifact A2\n  defer_record D2 artifact A1\n"
        "  defer_record A3\n  defer_record D2\n}\n"
        'slice D2 "Later" {\n  owner @o\n  after D1 if_triggered\n}\n'
    )
    rb = _runbook(text)
    # the repeated (D2, A1) is dropped, the rest kept in order; an artifact by its path, a slice alone by its id
    where = "`D2` (`docs/out/a1.md`), `D2` (`docs/out/a2.md`), `docs/out/a3.md`, `D2`."
    gates = _emitted(acceptance_gates.emit(rb, EmitOptions()), "ACCEPTANCE_GATES.md")
    assert f"If not triggered, the defer disposition is recorded in: {where}" in gates
    handoff = _emitted(planning_handoff.emit(rb, EmitOptions()), "PLANNING_HANDOFF.md")
    assert f"If not triggered, the defer disposition is recorded in {where}" in handoff


@pytest.mark.parametrize(
    ("root", "path"),
    # under its outputs root, one `/` between them; no root: the name alone
    [("docs/out", "docs/out/only.md"), ("/srv/INBOX/", "/srv/INBOX/only.md"), ("", "only.md")],
)
def test_a_triggered_path_artifact_is_listed_unless_its_slice_is_assumed_deferred(root, path):
    from phasec.emitters import EmitOptions, execution_packet

    text = (
        'phase V "V" {\n  posture forward_only\n}\n'
        f'outputs out "{root}" {{\n  artifact PLAIN "plain.md"\n  artifact ONLY "only.md" by V1 conditional\n}}\n'
        'slice V1 "Conditional" conditional {\n  owner @o\n  trigger t "x"\n}\n'
    )
    rb = _runbook(text)
    for assume, listed in [({}, True), ({"V1": "triggered"}, True), ({"V1": "deferred"}, False)]:
        packet = _emitted(execution_packet.emit(rb, EmitOptions(assume=assume)), "EXECUTION_PACKET.md")
        assert (f"  - `{path}` (triggered path only)\n" in packet) is listed, assume
        assert ("- `only.md` — by `V1` (conditional: triggered path only)\n" in packet) is listed, assume


def test_an_artifact_without_a_producer_is_attributed_to_the_stage_steps_that_produce_it():
    from phasec.emitters import EmitOptions, execution_packet

    text = (
        'phase S "S" {\n  posture forward_only\n}\n'
        'outputs out "docs/out" {\n  artifact LOG "log.md"\n  artifact PLAN "plan.md" by 0\n}\n'
        'stage 0 "Setup" {\n  step "Prepare."\n  step "Write the log." produces LOG\n}\n'
    )
    packet = _emitted(execution_packet.emit(_runbook(text), EmitOptions()), "EXECUTION_PACKET.md")
    assert "- `log.md` — by stage `0` step 2\n" in packet
    assert "- `plan.md` — by stage `0`\n" in packet  # its declared producer, a stage


def test_an_agents_file_lists_the_slices_it_carries_that_wait_for_approval_with_their_reviewer():
    from phasec.emitters import EmitOptions, agent_protocol

    text = (
        'phase R "R" {\n  posture forward_only\n}\n'
        'team {\n  max_active 2\n  agent W1 "Worker"\n}\n'
        'role lead "Lead" agent W1\nrole checker "Checker"\nrole boss "Boss"\n'
        'protocol {\n  artifact plan "AGENT_<N>_PLAN.md"\n}\n'
        'review {\n  by checker\n  stop "READY <AGENT> <SLICE>"\n  verdict approved "OK <SLICE>"\n}\n'
        'slice R1 "By the role" {\n  agent lead\n  approval\n}\n'
        'slice R2 "By the boss" {\n  agent W1\n  approval by boss\n}\n'
        'slice R3 "No approval" {\n  agent W1\n}\n'
    )
    plan = _emitted(agent_protocol.emit(_runbook(text), EmitOptions()), "AGENT_W1_PLAN.md")
    review = plan.split("## Review\n", 1)[1].split("\n## ", 1)[0]
    # R1 through the role W1 plays, reviewed by the review's reviewer; R2 by the approver it names; R3 not at all
    assert review.splitlines() == [
        "- `R1`: stop with `READY W1 R1` when done, then wait for the verdict of `checker`: approved `OK R1`.",
        "- `R2`: stop with `READY W1 R2` when done, then wait for the verdict of `boss`: approved `OK R2`.",
    ]
    # a review that names no reviewer: R1 waits for a verdict from no one named
    plan = _emitted(agent_protocol.emit(_runbook(text.replace("  by checker\n", "")), EmitOptions()), "W1_PLAN.md")
    assert "- `R1`: stop with `READY W1 R1` when done, then wait for the verdict: approved `OK R1`.\n" in plan


@pytest.mark.parametrize(
    ("artifacts", "log", "final"),
    [
        # no artifact says it is the final one: the last is
        (["plan PLAN", "notes NOTES", "result RESULT"], "NOTES", "RESULT"),
        # the one named `final`, wherever it is
        (["plan PLAN", "final DONE", "notes NOTES"], "NOTES", "DONE"),
        # the one whose name carries the objective
        (["plan PLAN", "out <OBJECTIVE>", "notes NOTES"], "NOTES", "WORKER"),
        # two: a plan and the final file; one: the plan alone
        (["plan PLAN", "result RESULT"], None, "RESULT"),
        (["plan PLAN"], None, None),
    ],
)
def test_an_agents_files_are_its_plan_then_logs_and_one_final_file(artifacts, log, final):
    from phasec.emitters import EmitOptions, agent_protocol

    arts = "".join(f'  artifact {a.split()[0]} "AGENT_<N>_{a.split()[1]}.md"\n' for a in artifacts)
    text = (
        'phase R "R" {\n  posture forward_only\n}\n'
        'team {\n  max_active 1\n  agent W1 "Worker"\n}\n'
        f"protocol {{\n{arts}}}\n"
        'slice R1 "x" {\n  agent W1\n}\n'
    )
    out = agent_protocol.emit(_runbook(text), EmitOptions())
    headings = {k.split("AGENT_W1_")[1]: [x for x in v.splitlines() if x.startswith("## ")] for k, v in out.items()}
    assert headings["PLAN.md"][-1] == "## Plan (verbatim)"
    assert len(out) == len(artifacts)
    if log is not None:
        assert headings[f"{log}.md"] == ["## Entries"]  # a log: entries appended
    if final is not None:
        assert headings[f"{final}.md"] == []  # the final file
