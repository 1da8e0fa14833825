"""The lint path imports what it needs and nothing else (issue 12: start-up cost).

Each check runs in a fresh interpreter and reads ``sys.modules`` at exit:
``phasec lint`` never loads the emitters, templates (jinja2, markupsafe), YAML,
JSON Schema or the language server; networkx is loaded only when a rule asks
for the graph, so a lint that stops at a syntax or schema error, ``phasec fmt``
and ``analyze(rules=False)`` do without it.  And a lint builds no pydantic
schema for the IR: its classes are ``defer_build`` and lowering constructs them
without validation (tests/test_ir_construct.py validates them instead).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "phase-c.phc"

#: Never on the lint path.
NEVER = ("jinja2", "markupsafe", "yaml", "jsonschema", "phasec.emitters", "pygls", "lsprotocol", "phasec.lsp")


def _modules_after(code: str) -> set[str]:
    """The modules loaded once ``code`` has run (in a new interpreter, from the repository root)."""
    probe = (
        "import atexit, json, sys\natexit.register(lambda: print('MODULES' + json.dumps(sorted(sys.modules))))\n" + code
    )
    r = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT)
    line = next((ln for ln in r.stdout.splitlines() if ln.startswith("MODULES")), None)
    assert line is not None, r.stdout + r.stderr
    return set(json.loads(line[len("MODULES") :]))


def _ir_schemas_built_after(code: str) -> list[str]:
    """The IR classes whose pydantic schema (validator) is built once ``code`` has run (a new interpreter)."""
    probe = (
        "import atexit, json, sys\n"
        "def _report():\n"
        "    from phasec.compiler import ir\n"
        "    built = sorted(c.__name__ for c in vars(ir).values()\n"
        "                   if isinstance(c, type) and issubclass(c, ir.Node) and c.__pydantic_complete__)\n"
        "    print('BUILT' + json.dumps(built))\n"
        "atexit.register(_report)\n" + code
    )
    r = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT)
    line = next((ln for ln in r.stdout.splitlines() if ln.startswith("BUILT")), None)
    assert line is not None, r.stdout + r.stderr
    return json.loads(line[len("BUILT") :])


def _loaded(modules: set[str], name: str) -> bool:
    return any(m == name or m.startswith(name + ".") for m in modules)


def _cli(*args: str) -> str:
    return f"sys.argv = ['phasec', *{list(args)!r}]\nfrom phasec.cli.main import run\ntry:\n    run()\nexcept SystemExit:\n    pass\n"


#: Never on the path of `phasec lint` itself either: other commands' packages, the rule catalogue
#: (`phasec rules`/`explain`), the fixer (`--fix` only), rich (typer's, not used: no rich markup).
LINT_NEVER = (
    *NEVER,
    "rich",
    "phasec.compiler.rules.catalog",
    "phasec.fix",
    "phasec.format",
    "phasec.importer",
    "phasec.status",
)


@pytest.mark.parametrize(
    "runbook", [EXAMPLE, ROOT / "tests" / "corpus" / "phase-c-as-written.phc"], ids=["clean", "findings"]
)
def test_lint_of_a_real_runbook_loads_no_emitter_template_yaml_or_server_module(runbook):
    mods = _modules_after(_cli("lint", str(runbook)))
    assert "phasec.compiler.rules" in mods  # the lint ran
    assert [n for n in LINT_NEVER if _loaded(mods, n)] == []


@pytest.mark.parametrize(
    "text",
    [
        'slice C1 "unclosed {\n',  # syntax error: no rule runs
        'phase C "x" {\n  bogus_keyword 1\n}\n',  # schema error: no rule runs
    ],
    ids=["syntax-error", "schema-error"],
)
def test_lint_that_stops_before_the_rules_does_not_load_networkx(tmp_path, text):
    f = tmp_path / "bad.phc"
    f.write_text(text, encoding="utf-8")
    mods = _modules_after(_cli("lint", str(f)))
    assert "phasec.compiler.pipeline" in mods
    assert not _loaded(mods, "networkx")
    assert "phasec.compiler.graph" not in mods
    assert [n for n in NEVER if _loaded(mods, n)] == []


def test_parse_and_lower_without_rules_do_not_load_networkx_or_the_rules():
    mods = _modules_after(
        "from phasec.compiler.pipeline import analyze\n"
        f"r = analyze(open({str(EXAMPLE)!r}).read(), 'x.phc', rules=False)\n"
        "assert r.runbook is not None and r.runbook.slices\n"
    )
    assert "phasec.compiler.ir" in mods
    assert not _loaded(mods, "networkx")
    assert "phasec.compiler.rules" not in mods
    assert [n for n in NEVER if _loaded(mods, n)] == []


def test_fmt_does_not_load_networkx_or_the_rules():
    mods = _modules_after(_cli("fmt", "--check", str(EXAMPLE)))
    assert "phasec.format" in mods  # the formatter ran
    assert not _loaded(mods, "networkx")
    assert [n for n in NEVER if _loaded(mods, n)] == []


def test_lint_of_a_real_runbook_builds_no_ir_schema():
    """The IR's ~55 pydantic models cost ~130 ms of start-up to build; a lint needs none of them."""
    assert _ir_schemas_built_after(_cli("lint", str(EXAMPLE))) == []
    for runbook in sorted((ROOT / "tests" / "corpus").glob("*.phc"))[:2]:  # real runbooks with findings
        assert _ir_schemas_built_after(_cli("lint", str(runbook))) == []


