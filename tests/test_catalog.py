"""The module catalog is complete: every record has its templates, README, tests and contract.

Adding a module is one catalog record plus files (docs/ADDING_A_MODULE.md); these tests fail
until each of those files exists and agrees with the record.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
from helpers import REPO
from tfgen.catalog import MODULES, by_name, optional_sections, section_models
from tfgen.render import TEMPLATES
from tfgen.spec import spec_file_model

NAMES = [m.name for m in MODULES]


def tree_with(name: str, rendered: dict[str, Path]) -> Path:
    """The reference tree, which uses every tier but dns (its spec gives certificate ARNs and
    one name for all environments); for dns the dns spec's tree. Both have a prod environment."""
    return rendered["dns" if name == "dns" else "reference"]


@pytest.mark.parametrize("name", NAMES)
def test_every_module_has_its_templates_and_test_file(name: str) -> None:
    for part in ("variables.tf", "main.tf", "outputs.tf"):
        assert (TEMPLATES / "modules" / name / f"{part}.j2").is_file()
        assert (TEMPLATES / "env" / "parts" / f"{name}.{part}.j2").is_file()
    assert (REPO / "tests" / f"test_module_{name}.py").is_file()


def test_no_template_belongs_to_a_module_outside_the_catalog() -> None:
    folders = {p.name for p in (TEMPLATES / "modules").iterdir() if p.is_dir()}
    parts = {p.name.split(".")[0] for p in (TEMPLATES / "env" / "parts").glob("*.j2")}
    assert folders == set(NAMES)
    assert parts == set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_rendered_module_has_its_readme_and_contract_outputs(name: str, rendered: dict[str, Path]) -> None:
    module = by_name(name)
    root = tree_with(name, rendered)
    readme = (root / "modules" / name / "README.md").read_text()
    assert readme.startswith(f"# {name}\n\n{module.summary}\n")
    outputs = set(
        re.findall(r'^output "([^"]+)"', (root / "modules" / name / "outputs.tf").read_text(), re.M)
    )
    assert set(module.contract) <= outputs, f"{name}: contract outputs missing"


@pytest.mark.parametrize("name", NAMES)
def test_tfvars_match_the_env_variable_type(name: str, rendered: dict[str, Path]) -> None:
    """What the record's tfvars() writes is exactly what the env root's variable declares."""
    module = by_name(name)
    env_dir = tree_with(name, rendered) / "envs" / "prod"
    variables = (env_dir / "variables.tf").read_text()
    block = re.search(
        rf'^variable "{module.section}" {{\n.*?^  type = object\({{\n(.*?)^  }}\)', variables, re.M | re.S
    )
    assert block, f"envs/prod/variables.tf declares no object variable {module.section!r}"
    declared = re.findall(r"^    ([a-z_]+)\s+=", block.group(1), re.M)
    tfvars = (env_dir / "terraform.tfvars").read_text()
    value = re.search(rf"^{module.section} = {{\n(.*?)^}}", tfvars, re.M | re.S)
    assert value, f"envs/prod/terraform.tfvars has no {module.section} value"
    written = re.findall(r"^  ([a-z_]+)\s+=", value.group(1), re.M)
    assert written == declared


def test_spec_sections_and_optional_tiers_come_from_the_catalog() -> None:
    fields = spec_file_model().model_fields
    assert [f for f in fields if f in section_models()] == [m.section for m in MODULES]
    for module in MODULES:
        field = fields[module.section]
        # An optional tier may be left out (None); a required one has a default or is required.
        assert (field.default is None and not field.is_required()) is module.optional, module.name
    assert optional_sections() == tuple(m.section for m in MODULES if m.optional)


def test_committed_aws_schema_covers_exactly_the_catalog_types() -> None:
    """A new resource type in a template needs `make schema`; this says so before the gates do."""
    sys.path.insert(0, str(REPO / "tools"))
    try:
        import extract_schema
    finally:
        sys.path.pop(0)
    resources, data = extract_schema.template_types()
    schema = json.loads((REPO / "generator/tfgen/data/aws_provider_schema.json").read_text())
    assert set(schema["resources"]) == resources, "run `make schema`"
    assert set(schema["data_sources"]) == data, "run `make schema`"
