"""What a scan found: one finding per check result, one result per scan (cacheable)."""

from __future__ import annotations

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
    reports: dict[str, str] = field(default_factory=dict)
    from_cache: bool = False
    seconds: float = 0.0

    @property
    def exit_code(self) -> int:
        """0 clean, 1 findings (a file checkov could not parse counts as one)."""
        return 1 if self.failed or self.parsing_errors else 0

    def summary_lines(self) -> list[str]:
        """The readable summary: failures grouped by resource, skips with reasons, counts."""
        source = "from cache" if self.from_cache else f"{self.seconds:.1f}s"
        tools = []
        if "checkov" in self.engines:
            tools.append(f"checkov {self.checkov_version}, policies {self.policies or 'built-in only'}")
        if "trivy" in self.engines:
            tools.append(f"trivy {self.trivy_version} (embedded checks, each environment with its tfvars)")
        lines = [f"scan {self.target}: {' + '.join(tools)} ({source})", *self.notes]
        by_resource: dict[str, list[ScanFinding]] = {}
        for finding in self.failed:
            by_resource.setdefault(finding.resource, []).append(finding)
        for resource in sorted(by_resource):
            lines.append(resource)
            for f in sorted(by_resource[resource], key=lambda f: (f.file, f.line, f.check_id, f.root)):
                found_in = f" ({f.root})" if f.root else ""
                where = f"{f.file}:{f.line}"
                tool = f"{f.engine}  {f.severity or '-'}"
                lines.append(f"  {where}  {f.check_id}  {tool}  {f.advice()}{found_in}")
        if self.skipped:
            # A module used by several environments is reported once per use: list each skip
            # once, with how many times it applied.
            lines.append("skipped:")
            counts: dict[tuple[str, str, int, str, str, str], int] = {}
            for f in self.skipped:
                reason = (f.reason or "").strip() or "no reason given"
                key = (f.resource, f.file, f.line, f.check_id, f.engine, reason)
                counts[key] = counts.get(key, 0) + 1
            for (resource, file, line, check_id, engine, reason), n in sorted(counts.items()):
                times = f" (x{n})" if n > 1 else ""
                where = f"{file}:{line}" if line else file
                lines.append(f"  {resource}  {where}  {check_id}{times}  {reason}  [{engine}]")
        for path in self.parsing_errors:
            lines.append(f"could not parse: {path} (not scanned)")
        lines.append(f"passed {self.passed}, failed {len(self.failed)}, skipped {len(self.skipped)}")
        if len(self.engines) > 1:
            lines[-1] += (
                " ("
                + "; ".join(
                    f"{e}: failed {sum(f.engine == e for f in self.failed)}, "
                    f"skipped {sum(f.engine == e for f in self.skipped)}"
                    for e in self.engines
                )
                + ")"
            )
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
            "reports": self.reports,
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
            reports=dict(data["reports"]),
            from_cache=True,
            seconds=data.get("seconds", 0.0),
        )
