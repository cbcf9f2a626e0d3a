"""The spec's JSON Schema is valid for the validators editors and CI use, and says what it can.

check-jsonschema (Python, format checks on) and ajv (node; ECMA-262 regexes in unicode mode)
both run for real: each accepts the schema, validates the bundled example, the README's spec
block and every test spec, and refuses a profile key in a base section.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import REPO, TEST_SPECS
from tfgen.cli import app
from tfgen.render import SCHEMA_DATA, generate_schema_text, schema_text
from typer.testing import CliRunner

SCHEMA = REPO / "tfgen.schema.json"
SPECS = [
    REPO / "examples" / "app.yaml",
    *TEST_SPECS.values(),
    *sorted((REPO / "tests/specs/extra").glob("*.yaml")),
]


def check_jsonschema() -> str:
    found = Path(sys.executable).parent / "check-jsonschema"
    if not found.is_file():
        pytest.fail("check-jsonschema is not installed in this venv: run `make setup`")
    return str(found)


def ajv() -> str:
    found = REPO / ".tools" / "ajv" / "node_modules" / ".bin" / "ajv"
    if not found.is_file():
        where = shutil.which("npm")
        pytest.fail(
            "ajv-cli is not installed: run `make setup`"
            + ("" if where else " (it needs node and npm, which this machine lacks: install nodejs)")
        )
    return str(found)


def run(*cmd: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)


def readme_spec(tmp_path: Path) -> Path:
    """The README's spec block, as printed, with the user-data script it names next to it."""
    text = (REPO / "README.md").read_text()
    block = re.search(r"## The app spec\n.*?```yaml\n(.*?)```", text, re.S)
    assert block, "the README has no spec block under '## The app spec'"
    spec = tmp_path / "readme" / "tfgen.yaml"
    spec.parent.mkdir()
    spec.write_text(block.group(1))
    (spec.parent / "user-data.sh").write_text("#!/bin/bash\necho ready\n")
    return spec


def test_committed_schema_is_what_tfgen_schema_prints() -> None:
    result = CliRunner().invoke(app, ["schema"])
    assert result.exit_code == 0
    assert result.output == SCHEMA.read_text() == schema_text()


def test_packaged_schema_is_what_the_spec_models_generate() -> None:
    """Renders read the schema shipped in the package (generating it costs pydantic ~50 ms)."""
    assert SCHEMA_DATA.read_text() == generate_schema_text(), "run `make spec-schema`"


@pytest.mark.slow
def test_check_jsonschema_accepts_the_schema_and_every_spec(tmp_path: Path) -> None:
    tool = check_jsonschema()
    meta = run(tool, "--check-metaschema", str(SCHEMA))
    assert meta.returncode == 0, meta.stdout + meta.stderr
    specs = [*SPECS, readme_spec(tmp_path)]
    valid = run(tool, "--schemafile", str(SCHEMA), *map(str, specs))
    assert valid.returncode == 0, valid.stdout + valid.stderr


@pytest.mark.slow
def test_ajv_accepts_the_schema_in_unicode_mode_and_every_spec(tmp_path: Path) -> None:
    tool = ajv()
    for spec in [*SPECS, readme_spec(tmp_path)]:
        result = run(tool, "validate", "--spec=draft2020", "-s", str(SCHEMA), "-d", str(spec))
        assert result.returncode == 0 and f"{spec} valid" in result.stdout + result.stderr, (
            result.stdout + result.stderr
        )


def test_readme_spec_block_validates_as_printed(tmp_path: Path) -> None:
    spec = readme_spec(tmp_path)
    result = CliRunner().invoke(app, ["validate", str(spec)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"{spec}: valid: app shop")


@pytest.mark.slow
@pytest.mark.parametrize("validator", ["check-jsonschema", "ajv"])
def test_a_profile_key_in_a_base_section_is_flagged_by_the_schema(tmp_path: Path, validator: str) -> None:
    text = TEST_SPECS["minimal"].read_text().replace("load_balancer:", "app:\n  min_size: 3\nload_balancer:")
    spec = tmp_path / "app.yaml"
    spec.write_text(text)
    if validator == "ajv":
        result = run(ajv(), "validate", "--spec=draft2020", "-s", str(SCHEMA), "-d", str(spec))
    else:
        result = run(check_jsonschema(), "--schemafile", str(SCHEMA), str(spec))
    assert result.returncode != 0
    assert "min_size" in result.stdout + result.stderr
    # and the validator agrees, naming where the key goes
    said = CliRunner().invoke(app, ["validate", str(spec)]).output
    assert "app.min_size: is chosen by each environment's profile" in said


def test_every_project_carries_the_schema_and_its_spec_points_there(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["init", str(REPO / "examples" / "app.yaml"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "tfgen.schema.json").read_text() == SCHEMA.read_text()
    first, rest = (out / "tfgen.yaml").read_text().split("\n", 1)
    assert first == "# yaml-language-server: $schema=tfgen.schema.json"
    assert rest == (REPO / "examples" / "app.yaml").read_text().split("\n", 1)[1]  # the modeline replaced
    assert json.loads((out / "tfgen.schema.json").read_text())["title"] == "tfgen app spec"
