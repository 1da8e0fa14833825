"""Configuration: `[tool.phasec]` in pyproject.toml, or phasec.toml.

    [tool.phasec]
    select = ["PC3", "PC501"]      # codes or prefixes to enable (default: all)
    ignore = ["PC604"]             # codes or prefixes to disable
    [tool.phasec.severity]
    PC604 = "error"                # re-grade a rule: error | warning | info

The nearest file, searching upward from the runbook, wins; phasec.toml (top
level keys, no `tool.phasec` table) takes precedence over pyproject.toml in
the same folder.  Front-end codes (PC0xx-PC2xx) cannot be disabled.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from phasec.compiler.diagnostics import Diagnostic, Severity


class ConfigError(ValueError):
    pass


@dataclass
class Config:
    select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    severity: dict[str, Severity] = field(default_factory=dict)
    path: Path | None = None

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


def _from_table(table: dict, path: Path) -> Config:
    def codes(key: str) -> list[str]:
        v = table.get(key, [])
        if not isinstance(v, list) or not all(isinstance(c, str) for c in v):
            raise ConfigError(f"{path}: `{key}` must be a list of rule codes")
        return [c.upper() for c in v]

    sev = {}
    raw = table.get("severity", {})
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: `severity` must be a table of CODE = \"error|warning|info\"")
    for code, level in raw.items():
        try:
            sev[code.upper()] = Severity(level)
        except ValueError:
            raise ConfigError(f"{path}: severity of {code} must be error, warning or info, not {level!r}") from None
    unknown = set(table) - {"select", "ignore", "severity"}
    if unknown:
        raise ConfigError(f"{path}: unknown setting(s): {', '.join(sorted(unknown))}")
    return Config(codes("select"), codes("ignore"), sev, path)


def load_config(start: Path) -> Config:
    """The configuration that applies to a runbook at ``start``."""
    import tomllib

    folder = start.resolve()
    if folder.is_file() or not folder.exists():
        folder = folder.parent
    for d in [folder, *folder.parents]:
        for name in ("phasec.toml", "pyproject.toml"):
            f = d / name
            if not f.is_file():
                continue
            try:
                data = tomllib.loads(f.read_text(encoding="utf-8"))
            except (tomllib.TOMLDecodeError, OSError, UnicodeDecodeError) as exc:
                raise ConfigError(f"{f}: {exc}") from None
            if name == "phasec.toml":
                return _from_table(data, f)
            table = data.get("tool", {}).get("phasec")
            if table is not None:
                return _from_table(table, f)
    return Config()
