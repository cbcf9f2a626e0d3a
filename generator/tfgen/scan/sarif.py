"""SARIF for GitHub code scanning: what checkov writes, plus what code scanning shows.

GitHub reads a rule's `properties.security-severity` (0.0-10.0) to rank alerts, `helpUri` for
"Learn more", and a run's `automationDetails.id` to tell the analyses of different targets
apart. checkov's offline SARIF has none of them.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

from .. import HOMEPAGE
from .results import ScanFinding

CHECKOV_POLICY_INDEX = "https://www.checkov.io/5.Policy%20Index/terraform.html"
TFGEN_POLICIES = f"{HOMEPAGE}#security-scan"

# tfgen's own policies: what a finding would expose.
TFGEN_SEVERITY = {
    **{f"TFGEN_AWS_{n:03d}": "8.0" for n in (1, 2, 3, 4, 5, 9, 10, 11, 12, 13, 14, 15)},
    **{f"TFGEN_AWS_{n:03d}": "5.0" for n in (6, 7, 8)},  # availability, not exposure
    "TFGEN_AWS_016": "3.0",  # tags
}
# checkov's own severity, when the report has one (offline it usually does not).
SEVERITY = {"CRITICAL": "9.5", "HIGH": "8.0", "MEDIUM": "5.5", "LOW": "3.0", "INFO": "1.0"}
DEFAULT_SEVERITY = "5.5"


def security_severity(rule_id: str, checkov_severity: str | None = None) -> str:
    if rule_id in TFGEN_SEVERITY:
        return TFGEN_SEVERITY[rule_id]
    return SEVERITY.get(str(checkov_severity or "").upper(), DEFAULT_SEVERITY)


def help_uri(rule_id: str) -> str:
    return TFGEN_POLICIES if rule_id.startswith("TFGEN_") else CHECKOV_POLICY_INDEX


def enrich_sarif(text: str, label: str) -> str:
    """checkov's SARIF with severities, help links and the run's automation id added."""
    if not text.strip():
        return text
    try:
        doc: dict[str, Any] = json.loads(text)
    except ValueError:
        return text  # not ours to fix: checkov wrote something else
    for run in doc.get("runs", []):
        run["automationDetails"] = {"id": f"tfgen-scan/{label}/"}
        for rule in run.get("tool", {}).get("driver", {}).get("rules", []):
            rule_id = str(rule.get("id", ""))
            rule.setdefault("helpUri", help_uri(rule_id))
            properties = rule.setdefault("properties", {})
            properties["security-severity"] = security_severity(rule_id, properties.get("severity"))
            properties.setdefault("tags", ["security"])
    return json.dumps(doc, indent=2) + "\n"


# trivy's severities, as trivy's own SARIF maps them.
TRIVY_SEVERITY = {"CRITICAL": "9.5", "HIGH": "8.0", "MEDIUM": "5.5", "LOW": "2.0", "UNKNOWN": "0.0"}
TRIVY_LEVEL = {"CRITICAL": "error", "HIGH": "error", "MEDIUM": "warning", "LOW": "note", "UNKNOWN": "note"}


def trivy_run(findings: list[ScanFinding], version: str, label: str) -> dict[str, Any]:
    """A SARIF run for trivy's findings, with project-relative paths (trivy's own SARIF has
    paths relative to each environment root, `../../modules/...`), one result per finding and
    environment root."""
    rules: dict[str, dict[str, Any]] = {}
    results = []
    for f in sorted(findings, key=lambda f: (f.check_id, f.file, f.line, f.root)):
        severity = f.severity.upper() or "UNKNOWN"
        if f.check_id not in rules:
            rules[f.check_id] = {
                "id": f.check_id,
                "name": "Misconfiguration",
                "shortDescription": {"text": f.check_name or f.check_id},
                "helpUri": f.guideline or "https://avd.aquasec.com/misconfig/",
                "defaultConfiguration": {"level": TRIVY_LEVEL.get(severity, "warning")},
                "properties": {
                    "security-severity": TRIVY_SEVERITY.get(severity, DEFAULT_SEVERITY),
                    "tags": ["misconfiguration", "security", severity],
                },
            }
        results.append(
            {
                "ruleId": f.check_id,
                "ruleIndex": list(rules).index(f.check_id),
                "level": TRIVY_LEVEL.get(severity, "warning"),
                "message": {"text": f"{f.check_name} ({f.resource}, found with {f.root or 'the folder'})"},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {"uri": f.file, "uriBaseId": "%SRCROOT%"},
                            "region": {"startLine": max(f.line, 1)},
                        }
                    }
                ],
            }
        )
    return {
        "tool": {
            "driver": {
                "name": "Trivy",
                "fullName": "Trivy (trivy config, embedded checks)",
                "informationUri": "https://github.com/aquasecurity/trivy",
                "version": version,
                "rules": list(rules.values()),
            }
        },
        "automationDetails": {"id": f"tfgen-scan/{label}/trivy/"},
        "results": results,
        "columnKind": "utf16CodeUnits",
    }


def merge_sarif(checkov_sarif: str, runs: list[dict[str, Any]]) -> str:
    """One SARIF file: checkov's runs (when checkov ran) followed by `runs`."""
    doc: dict[str, Any] = {
        "$schema": "https://raw.githubusercontent.com/oasis-tcs/sarif-spec/master/Schemata/sarif-schema-2.1.0.json",
        "version": "2.1.0",
        "runs": [],
    }
    if checkov_sarif.strip():
        with contextlib.suppress(ValueError):
            doc = json.loads(checkov_sarif)
    doc.setdefault("runs", []).extend(runs)
    return json.dumps(doc, indent=2) + "\n"
