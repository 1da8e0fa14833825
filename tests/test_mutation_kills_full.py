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
