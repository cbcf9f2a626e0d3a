"""The fifth gate, `terraform validate`, and the mutation self-test of the provider twin.

The real terraform validates the rendered environment roots with the offline provider twin
(tools/twin). Copies of a rendered project, each broken one way, must fail with terraform's
own message: that is what proves the twin's schema is faithful enough for terraform's checks
(types, arguments, blocks, attributes, sets, functions, unknown values) to bite.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from helpers import REPO
from tfgen.cli import app
from tfgen.gates import check_validate, run_all_gates
from typer.testing import CliRunner

TWIN = "registry.terraform.io/hashicorp/aws/6.69.1/linux_amd64/terraform-provider-aws_v6.69.1_x5"

# (id, file, old text, new text, terraform's message). Each in a copy of the mysql tree.
MUTATIONS = [
    (
        "string-for-number",
        "envs/staging/main.tf",
        "allocated_storage     = var.database.allocated_storage",
        'allocated_storage     = "twenty"',
        "a number is required",
    ),
    (
        "unknown-argument",
        "modules/vpc/main.tf",
        "  enable_dns_support   = true\n",
        "  enable_dns_support   = true\n  no_such_argument     = true\n",
        'An argument named "no_such_argument" is not expected here.',
    ),
    (
        "missing-required",
        "modules/rds/main.tf",
        "  instance_class = var.instance_class\n",
        "",
        'The argument "instance_class" is required, but no definition was found.',
    ),
    (
        "no-such-attribute",
        "modules/rds/outputs.tf",
        "value       = aws_db_instance.this.address",
        "value       = aws_db_instance.this.no_such_attribute",
        'This object has no argument, nested block, or exported attribute named "no_such_attribute".',
    ),
    (
        "block-as-attribute",
        "modules/vpc/main.tf",
        '  statement {\n    sid       = "AccountAdministers"',
        '  statement = [{ sid = "AccountAdministers" }]\n  statement {\n    sid       = "AccountAdministers"',
        'Did you mean to define a block of type "statement"?',
    ),
    (
        "index-a-set",
        "modules/rds/outputs.tf",
        "value       = aws_db_instance.this.address",
        "value       = aws_db_instance.this.vpc_security_group_ids[0]",
        "Elements of a set are identified only by their value",
    ),
    (
        "bad-function-call",
        "modules/vpc/main.tf",
        "  cidr_block           = var.cidr\n",
        "  cidr_block           = cidrsubnet(var.cidr)\n",
        "Not enough function arguments",
    ),
]


@pytest.fixture(scope="module")
def mirror() -> Path:
    path = Path(os.environ.get("TFGEN_PLUGIN_MIRROR") or REPO / ".tools" / "provider-mirror")
    if not (path / TWIN).is_file():
        pytest.fail(f"the provider twin is not in {path}: run `make setup`")
    return path


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_without_providers_the_gate_says_it_did_not_run(
    rendered: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TFGEN_PLUGIN_MIRROR", raising=False)
    report = run_all_gates(rendered["minimal"])
    assert report.ok
    assert report.lines()[-1] == (
        "validate: not run (no providers (run tfgen plan once, or set TFGEN_PLUGIN_MIRROR to a "
        "provider mirror))"
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    ("path", "old", "new", "message"), [m[1:] for m in MUTATIONS], ids=[m[0] for m in MUTATIONS]
)
def test_a_broken_copy_fails_validate_with_terraforms_message(
    path: str, old: str, new: str, message: str, rendered: dict[str, Path], writable_copy, mirror: Path
) -> None:
    project = writable_copy(rendered["mysql"])
    target = project / path
    assert old in target.read_text()
    target.write_text(target.read_text().replace(old, new, 1))
    findings, _ = check_validate(project, mirror)
    assert findings, f"{path}: terraform validate accepted the mutation"
    assert any(flat(message) in flat(f.message) for f in findings), [str(f) for f in findings]
    assert {f.file.split("/")[0] for f in findings} <= {"envs", "modules"}


@pytest.mark.slow
def test_for_each_over_unknown_values_fails_the_plan(
    rendered: dict[str, Path], writable_copy, mirror: Path
) -> None:
    """What only a plan can find: for_each over values known after apply (through tfgen plan)."""
    project = writable_copy(rendered["minimal"])
    vpc = project / "modules" / "vpc" / "main.tf"
    vpc.write_text(
        vpc.read_text()
        + '\nresource "aws_route_table" "per_subnet" {\n  for_each = toset(aws_subnet.public[*].id)\n'
        "  vpc_id   = aws_vpc.this.id\n}\n"
    )
    (project / "envs/dev/backend_override.tf").write_text('terraform {\n  backend "local" {}\n}\n')
    assert check_validate(project, mirror)[0] == []  # validate cannot see it
    result = CliRunner().invoke(
        app, ["plan", "--env", "dev", "--project", str(project), "--plugin-dir", str(mirror)]
    )
    assert result.exit_code == 1
    assert flat(
        'The "for_each" set includes values derived from resource attributes that cannot be '
        "determined until apply"
    ) in flat(result.output)
