"""Configuration: `[tool.phasec]` in pyproject.toml, or phasec.toml.

    [tool.phasec]
    select = ["PC3", "PC501"]      # codes or prefixes to enable (default: all)
    ignore = ["PC604"]             # codes or prefixes to disable
    [tool.phasec.severity]
    PC604 = "error"                # re-grade a rule: error | warning | info
    [tool.phasec.require]          # what each slice kind must contain (PC714)
    runtime = ["files", "branch", "gate:quick", "gate:full"]
    review = ["lens"]              # a kind named here replaces its default; [] requires nothing

The nearest file, searching upward from the runbook, wins; phasec.toml (top
level keys, no `tool.phasec` table) takes precedence over pyproject.toml in
the same folder.  Front-end codes (PC0xx-PC2xx) cannot be disabled.  Every
code must exist (a prefix must match at least one code; a severity key must be
a whole code): an unknown one is an error (PC903) at its place in the file, with
the closest code suggested.  In `require`, an unknown slice kind or
requirement name is an error (PC714) at its place, with the closest one
suggested.
"""

from __future__ import annotations

import stat
from dataclasses import dataclass, field
from pathlib import Path

from phasec.compiler.diagnostics import Diagnostic, Severity


class ConfigError(ValueError):
    """A configuration that cannot be used.

    ``diagnostics`` locate the problem in the configuration file when it is a
    value (an unknown code), with ``source`` the file's text for the snippets.
    """

    def __init__(self, message: str, diagnostics: list[Diagnostic] | None = None, source=None):
        super().__init__(message)
        self.diagnostics = diagnostics or []
        self.source = source


@dataclass
class Config:
    select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    severity: dict[str, Severity] = field(default_factory=dict)
    path: Path | None = None
    #: slice kind -> requirement names (PC714); None: the defaults
    require: dict[str, list[str]] | None = None

    def __post_init__(self) -> None:
        self.select = [c.upper() for c in self.select]
        self.ignore = [c.upper() for c in self.ignore]
        self.severity = {k.upper(): Severity(v) for k, v in self.severity.items()}

    def enabled(self, code: str) -> bool:
        if code[:3] in ("PC0", "PC1", "PC2"):
            return True
        if self.select and not any(code.startswith(p) for p in self.select):
            return False
        return not any(code.startswith(p) for p in self.ignore)

    def regrade(self, d: Diagnostic) -> Diagnostic:
        sev = self.severity.get(d.code)
        if sev is None or sev == d.severity:
            return d
        return d.model_copy(update={"severity": sev})


def known_codes() -> set[str]:
    """Every diagnostic code: the front end's and the rules'."""
    from phasec.compiler.rules import FRONT_END, all_rules

    return set(FRONT_END) | {r.code for r in all_rules()}


def _locate(text: str, setting: str, code: str, quoted: bool) -> tuple[int, int]:
    """Offsets of ``code`` as written in the file: after the setting's name when possible.

    A heuristic over the text (tomllib keeps no positions): the first occurrence
    of the code (quoted in a list, or as a table key) after the setting, else
    anywhere, else the start of the file.
    """
    import re

    body = re.escape(code)
    pattern = rf"([\"'])({body})\1" if quoted else rf"(^|[\s{{,\"'])({body})([\"']?\s*=)"
    start = 0
    m = re.search(rf"(^|[\s.{{]){re.escape(setting)}\b", text, re.M)
    if m is not None:
        start = m.end()
    for offset in (start, 0):
        hit = re.compile(pattern, re.I | re.M).search(text, offset)
        if hit is not None:
            return hit.start(2), hit.end(2)
    return 0, 0


def validate_codes(cfg: Config, text: str | None) -> list[Diagnostic]:
    """An error diagnostic (PC903) for each code in ``select``, ``ignore`` or ``severity`` that
    names no code: a code or prefix in the lists must match at least one code, a
    severity key must be a whole code.  Located in the configuration file's text."""
    from phasec.compiler.diagnostics import did_you_mean
    from phasec.source import SourceFile

    known = known_codes()
    src = SourceFile(str(cfg.path) if cfg.path else "<config>", text or "")
    out: list[Diagnostic] = []

    def report(setting: str, code: str, what: str, quoted: bool) -> None:
        start, end = _locate(src.text, setting, code, quoted)
        hint = did_you_mean(code, known)
        out.append(
            Diagnostic(
                code="PC903",
                severity=Severity.ERROR,
                message=f"unknown {what} `{code}` in `{setting}`",
                span=src.span(start, end),
                help=(hint + " " if hint else "") + "(`phasec rules` lists the codes)",
            )
        )

    for setting in ("select", "ignore"):
        for code in getattr(cfg, setting):
            if not any(k.startswith(code) for k in known):
                report(setting, code, "code or prefix" if len(code) < 5 else "code", True)
    for code in cfg.severity:
        if code not in known:
            report("severity", code, "code", False)
    return out


