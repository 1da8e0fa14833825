"""Editor support: the VS Code extension (manifest, language configuration, TextMate
grammar generated from the schema), the pre-commit hook, and the editor docs."""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from conftest import EXAMPLES, ROOT

from phasec.compiler.pipeline import parse
from phasec.compiler.schema import keywords
from phasec.grammar.tree import HANDLE, NAME, NUMBER, STRING

VSCODE = ROOT / "editors" / "vscode"
GRAMMAR_PATH = VSCODE / "syntaxes" / "phasec.tmLanguage.json"


def _load_generator():
    spec = importlib.util.spec_from_file_location(
        "gen_vscode_grammar", ROOT / "tests" / "tools" / "gen_vscode_grammar.py"
    )
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


GEN = _load_generator()
STATEMENT_KEYWORDS, CLAUSE_WORDS = GEN.keyword_lists()


# --- a small TextMate tokenizer (enough of vscode-textmate's rules for this grammar) ----------------


class TextMate:
    """Tokenises line by line like vscode-textmate: at each position the pattern whose
    match starts first wins (ties: the enclosing rule's ``end``, then list order);
    ``begin``/``end`` rules span lines; ``captures`` may carry names or patterns."""

    def __init__(self, grammar: dict):
        self.g = grammar
        self.repo = grammar.get("repository", {})
        self._re: dict[str, re.Pattern] = {}

    def rx(self, source: str) -> re.Pattern:
        if source not in self._re:
            self._re[source] = re.compile(source)
        return self._re[source]

    def resolve(self, patterns):
        for p in patterns:
            if "include" in p:
                inc = p["include"]
                target = self.g if inc == "$self" else self.repo[inc.lstrip("#")]
                if "match" in target or "begin" in target:
                    yield target
                else:
                    yield from self.resolve(target.get("patterns", []))
            elif "match" in p or "begin" in p:
                yield p
            else:
                yield from self.resolve(p.get("patterns", []))

    def tokenize(self, text: str) -> list[list[list[str]]]:
        """Per line, per character: the list of scopes (outermost first)."""
        stack: list[tuple[dict, re.Pattern]] = []
        out = []
        for line in text.split("\n"):
            scopes: list[list[str]] = [[] for _ in range(len(line))]
            pos = 0
            while pos <= len(line):
                base = [f["name"] for f, _ in stack if f.get("name")]
                patterns = list(self.resolve(stack[-1][0].get("patterns", []) if stack else self.g["patterns"]))
                best = None
                if stack:
                    m = stack[-1][1].search(line, pos)
                    if m:
                        best = (m.start(), "end", stack[-1][0], m)
                for p in patterns:
                    m = self.rx(p.get("match") or p["begin"]).search(line, pos)
                    if m and (best is None or m.start() < best[0]):
                        best = (m.start(), "begin" if "begin" in p else "match", p, m)
                if best is None:
                    self._fill(scopes, pos, len(line), base)
                    break
                start, kind, rule, m = best
                self._fill(scopes, pos, start, base)
                if kind == "end":
                    self._fill(scopes, m.start(), m.end(), base)
                    self._captures(line, scopes, rule.get("endCaptures", {}), m, base)
                    stack.pop()
                else:
                    names = base + ([rule["name"]] if rule.get("name") else [])
                    self._fill(scopes, m.start(), m.end(), names)
                    caps = rule.get("beginCaptures" if kind == "begin" else "captures", rule.get("captures", {}))
                    self._captures(line, scopes, caps, m, names)
                    if kind == "begin":
                        stack.append((rule, self.rx(rule["end"])))
                if m.end() == pos and kind == "match":
                    pos += 1  # an empty match must not loop
                else:
                    pos = m.end()
                if kind == "end" and m.end() == len(line) and m.start() == m.end():
                    break
            out.append(scopes)
        return out

    @staticmethod
    def _fill(scopes, start, end, names):
        for i in range(start, min(end, len(scopes))):
            scopes[i] = list(names)

    def _captures(self, line, scopes, caps, m, names):
        for key, cap in caps.items():
            g = int(key)
            if g > (m.re.groups) or m.start(g) < 0 or m.start(g) == m.end(g):
                continue
            inner = names + ([cap["name"]] if cap.get("name") else [])
            if g != 0:
                self._fill(scopes, m.start(g), m.end(g), inner)
            else:
                self._fill(scopes, m.start(), m.end(), inner)
            if "patterns" in cap:
                pos, end = m.start(g), m.end(g)
                pats = list(self.resolve(cap["patterns"]))
                while pos < end:
                    found = [
                        (mm.start(), i, p, mm)
                        for i, p in enumerate(pats)
                        if (mm := self.rx(p["match"]).search(line, pos, end))
                    ]
                    if not found:
                        break
                    _, _, p, mm = min(found, key=lambda t: (t[0], t[1]))
                    self._fill(scopes, mm.start(), mm.end(), inner + [p["name"]])
                    pos = max(mm.end(), pos + 1)


