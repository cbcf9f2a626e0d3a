"""SARIF for GitHub code scanning: what checkov writes, plus what code scanning shows.

GitHub reads a rule's `properties.security-severity` (0.0-10.0) to rank alerts, `helpUri` for
"Learn more", and a run's `automationDetails.id` to tell the analyses of different targets
apart. checkov's offline SARIF has none of them.
"""

from __future__ import annotations

import json
from typing import Any

from .. import HOMEPAGE

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
