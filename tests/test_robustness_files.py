"""One bad file never stops the rest (lint, fmt, compile); encodings; extreme files."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
from conftest import EXAMPLES, ROOT

from phasec.compiler.pipeline import analyze
from phasec.grammar.reading import MAX_BYTES, decode, read_runbook

GOOD = (
    'phase C "T" {\n  posture forward_only\n}\nslice C1 "x" {\n  objective "y"\n  owner @team\n  agent P1\n}\n'
    'owners {\n  owner @team "The team"\n}\nteam {\n  max_active 1\n  agent P1 "Does it"\n}\n'
)
WITH_ERROR = GOOD.replace("  owner @team\n", "  owner @nobody\n", 1)  # PC202, an error


def run(*args: str, stdin: bytes | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "phasec", *args],
        capture_output=True,
        cwd=ROOT,
        input=stdin,
        env={**os.environ, **(env or {})},
    )


def lines(data: bytes) -> list[str]:
    return data.decode("utf-8", "replace").splitlines()


@pytest.fixture
def tree(tmp_path):
    """A folder of runbooks with every kind of bad path among good ones."""
    (tmp_path / "a_good.phc").write_text(GOOD)
    (tmp_path / "b_error.phc").write_text(WITH_ERROR)
    (tmp_path / "c_latin1.phc").write_bytes(GOOD.replace('"x"', '"caf\u00e9"').encode("latin-1"))
    (tmp_path / "d_dir.phc").mkdir()
    unreadable = tmp_path / "e_noperm.phc"
    unreadable.write_text(GOOD)
    unreadable.chmod(0)
    (tmp_path / "f_good.phc").write_text(GOOD)
    return tmp_path


def test_lint_checks_every_file_and_exits_2_when_one_could_not_be_read(tree):
    paths = [
        str(tree / n) for n in ("a_good.phc", "b_error.phc", "c_latin1.phc", "d_dir.phc", "missing.phc", "f_good.phc")
    ]
    r = run("lint", "-f", "concise", *paths)
    out = lines(r.stdout)
    assert r.returncode == 2, r.stderr
    # the undecodable file: PC008 at the line and column of the bad byte, with its byte offset
    latin = GOOD.replace('"x"', '"caf\u00e9"')
    bad_at = latin.encode("latin-1").index(b"\xe9")
    line = latin[:bad_at].count("\n") + 1
    col = bad_at - (latin[:bad_at].rfind("\n") + 1) + 1
    assert any(f"c_latin1.phc:{line}:{col}: PC008" in ln and f"byte offset {bad_at}" in ln for ln in out), out
    assert any("d_dir.phc:1:1: PC007" in ln and "folder" in ln for ln in out), out
    assert any("missing.phc:1:1: PC007" in ln and "no such file" in ln for ln in out), out
    assert any("b_error.phc" in ln and "PC202" in ln for ln in out), out  # still checked
    # output in input order
    files = [ln.split(":", 1)[0] for ln in out]
    assert files == sorted(files)


def test_without_unreadable_files_the_exit_code_is_1_for_errors_and_0_for_clean(tree):
    assert run("lint", str(tree / "a_good.phc"), str(tree / "f_good.phc")).returncode == 0
    assert run("lint", str(tree / "a_good.phc"), str(tree / "b_error.phc")).returncode == 1


def test_a_file_without_read_permission_gets_pc007(tree):
    if os.geteuid() == 0:
        # root reads anything: simulate the failure at the one place files are opened
        from phasec.grammar import reading

        real_open = open

        def no_perm(path, *a, **k):
            if str(path).endswith("e_noperm.phc"):
                raise PermissionError(13, "Permission denied", str(path))
            return real_open(path, *a, **k)

        reading.open = no_perm
        try:
            read = read_runbook(tree / "e_noperm.phc")
        finally:
            del reading.open
    else:
        read = read_runbook(tree / "e_noperm.phc")
    assert read.diagnostic.code == "PC007" and "permission denied" in read.diagnostic.message


def test_a_folder_searched_for_runbooks_reports_the_bad_ones_and_checks_the_rest(tree):
    (tree / "d_dir.phc").rmdir()
    (tree / "e_noperm.phc").chmod(0o644)
    r = run("lint", "-f", "concise", str(tree))
    assert r.returncode == 2
    out = lines(r.stdout)
    assert any("c_latin1.phc" in ln and "PC008" in ln for ln in out)
    assert any("b_error.phc" in ln and "PC202" in ln for ln in out)


def test_fmt_formats_every_readable_file_and_exits_2(tree):
    messy = GOOD.replace("  posture", "      posture")
    (tree / "a_good.phc").write_text(messy)
    r = run("fmt", str(tree / "a_good.phc"), str(tree / "c_latin1.phc"), str(tree / "missing.phc"))
    assert r.returncode == 2
    err = r.stderr.decode()
    assert "PC008" in err and "PC007" in err and "reformatted" in err
    from phasec.format import format_text

    assert (tree / "a_good.phc").read_text() == format_text(GOOD)


def test_compile_of_an_unreadable_file_is_a_located_diagnostic_and_exit_2(tree):
    r = run("compile", str(tree / "c_latin1.phc"), "-o", str(tree / "out"))
    assert r.returncode == 2 and b"PC008" in r.stderr and b"Traceback" not in r.stderr
    assert not (tree / "out").exists()


def test_many_files_are_spread_over_processes_with_the_same_output(tmp_path):
    for i in range(40):
        (tmp_path / f"f{i:02d}.phc").write_text(WITH_ERROR if i % 3 else GOOD)
    (tmp_path / "f17.phc").write_bytes(b"\xff\xfe")
    serial = run("lint", "-f", "json", str(tmp_path), env={"PHASEC_JOBS": "1"})
    parallel = run("lint", "-f", "json", str(tmp_path), env={"PHASEC_JOBS": "2"})
    assert serial.returncode == parallel.returncode == 2
    assert serial.stdout == parallel.stdout and serial.stdout


def test_jobs_threshold():
    from phasec.cli.lint_files import PARALLEL_MIN_FILES, jobs

    os.environ.pop("PHASEC_JOBS", None)
    assert jobs(1) == 1 and jobs(PARALLEL_MIN_FILES - 1) == 1
    cpus = len(os.sched_getaffinity(0))
    assert jobs(PARALLEL_MIN_FILES) == min(cpus, PARALLEL_MIN_FILES) if cpus > 1 else 1


def test_an_internal_failure_on_one_file_is_pc000_there_and_the_others_are_checked(tmp_path, monkeypatch):
    from phasec.cli import lint_files

    real = lint_files.analyze_text.__globals__["__builtins__"]  # noqa: F841 - keeps the module loaded
    from phasec.compiler import pipeline

    real_analyze = pipeline.analyze

    def flaky(text, name, **kw):
        if name.endswith("boom.phc"):
            raise RuntimeError("simulated")
        return real_analyze(text, name, **kw)

    monkeypatch.setattr(pipeline, "analyze", flaky)
    results = lint_files.check_paths([(str(EXAMPLES / "phase-c.phc"), None), ("boom.phc", None)])
    assert results[0].diagnostics == [] or all(d.code != "PC000" for d in results[0].diagnostics)
    assert results[1].diagnostics[0].code == "PC007"  # missing: read first
    (tmp_path / "boom.phc").write_text(GOOD)
    res = lint_files.check_path(str(tmp_path / "boom.phc"), None)
    assert res.internal and res.diagnostics[0].code == "PC000" and "simulated" in res.diagnostics[0].message


# ─── encodings ──────────────────────────────────────────────────────────────────


def test_a_bom_is_accepted_and_kept_by_fmt(tmp_path):
    f = tmp_path / "bom.phc"
    f.write_bytes(b"\xef\xbb\xbf" + GOOD.replace("  posture", "    posture").encode())
    r = run("lint", "-f", "concise", str(f))
    assert r.returncode == 0 and r.stdout == b"", r.stdout
    r = run("fmt", str(f))
    assert r.returncode == 0, r.stderr
    from phasec.format import format_text

    canonical = format_text(GOOD).encode()
    assert f.read_bytes() == b"\xef\xbb\xbf" + canonical
    r = run("fmt", "-", stdin=f.read_bytes())
    assert r.stdout == b"\xef\xbb\xbf" + canonical
    # positions on the first line do not count the BOM (as editors show them)
    read = decode(b"\xef\xbb\xbf" + WITH_ERROR.encode(), "x.phc")
    assert read.bom and analyze(read.text, "x.phc").diagnostics == analyze(WITH_ERROR, "x.phc").diagnostics


def test_crlf_and_tabs_work_like_lf_and_spaces(tmp_path):
    text = (EXAMPLES / "phase-c.phc").read_text(encoding="utf-8")
    base = analyze(text, "x.phc")
    crlf = analyze(text.replace("\n", "\r\n"), "x.phc")
    tabs = analyze(text.replace("  ", "\t"), "x.phc")
    from phasec.format import runbook_fingerprint

    def keyed(res):
        return [(d.code, d.span.line) for d in res.diagnostics]

    assert keyed(crlf) == keyed(base) and keyed(tabs) == keyed(base)
    assert runbook_fingerprint(tabs.runbook) == runbook_fingerprint(base.runbook)
    f = tmp_path / "crlf.phc"
    f.write_bytes(GOOD.replace("\n", "\r\n").encode())
    assert run("fmt", "--check", str(f)).returncode in (0, 1)
    assert run("lint", str(f)).returncode == 0


def test_a_lone_bom_or_a_bom_in_the_middle():
    assert analyze(decode(b"\xef\xbb\xbf", "x").text, "x").diagnostics[0].code == "PC109"
    mid = GOOD.replace("slice", "\ufeffslice", 1)
    codes = [d.code for d in analyze(mid, "x").diagnostics]
    assert codes and codes[0].startswith("PC0")  # an invisible character in the middle is reported


# ─── extremes ───────────────────────────────────────────────────────────────────


#: Runs phasec and prints the process' own peak memory at exit: VmHWM of /proc/self/status (the
#: high-water mark of this program; ru_maxrss would carry the parent's size over fork and exec).
_MEASURED = (
    "import atexit, re, runpy, sys\n"
    "hwm = lambda: re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1)\n"
    "atexit.register(lambda: sys.stderr.write('PEAK_KB %s\\n' % hwm()))\n"
    "sys.argv = ['phasec', *sys.argv[1:]]\n"
    "runpy.run_module('phasec', run_name='__main__')\n"
)


def bounded(
    args: list[str], stdin: bytes | None = None, seconds: float = 120
) -> tuple[subprocess.CompletedProcess, float, int]:
    """Run phasec: (result, wall seconds, the process' peak memory in KB)."""
    start = time.perf_counter()
    r = subprocess.run(
        [sys.executable, "-c", _MEASURED, *args], capture_output=True, cwd=ROOT, input=stdin, timeout=seconds
    )
    peaks = [int(line.split()[1]) for line in r.stderr.decode().splitlines() if line.startswith("PEAK_KB ")]
    assert peaks, r.stderr[-2000:]
    return r, time.perf_counter() - start, peaks[-1]


def test_an_empty_file_is_a_clear_diagnostic(tmp_path):
    f = tmp_path / "empty.phc"
    f.write_bytes(b"")
    r, _, _ = bounded(["lint", "-f", "concise", str(f)])
    assert r.returncode == 1 and b"PC109" in r.stdout


def test_a_50_mb_file_is_refused_without_being_read(tmp_path):
    f = tmp_path / "big.phc"
    chunk = (EXAMPLES / "phase-c.phc").read_bytes()
    with f.open("wb") as fh:
        for _ in range(50 * 1024 * 1024 // len(chunk) + 1):
            fh.write(chunk)
    assert f.stat().st_size > 50 * 1024 * 1024
    r, _seconds, peak_kb = bounded(["lint", "-f", "concise", str(f)])
    assert r.returncode == 2 and b"PC010" in r.stdout, r.stdout
    assert peak_kb < 100_000  # not read into memory (about 35 MB: the interpreter and phasec)
    r, _, _ = bounded(["lint", "-f", "concise", "-"], stdin=b"x" * (MAX_BYTES + 10))
    assert r.returncode == 2 and b"PC010" in r.stdout


def test_10000_nested_blocks_are_one_diagnostic_not_a_recursion_error(tmp_path):
    for opener in ('note "a" {\n', 'item x "a" {\n'):
        closed = 'phase X "t" {\n}\n' + opener * 10_000 + "}\n" * 10_000
        unclosed = 'phase X "t" {\n}\n' + opener * 10_000
        for text in (closed, unclosed):
            res = analyze(text, "deep.phc")
            codes = [d.code for d in res.diagnostics]
            # the nesting, where it passes the limit; nothing is parsed (so no phase either: PC109)
            assert codes == ["PC109", "PC009"] or codes == ["PC009", "PC109"], codes
            deep = next(d for d in res.diagnostics if d.code == "PC009")
            assert deep.span.line == 3 + 100
    # the limit itself is fine through every stage: parse, lint, format, compile
    ok = 'phase X "t" {\n}\n' + 'note "a" {\n' * 100 + "}\n" * 100
    assert not analyze(ok, "deep.phc").has_errors
    from phasec.format import format_text

    assert format_text(format_text(ok)) == format_text(ok)
    f = tmp_path / "deep.phc"
    f.write_text('phase X "t" {\n}\n' + 'note "a" {\n' * 10_000 + "}\n" * 10_000)
    r, _, peak_kb = bounded(["lint", "-f", "concise", str(f)])
    assert r.returncode == 1 and b"PC009" in r.stdout and b"Recursion" not in r.stdout + r.stderr
    assert peak_kb < 150_000


def test_braces_in_strings_and_comments_do_not_count_as_nesting():
    from phasec.grammar.limits import too_deep

    assert too_deep('note "' + "{" * 500 + '"\n# ' + "{" * 500 + '\nnote """\n' + "{" * 500 + '\n"""\n') is None
    assert too_deep("a {\n" * 101) == 4 * 100 + 2  # the 101st `{`
    assert too_deep("a {\n" * 100) is None


def test_a_1_mb_line_works_in_bounded_time(tmp_path):
    f = tmp_path / "long.phc"
    f.write_text('phase X "t" {\n  summary "' + "x" * 1_000_000 + '"\n}\n')
    r, _seconds, peak_kb = bounded(["lint", "-f", "concise", str(f)])
    assert r.returncode == 0 and r.stdout == b"", r.stdout[:300]  # parsed and checked: clean
    assert peak_kb < 600_000  # about 285 MB measured
    assert b"Traceback" not in r.stderr
