"""The result types of the gates: one GateFinding per problem, one GateReport per run."""

from __future__ import annotations

from dataclasses import dataclass, field

GATES = ("parse", "fmt", "schema", "references", "validate")


@dataclass(frozen=True)
class GateFinding:
    """One problem a gate found: where it is and what is wrong."""

    gate: str
    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: [{self.gate}] {self.message}"


def sort_findings(findings: list[GateFinding]) -> list[GateFinding]:
    """Findings in a stable order: gate order, then file, line and message."""
    order = {g: i for i, g in enumerate(GATES)}
    return sorted(findings, key=lambda f: (order.get(f.gate, 99), f.file, f.line or 0, f.message))


@dataclass
class GateReport:
    """Every finding of a run of the gates, plus a one-line summary per gate."""

    findings: list[GateFinding] = field(default_factory=list)
    summaries: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when no gate found anything."""
        return not self.findings

    def lines(self) -> list[str]:
        """The findings, then one summary line per gate ("parse: ok (12 files)")."""
        out = [str(f) for f in self.findings]
        for gate, detail in self.summaries.items():
            if detail.startswith("not run: "):
                out.append(f"{gate}: not run ({detail.removeprefix('not run: ')})")
                continue
            n = sum(1 for f in self.findings if f.gate == gate)
            status = "ok" if n == 0 else f"FAILED, {n} finding(s)"
            out.append(f"{gate}: {status} ({detail})" if detail else f"{gate}: {status}")
        return out
