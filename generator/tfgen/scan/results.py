"""What a scan found: one finding per check result, one result per scan (cacheable)."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ScanFinding:
    """One check result on one resource."""

    check_id: str
    check_name: str
    resource: str
    file: str
    line: int
    guideline: str = ""
    reason: str = ""
    engine: str = "checkov"
    severity: str = ""
    root: str = ""  # trivy: the environment root whose values found it (envs/dev)

    def advice(self) -> str:
        """What to change: the check's name, plus its guideline when it says more."""
        if self.guideline and self.guideline != self.check_name:
            return f"{self.check_name} -> {self.guideline}"
        return self.check_name


@dataclass
class ScanResult:
    """What a scan found, the raw reports for CI, and whether it came from the cache."""

    target: str
    checkov_version: str
    policies: str
    trivy_version: str = ""
    engines: list[str] = field(default_factory=lambda: ["checkov"])
    notes: list[str] = field(default_factory=list)
    failed: list[ScanFinding] = field(default_factory=list)
    skipped: list[ScanFinding] = field(default_factory=list)
    passed: int = 0
    parsing_errors: list[str] = field(default_factory=list)
    # What the engines wrote, as they wrote it: {"checkov": {format: text}, "trivy": {root: text}}.
    sources: dict[str, dict[str, str]] = field(default_factory=dict)
    from_cache: bool = False
    seconds: float = 0.0
    _reports: dict[str, str] | None = field(default=None, repr=False, compare=False)

    @property
    def reports(self) -> dict[str, str]:
        """The machine reports (json, sarif, junitxml), built from `sources` when first asked
        for: a scan whose summary is all that is read does not pay for them."""
        if self._reports is None:
            from . import merged_reports

            self._reports = merged_reports(self)
        return self._reports

    def has_format(self, fmt: str) -> bool:
        """Whether the engines' reports hold what the `fmt` report is built from."""
        return fmt == "text" or "checkov" not in self.engines or fmt in self.sources.get("checkov", {})

    @property
    def exit_code(self) -> int:
        """0 clean, 1 findings (a file checkov could not parse counts as one)."""
        return 1 if self.failed or self.parsing_errors else 0

    def distinct_skips(self) -> list[tuple[ScanFinding, int]]:
        """Each skip once, with how many times it applied.

        A module used by several environments is reported once per use, and a resource with
        count or for_each once per instance (`x`, `x[0]`): skips of the same check in the same
        file, for the same reason, on resources that differ only by an index, are one.
        """
        found: dict[tuple[str, str, str, str, str], list[ScanFinding]] = {}
        for f in self.skipped:
            reason = (f.reason or "").strip() or "no reason given"
            key = (_without_index(f.resource), f.file, f.check_id, reason, f.engine)
            found.setdefault(key, []).append(f)
        out = []
        for (resource, _file, _check, reason, _engine), items in sorted(found.items()):
            first = min(items, key=lambda f: f.line)
            out.append(
                (
                    dataclasses.replace(first, resource=resource, reason=reason),
                    len(items),
                )
            )
        return sorted(out, key=lambda item: (item[0].file, item[0].line, item[0].check_id, item[0].resource))

    def summary_lines(self, *, show_skips: bool = False) -> list[str]:
        """The readable summary: one line per finding (file:line, check, resource, advice),
        the skips as a count (listed with their reasons with `show_skips`), the counts."""
        source = "from cache" if self.from_cache else f"{self.seconds:.1f}s"
        tools = []
        if "checkov" in self.engines:
            tools.append(f"checkov {self.checkov_version}, policies {self.policies or 'built-in only'}")
        if "trivy" in self.engines:
            tools.append(f"trivy {self.trivy_version} (embedded checks, each environment with its tfvars)")
        lines = [f"scan {self.target}: {' + '.join(tools)} ({source})", *self.notes]
        for f in sorted(self.failed, key=lambda f: (f.file, f.line, f.check_id, f.resource, f.root)):
            tag = f.engine + (f" {f.severity}" if f.severity else "") + (f", {f.root}" if f.root else "")
            lines.append(f"{f.file}:{f.line}  {f.check_id}  {f.resource}  {f.advice()} [{tag}]")
        skips = self.distinct_skips()
        if show_skips and skips:
            lines.append("skipped:")
            for skip, n in skips:
                times = f" (x{n})" if n > 1 else ""
                where = f"{skip.file}:{skip.line}" if skip.line else skip.file
                lines.append(f"  {where}  {skip.check_id}  {skip.resource}{times}  {skip.reason}")
        for path in self.parsing_errors:
            lines.append(f"could not parse: {path} (not scanned)")
        counts = f"passed {self.passed}, failed {len(self.failed)}, skipped {len(skips)}"
        if len(self.engines) > 1:
            counts += (
                " ("
                + "; ".join(
                    f"{e}: failed {sum(f.engine == e for f in self.failed)}, "
                    f"skipped {sum(s.engine == e for s, _ in skips)}"
                    for e in self.engines
                )
                + ")"
            )
        if skips and not show_skips:
            counts += " (each with its reason: tfgen scan --show-skips lists them)"
        lines.append(counts)
        return lines

    def to_cache(self) -> dict[str, object]:
        return {
            "target": self.target,
            "checkov_version": self.checkov_version,
            "policies": self.policies,
            "trivy_version": self.trivy_version,
            "engines": self.engines,
            "notes": self.notes,
            "failed": [f.__dict__ for f in self.failed],
            "skipped": [f.__dict__ for f in self.skipped],
            "passed": self.passed,
            "parsing_errors": self.parsing_errors,
            "sources": self.sources,
            "seconds": self.seconds,
        }

    @classmethod
    def from_cache_data(cls, data: dict[str, Any]) -> ScanResult:
        return cls(
            target=data["target"],
            checkov_version=data["checkov_version"],
            policies=data["policies"],
            trivy_version=data["trivy_version"],
            engines=list(data["engines"]),
            notes=list(data["notes"]),
            failed=[ScanFinding(**f) for f in data["failed"]],
            skipped=[ScanFinding(**f) for f in data["skipped"]],
            passed=data["passed"],
            parsing_errors=list(data["parsing_errors"]),
            sources={engine: dict(texts) for engine, texts in data["sources"].items()},
            from_cache=True,
            seconds=data.get("seconds", 0.0),
        )


_INDEX = re.compile(r'\[(?:\d+|"[^"]*")\]')


def _without_index(resource: str) -> str:
    """A resource address without its count/for_each indexes: `x[0]`, `x["a"]` are `x`."""
    return _INDEX.sub("", resource)