def test_the_schema_probe_sees_a_built_schema():
    """The probe above can fail: validating a node builds the schemas it needs."""
    built = _ir_schemas_built_after(
        "from phasec.compiler import ir\nfrom phasec.source import Span\n"
        "ir.Ref(kind='slice', id='C1', span=Span(file='x', line=1, column=1, end_line=1, end_column=2))\n"
    )
    assert built == ["Ref"]


def test_the_console_script_tunes_the_collector_before_typer_and_freezes_the_heap_at_exit():
    """`phasec` (phasec.cli.entry): thresholds raised before typer and the rest are imported (the
    imports then trigger no collections), and the heap frozen once the command has run (the
    interpreter's final collections do not rescan it: docs/performance.md, *Start-up*)."""
    from phasec.cli.collector import GC_THRESHOLDS

    code = (
        "import atexit, gc, sys\n"
        "class Spy:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name in ('typer', 'pydantic', 'lark') and name not in seen:\n"
        "            seen[name] = gc.get_threshold()\n"
        "seen = {}\n"
        "sys.meta_path.insert(0, Spy())\n"
        "atexit.register(lambda: print('SEEN', seen, 'FROZEN', gc.get_freeze_count(), file=sys.stderr))\n"
        f"sys.argv = ['phasec', 'lint', {str(EXAMPLE)!r}]\n"
        "import runpy\n"
        "runpy.run_module('phasec', run_name='__main__')\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stdout + r.stderr
    line = next(ln for ln in r.stderr.splitlines() if ln.startswith("SEEN"))
    assert line.startswith(f"SEEN {(dict.fromkeys(('typer', 'pydantic', 'lark'), GC_THRESHOLDS))!r} FROZEN "), line
    assert int(line.rsplit(" ", 1)[1]) > 10_000  # the heap of a lint, frozen
    # the console script is this entry point
    import tomllib

    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    assert scripts["phasec"] == "phasec.cli.entry:run"


def _commands_built_by(*args: str) -> tuple[list[str], str]:
    """The commands whose click command typer builds in a `phasec ARGS` process, and its stdout."""
    code = (
        "import atexit, sys, typer.main\n"
        "built = []\n"
        "real = typer.main.get_command_from_info\n"
        "def spy(*args, **kw):\n"
        "    command = real(*args, **kw)\n"
        "    built.append(command.name)\n"
        "    return command\n"
        "typer.main.get_command_from_info = spy\n"
        "atexit.register(lambda: print('BUILT', ' '.join(built)))\n" + _cli(*args)
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    line = next((ln for ln in r.stdout.splitlines() if ln.startswith("BUILT")), None)
    assert line is not None, r.stdout + r.stderr
    return line.split()[1:], r.stdout


ALL_COMMANDS = ["lint", "compile", "rules", "explain", "graph", "schema", "fmt", "lsp", "import", "status"]


def test_a_command_builds_only_its_own_typer_command_and_help_lists_them_all():
    """typer builds every command of a group each run (~10 ms for ten); phasec's group builds the one invoked."""
    assert _commands_built_by("lint", str(EXAMPLE))[0] == ["lint"]
    assert _commands_built_by("fmt", "--check", str(EXAMPLE))[0] == ["fmt"]
    built, out = _commands_built_by("--help")
    assert built == ALL_COMMANDS
    listed = [ln.split()[0] for ln in out.split("Commands:", 1)[1].splitlines() if ln.startswith("  ")]
    assert listed == ALL_COMMANDS  # registration order, as typer lists them
    # a mistyped command is still matched against every name
    r = subprocess.run([sys.executable, "-m", "phasec", "lnt", str(EXAMPLE)], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 2 and "No such command 'lnt'. Did you mean 'lint'?" in r.stderr