def validate_require(cfg: Config, text: str | None) -> list[Diagnostic]:
    """An error diagnostic (PC714) for each kind or requirement name in ``require`` that phasec
    does not know, located in the configuration file's text, with the closest one suggested."""
    from phasec.compiler.diagnostics import did_you_mean
    from phasec.compiler.rules._requirements import KNOWN_KINDS, requirement_names, unknown_requirement
    from phasec.source import SourceFile

    src = SourceFile(str(cfg.path) if cfg.path else "<config>", text or "")
    out: list[Diagnostic] = []

    def report(word: str, quoted: bool, message: str, hint: str | None, listing: str) -> None:
        start, end = _locate(src.text, "require", word, quoted)
        out.append(
            Diagnostic(
                code="PC714",
                severity=Severity.ERROR,
                message=message,
                span=src.span(start, end),
                help=(hint + " " if hint else "") + listing,
            )
        )

    for kind, names in (cfg.require or {}).items():
        if kind not in KNOWN_KINDS:
            report(
                kind,
                False,
                f"unknown slice kind `{kind}` in `require`",
                did_you_mean(kind, KNOWN_KINDS),
                "(the kinds: " + ", ".join(KNOWN_KINDS) + ")",
            )
        for name in names:
            if unknown_requirement(name):
                report(
                    name,
                    True,
                    f"unknown requirement `{name}` for kind `{kind}` in `require`",
                    did_you_mean(name, requirement_names()),
                    "(the requirements: " + ", ".join(requirement_names()[:-2]) + ", gate:CADENCE)",
                )
    return out


def _from_table(table: dict, path: Path, text: str | None = None) -> Config:
    def codes(key: str) -> list[str]:
        v = table.get(key, [])
        if not isinstance(v, list) or not all(isinstance(c, str) for c in v):
            raise ConfigError(f"{path}: `{key}` must be a list of rule codes")
        return [c.upper() for c in v]

    sev = {}
    raw = table.get("severity", {})
    if not isinstance(raw, dict):
        raise ConfigError(f'{path}: `severity` must be a table of CODE = "error|warning|info"')
    for code, level in raw.items():
        try:
            sev[code.upper()] = Severity(level)
        except ValueError:
            raise ConfigError(f"{path}: severity of {code} must be error, warning or info, not {level!r}") from None
    unknown = set(table) - {"select", "ignore", "severity", "require"}
    if unknown:
        raise ConfigError(f"{path}: unknown setting(s): {', '.join(sorted(unknown))}")
    require = None
    if "require" in table:
        raw_req = table["require"]
        if not isinstance(raw_req, dict) or not all(
            isinstance(v, list) and all(isinstance(n, str) for n in v) for v in raw_req.values()
        ):
            raise ConfigError(f'{path}: `require` must be a table of KIND = ["REQUIREMENT", ...]')
        require = {str(k): list(v) for k, v in raw_req.items()}
    cfg = Config(codes("select"), codes("ignore"), sev, path, require)
    if text is not None:
        bad = validate_codes(cfg, text) + validate_require(cfg, text)
        if bad:
            from phasec.source import SourceFile

            raise ConfigError(
                "; ".join(f"{path}:{d.span.line}:{d.span.column}: {d.message}" for d in bad),
                bad,
                SourceFile(str(path), text),
            )
    return cfg


def load_config(start: Path, cache: dict | None = None) -> Config:
    """The configuration that applies to a runbook at ``start``.

    ``cache`` (the language server's, per process): a dict in which each configuration file read
    is kept with what it gave (a ``Config``, None for a ``pyproject.toml`` without
    ``[tool.phasec]``, or the error), under its path, and read again only when the file's
    identity, size or modification time changed.  The search itself (which folders hold which
    file) is made every time.
    """
    folder = start.resolve()
    if folder.is_file() or not folder.exists():
        folder = folder.parent
    for d in [folder, *folder.parents]:
        for name in ("phasec.toml", "pyproject.toml"):
            f = d / name
            try:
                st = f.stat()
            except OSError:
                continue
            if not stat.S_ISREG(st.st_mode):
                continue
            if cache is None:
                outcome = _read_config(f)
            else:
                key = (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
                hit = cache.get(f)
                if hit is None or hit[0] != key:
                    hit = cache[f] = (key, _read_config(f))
                outcome = hit[1]
            if isinstance(outcome, ConfigError):
                raise ConfigError(str(outcome), list(outcome.diagnostics), outcome.source)
            if outcome is not None:
                return outcome
    return Config()


def _read_config(f: Path) -> Config | ConfigError | None:
    """What the configuration file ``f`` gives: its configuration, None (a ``pyproject.toml``
    without ``[tool.phasec]``), or the error that makes it unusable."""
    import tomllib

    try:
        text = f.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, OSError, UnicodeDecodeError) as exc:
        return ConfigError(f"{f}: {exc}")
    try:
        if f.name == "phasec.toml":
            return _from_table(data, f, text)
        table = data.get("tool", {}).get("phasec")
        return None if table is None else _from_table(table, f, text)
    except ConfigError as exc:
        return exc