@pytest.fixture(scope="module")
def grammar() -> dict:
    return json.loads(GRAMMAR_PATH.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def tm(grammar) -> TextMate:
    return TextMate(grammar)


def scopes_of(tm: TextMate, text: str, needle: str, line: int = 0, occurrence: int = 0) -> list[str]:
    """The scopes of the first character of the ``occurrence``-th ``needle`` on ``line``."""
    lines = text.split("\n")
    col = -1
    for _ in range(occurrence + 1):
        col = lines[line].index(needle, col + 1)
    return tm.tokenize(text)[line][col]


def has(scopes: list[str], prefix: str) -> bool:
    return any(s.startswith(prefix) for s in scopes)


STMT, CLAUSE = "keyword.other.statement.phasec", "keyword.other.clause.phasec"

# --- the grammar file --------------------------------------------------------------------------------


def test_grammar_is_generated_from_the_schema_and_current(golden):
    golden(GRAMMAR_PATH, GEN.render())


def _regexes(node, path=""):
    if isinstance(node, dict):
        for k, v in node.items():
            if k in ("match", "begin", "end", "while") and isinstance(v, str):
                yield f"{path}/{k}", v
            else:
                yield from _regexes(v, f"{path}/{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _regexes(v, f"{path}/{i}")


def test_grammar_is_valid_json_and_its_regexes_compile(grammar):
    assert grammar["scopeName"] == "source.phasec"
    found = list(_regexes(grammar))
    assert len(found) >= 12
    for where, source in found:
        re.compile(source)  # Python's re stands in for Oniguruma (see gen_vscode_grammar.py)
        assert r"\G" not in source and "*+" not in source and "++" not in source, where
        assert "(?i)" not in source[4:], f"{where}: inline flags only at the start"
    # every include resolves
    for where, inc in [(w, v) for w, v in _includes(grammar)]:
        assert inc == "$self" or inc.lstrip("#") in grammar["repository"], where


def _includes(node, path=""):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "include":
                yield path, v
            else:
                yield from _includes(v, f"{path}/{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _includes(v, f"{path}/{i}")


def test_keyword_lists_cover_every_keyword_of_the_language(grammar):
    assert set(STATEMENT_KEYWORDS) | set(CLAUSE_WORDS) == set(keywords())
    stmt = grammar["repository"]["statement-keyword"]["match"]
    clause = grammar["repository"]["clause-word"]["match"]
    assert re.search(r"\((?:[a-z_]+\|)+[a-z_]+\)", stmt).group(0)[1:-1].split("|") == STATEMENT_KEYWORDS
    assert re.search(r"\((?:[a-z_]+\|)+[a-z_]+\)", clause).group(0)[1:-1].split("|") == CLAUSE_WORDS


@pytest.mark.parametrize("kw", STATEMENT_KEYWORDS)
def test_every_statement_keyword_is_highlighted_where_a_statement_starts(tm, kw):
    for text, line in (
        (f"{kw} X1", 0),
        (f'  {kw} "x"', 0),
        ("slice C1 {", 0),
        (f"a {{ {kw} y }}", 0),
        (f"a 1; {kw} 2", 0),
        (f'slice C1 "t" {{\n\t{kw}\n}}', 1),
    ):
        if kw not in text.split("\n")[line]:
            continue
        sc = scopes_of(tm, text, kw, line, occurrence=text.split("\n")[line].count(kw) - 1)
        assert STMT in sc, (text, sc)
        # the whole word, not a prefix
        cols = [i for i, s in enumerate(tm.tokenize(text)[line]) if STMT in s]
        assert len(cols) == len(kw), (text, cols)


@pytest.mark.parametrize("word", CLAUSE_WORDS)
def test_every_clause_word_is_highlighted_after_its_statement_keyword(tm, word):
    text = f"  owner @a {word} @b"
    col = text.index(f" {word} ") + 1
    scopes = tm.tokenize(text)[0]
    assert all(CLAUSE in scopes[c] for c in range(col, col + len(word))), scopes[col]
    assert CLAUSE not in scopes[col - 1] and CLAUSE not in scopes[col + len(word)]


@pytest.mark.parametrize(
    "ident",
    [
        "C1",
        "I4A",
        "drift_core",
        "c1_storage_lock_static",
        "rawr-hq-orientation",
        "slice_x",
        "after-all",
        "gate2",
        "by_hand",
        "forward_only",
        "P1",
        "1.5",
    ],
)
def test_ordinary_ids_are_not_keywords(tm, ident):
    """Neither where a statement starts nor as a value, nor as a prefix of a keyword."""
    for text in (
        f'{ident} "x"',
        f"  after {ident}",
        f"  gate quick {ident} {ident}",
        f"x {{ {ident} }}",
        f"a 1; {ident} 2",
        f"  owner @a backup {ident}",
    ):
        scopes = tm.tokenize(text)[0]
        for m in re.finditer(re.escape(ident), text):
            assert not any(has(scopes[c], "keyword") for c in range(m.start(), m.end())), (text, scopes[m.start()])


def test_a_keyword_spelt_id_in_value_position_is_not_a_statement_keyword(tm):
    text = "  agent slice owner"
    assert STMT in scopes_of(tm, text, "agent")
    assert not has(scopes_of(tm, text, "slice"), "keyword")
    assert not has(scopes_of(tm, text, "owner"), "keyword")


def test_strings_escapes_handles_numbers_comments(tm):
    text = 'slice C1 "a \\"quoted\\" \\n word \\q" { # note'
    assert has(scopes_of(tm, text, '"a'), "string.quoted.double.phasec")
    assert has(scopes_of(tm, text, "word"), "string.quoted.double.phasec")
    assert "constant.character.escape.phasec" in scopes_of(tm, text, '\\"')
    assert "constant.character.escape.phasec" in scopes_of(tm, text, "\\n")
    assert "invalid.illegal.escape.phasec" in scopes_of(tm, text, "\\q")  # PC006
    assert not has(scopes_of(tm, text, "{"), "string")
    assert "punctuation.section.block.begin.phasec" in scopes_of(tm, text, "{")
    assert has(scopes_of(tm, text, "# note"), "comment.line.number-sign.phasec")
    assert not has(scopes_of(tm, 'note "a # b" x', "# b"), "comment")  # not a comment inside a string

    text = "  owner @rawr-runtime-host backup @org/team.x"
    assert "variable.other.constant.handle.phasec" in scopes_of(tm, text, "@rawr")
    assert "variable.other.constant.handle.phasec" in scopes_of(tm, text, "host")
    assert "variable.other.constant.handle.phasec" in scopes_of(tm, text, "team.x")
    assert CLAUSE in scopes_of(tm, text, "backup")

    text = 'stage 1.5 "x"\nmax_active 6\nafter C10 2a'
    assert "constant.numeric.phasec" in scopes_of(tm, text, "1.5")
    assert "constant.numeric.phasec" in scopes_of(tm, text, ".5")
    assert "constant.numeric.phasec" in scopes_of(tm, text, "6", line=1)
    assert "constant.numeric.phasec" in scopes_of(tm, text, "2a", line=2)
    assert not has(scopes_of(tm, text, "10", line=2), "constant.numeric")  # part of the id C10


def test_triple_quoted_strings_span_lines(tm):
    text = 'summary """\n  slice C1 "not a keyword" \\t\n  # not a comment\n  done""" # comment\nslice C2'
    toks = tm.tokenize(text)
    assert "string.quoted.triple.phasec" in toks[0][text.split("\n")[0].index('"""')]
    line1 = text.split("\n")[1]
    assert "string.quoted.triple.phasec" in toks[1][line1.index("slice")]
    assert STMT not in toks[1][line1.index("slice")]
    assert "constant.character.escape.phasec" in toks[1][line1.index("\\t")]
    assert not has(toks[2][text.split("\n")[2].index("#")], "comment")
    line3 = text.split("\n")[3]
    assert "punctuation.definition.string.end.phasec" in toks[3][line3.index('"""')]
    assert has(toks[3][line3.index("# comment")], "comment.line")
    assert STMT in toks[4][0]


def test_unterminated_string_ends_at_the_line(tm):
    toks = tm.tokenize('note "open\nslice C1')
    assert STMT in toks[1][0]


def test_suppression_comment(tm):
    text = '  file "x"  # phasec: ignore[PC605, pc301] -- C2 and C3 edit disjoint scripts'
    assert "keyword.other.suppression.phasec" in scopes_of(tm, text, "phasec:")
    assert "constant.other.rule-code.phasec" in scopes_of(tm, text, "PC605")
    assert "constant.other.rule-code.phasec" in scopes_of(tm, text, "pc301")
    assert has(scopes_of(tm, text, "disjoint"), "comment.line.number-sign.suppression.phasec")
    assert "constant.other.rule-code.phasec" not in scopes_of(tm, text, "C2")
    plain = "# phasec is great [PC605]"
    assert "constant.other.rule-code.phasec" not in scopes_of(tm, plain, "PC605")
    assert has(scopes_of(tm, plain, "PC605"), "comment.line.number-sign.phasec")


def _runbooks() -> list[Path]:
    return (
        sorted(EXAMPLES.glob("*.phc"))
        + sorted((ROOT / "tests" / "corpus").glob("*.phc"))
        + sorted((ROOT / "tests" / "fixtures" / "render").glob("*.phc"))
    )


@pytest.mark.parametrize("path", _runbooks(), ids=lambda p: p.name)
def test_grammar_agrees_with_the_parser_on_real_runbooks(tm, path):
    """Every statement keyword, string, handle, number and comment the parser sees is
    highlighted as such; no id the parser reads as a value is a statement keyword."""
    text = path.read_text(encoding="utf-8")
    doc, _ = parse(text, str(path))
    toks = tm.tokenize(text)

    def at(sp):
        return toks[sp.line - 1][sp.column - 1]

    problems = []
    for st in doc.walk():
        if STMT not in at(st.keyword_span):
            problems.append(
                f"{st.keyword_span.line}:{st.keyword_span.column} keyword {st.keyword} -> {at(st.keyword_span)}"
            )
        for v in st.values:
            sc = at(v.span)
            want = {STRING: "string.quoted", HANDLE: "variable.other.constant.handle", NUMBER: "constant.numeric"}.get(
                v.kind
            )
            if want and not has(sc, want):
                problems.append(f"{v.span.line}:{v.span.column} {v.kind} {v.text[:20]} -> {sc}")
            if v.kind == NAME:
                if STMT in sc:
                    problems.append(f"{v.span.line}:{v.span.column} id {v.text} highlighted as a statement keyword")
                if v.text in CLAUSE_WORDS and CLAUSE not in sc and st.keyword in _clause_owners(v.text):
                    problems.append(f"{v.span.line}:{v.span.column} clause {v.text} -> {sc}")
    for c in doc.comments:
        if not has(at(c.span), "comment.line"):
            problems.append(f"{c.span.line}:{c.span.column} comment -> {at(c.span)}")
    assert problems == []


def _clause_owners(word: str) -> set[str]:
    from phasec.compiler.schema import CONTEXTS

    return {
        st.keyword
        for ctx in CONTEXTS.values()
        for st in ctx.statements.values()
        if any(c.word == word for c in st.signature.clauses)
    }


# --- the VS Code extension ---------------------------------------------------------------------------


def test_vscode_manifest():
    pkg = json.loads((VSCODE / "package.json").read_text())
    assert (VSCODE / pkg["main"]).is_file()
    (lang,) = pkg["contributes"]["languages"]
    assert lang["id"] == "phasec" and lang["extensions"] == [".phc"]
    assert (VSCODE / lang["configuration"]).is_file()
    (gram,) = pkg["contributes"]["grammars"]
    assert gram["language"] == "phasec" and gram["scopeName"] == "source.phasec"
    assert (VSCODE / gram["path"]).resolve() == GRAMMAR_PATH
    props = pkg["contributes"]["configuration"]["properties"]
    assert props["phasec.path"]["default"] == "phasec" and props["phasec.path"]["type"] == "string"
    assert "vscode-languageclient" in pkg["dependencies"]
    assert "onLanguage:phasec" in pkg["activationEvents"]
    assert re.fullmatch(r"\^1\.\d+\.\d+", pkg["engines"]["vscode"])
    assert (VSCODE / "README.md").is_file()
    assert "node_modules/" in (VSCODE / ".gitignore").read_text()
    tracked = subprocess.run(
        ["git", "ls-files", "editors/vscode/node_modules"], cwd=ROOT, capture_output=True, text=True
    )
    assert tracked.stdout == ""


def test_vscode_language_configuration():
    conf = json.loads((VSCODE / "language-configuration.json").read_text())
    assert conf["comments"] == {"lineComment": "#"}
    assert ["{", "}"] in conf["brackets"]
    pairs = {p["open"]: p for p in conf["autoClosingPairs"]}
    assert pairs["{"]["close"] == "}" and pairs['"']["close"] == '"' and "string" in pairs['"']["notIn"]
    word = re.compile(conf["wordPattern"])
    for w in ("C1", "drift_core", "@rawr-runtime-host", "1.5", "rawr-hq-orientation"):
        assert word.fullmatch(w), w
    inc = re.compile(conf["indentationRules"]["increaseIndentPattern"])
    dec = re.compile(conf["indentationRules"]["decreaseIndentPattern"])
    assert inc.search('slice C1 "x" {') and not inc.search('slice C1 "x" { after C0 }') and dec.search("  }")


NODE = shutil.which("node")


@pytest.mark.skipif(NODE is None, reason="node is not installed")
def test_vscode_extension_starts_phasec_lsp_with_the_configured_path(tmp_path):
    """Load extension.js in node with stand-ins for `vscode` and `vscode-languageclient`
    (no npm install) and check what it starts."""
    subprocess.run([NODE, "--check", str(VSCODE / "extension.js")], check=True)
    harness = tmp_path / "harness.js"
    harness.write_text(
        r"""
const Module = require("module");
const started = [];
let configured = process.argv[3];
const listeners = [];
const vscode = {
  workspace: {
    getConfiguration: (section) => ({ get: (key) => (section === "phasec" && key === "path" ? configured : undefined) }),
    workspaceFolders: [{ uri: { fsPath: "/ws" } }],
    createFileSystemWatcher: (glob) => ({ glob }),
    onDidChangeConfiguration: (fn) => { listeners.push(fn); return { dispose() {} }; },
  },
  window: { showErrorMessage: (m) => started.push({ error: m }) },
  commands: { registerCommand: (name, fn) => ({ name, dispose() {} }) },
};
class LanguageClient {
  constructor(id, name, server, client) { this.args = { id, name, server, client }; }
  async start() { started.push(this.args); }
  async stop() { started.push("stopped"); }
}
const orig = Module._load;
Module._load = function (request, parent, isMain) {
  if (request === "vscode") return vscode;
  if (request === "vscode-languageclient/node") return { LanguageClient };
  return orig.apply(this, arguments);
};
const ext = require(process.argv[2]);
(async () => {
  const context = { subscriptions: [] };
  await ext.activate(context);
  configured = "${workspaceFolder}/.venv/bin/phasec";
  for (const fn of listeners) await fn({ affectsConfiguration: (s) => s === "phasec.path" });
  await ext.deactivate();
  console.log(JSON.stringify(started));
})();
"""
    )
    r = subprocess.run(
        [NODE, str(harness), str(VSCODE / "extension.js"), ""], capture_output=True, text=True, timeout=60
    )
    assert r.returncode == 0, r.stderr
    events = json.loads(r.stdout)
    first, stopped, second, last = events
    assert first["id"] == "phasec"
    assert first["server"]["run"] == {"command": "phasec", "args": ["lsp"]}  # default when unset
    assert {"scheme": "file", "language": "phasec"} in first["client"]["documentSelector"]
    assert stopped == "stopped" and last == "stopped"
    assert second["server"]["run"] == {"command": "/ws/.venv/bin/phasec", "args": ["lsp"]}


# --- pre-commit and docs -----------------------------------------------------------------------------


def test_pre_commit_hook():
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    hook = next(h for h in hooks if h["id"] == "phasec-lint")
    assert hook["entry"].split()[:2] == ["phasec", "lint"] and hook["language"] == "python"
    files = re.compile(hook["files"])
    assert files.search("docs/runbooks/phase-c.phc") and not files.search("README.md") and not files.search("x.phc.bak")


def test_editor_setup_doc_is_linked_and_has_the_snippets():
    doc = (ROOT / "docs" / "editor-setup.md").read_text()
    for heading in ("## VS Code", "## Neovim", "## pre-commit"):
        assert heading in doc
    lua = "\n".join(re.findall(r"```lua\n(.*?)```", doc, re.S))
    assert "vim.lsp.start" in lua and '{ "phasec", "lsp" }' in lua and 'phc = "phasec"' in lua
    assert "id: phasec-lint" in doc
    readme = (ROOT / "README.md").read_text()
    docs_list = readme.split("## Documentation", 1)[1].split("\n## ", 1)[0]
    assert "(docs/editor-setup.md)" in docs_list and "(docs/output-formats.md)" in docs_list
    formats = (ROOT / "docs" / "output-formats.md").read_text()
    from phasec.compiler.render import RENDERERS, REPOSITORY_URL

    for fmt in RENDERERS:
        assert f"`{fmt}`" in formats
    assert REPOSITORY_URL in formats and "NO_COLOR" in formats and "FORCE_COLOR" in formats
