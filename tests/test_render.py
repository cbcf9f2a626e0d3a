"""Rendering: one HCL-literal filter for every spec value, deterministic output."""

from __future__ import annotations

import re
from pathlib import Path

import hcl2
import pytest
from helpers import REPO, TEST_SPECS, render_tree
from hypothesis import given, settings
from hypothesis import strategies as st
from tfgen.docs import read_blocks
from tfgen.render import hcl, hcl_object, hcl_string, render
from tfgen.spec import AppSpec, load_spec


def parse_tag(value: str) -> str:
    """Render `value` into a tag the way templates do, parse the HCL back, return the value."""
    text = f'resource "aws_vpc" "this" {{\n  tags = {{\n    Name = {hcl_string(value)}\n  }}\n}}\n'
    parsed = hcl2.loads(text)
    raw = parsed["resource"][0]['"aws_vpc"']['"this"']["tags"]["Name"]
    return decode_hcl2_string(raw)


def decode_hcl2_string(raw: str) -> str:
    """python-hcl2 8.x keeps a string's quotes and escapes: decode them as Terraform does."""
    assert raw.startswith('"') and raw.endswith('"'), raw
    body = raw[1:-1]
    out, i = [], 0
    while i < len(body):
        ch = body[i]
        if ch == "\\":
            nxt = body[i + 1]
            if nxt == "u":
                out.append(chr(int(body[i + 2 : i + 6], 16)))
                i += 6
                continue
            out.append({"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}[nxt])
            i += 2
            continue
        if body.startswith("$${", i) or body.startswith("%%{", i):
            out.append(ch + "{")
            i += 3
            continue
        if body.startswith(("${", "%{"), i):
            raise AssertionError(f"unescaped template sequence in {raw!r}")
        out.append(ch)
        i += 1
    return "".join(out)


@pytest.mark.parametrize(
    "value",
    [
        "plain",
        'quo"te',
        "back\\slash",
        "new\nline",
        "${var.secret}",
        "%{ if true }x%{ endif }",
        "$${already}",
        "tab\there",
        "\\${x}",
        "ünïcödé ✓",
        "",
        "\x01ctl",
        "$",
        "%",
        "{}",
        "%{",
        "${",
        "a$${",
        "x%%{",  # unbalanced sequences: found by the property test below
    ],
)
def test_hcl_string_round_trips_known_hard_cases(value: str) -> None:
    assert parse_tag(value) == value


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",))))
def test_hcl_string_round_trips_any_string(value: str) -> None:
    assert parse_tag(value) == value


def test_interpolation_in_a_spec_value_stays_literal(tmp_path: Path) -> None:
    note = 'tags:\n  note: "${file(\\"/etc/passwd\\")}"'
    spec_text = TEST_SPECS["minimal"].read_text().replace("region: us-east-2", f"region: us-east-2\n{note}")
    spec_path = tmp_path / "app.yaml"
    spec_path.write_text(spec_text)
    files = render(load_spec(spec_path))
    tfvars = files["envs/dev/terraform.tfvars"]
    assert 'note        = "\\u0024{file(\\"/etc/passwd\\")}"' in tfvars


def test_hcl_values() -> None:
    assert hcl(None) == "null"
    assert hcl(True) == "true" and hcl(False) == "false"
    assert hcl(3) == "3"
    assert hcl(["a", 1]) == '["a", 1]'
    assert hcl_object({"a": 1, "long_name": "x", "with-dash": True, "9x": 2}) == (
        '{\n  a         = 1\n  long_name = "x"\n  with-dash = true\n  "9x"      = 2\n}'
    )
    with pytest.raises(TypeError):
        hcl(object())


def test_render_is_deterministic() -> None:
    spec = load_spec(TEST_SPECS["reference"])
    first, second = render(spec), render(load_spec(TEST_SPECS["reference"]))
    assert first == second
    assert list(first) == sorted(first)


def test_rendering_twice_gives_byte_identical_trees(tmp_path: Path) -> None:
    a = render_tree(TEST_SPECS["high"], tmp_path / "a")
    b = render_tree(TEST_SPECS["high"], tmp_path / "b")
    files_a = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    files_b = sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    assert files_a == files_b
    for rel in files_a:
        assert (a / rel).read_bytes() == (b / rel).read_bytes(), rel


def test_optional_tiers_render_no_modules_for_them() -> None:
    files = render(load_spec(TEST_SPECS["minimal"]))
    modules = {p.split("/")[1] for p in files if p.startswith("modules/")}
    assert not modules & {"rds", "elasticache", "cloudfront"}
    assert modules == {"alb", "asg", "monitoring", "s3", "vpc"}
    assert "database_port" not in files["envs/dev/terraform.tfvars"]


def test_environment_roots_pin_versions_and_backend(rendered: dict[str, Path]) -> None:
    root = rendered["reference"]
    for env in ("dev", "staging", "prod"):
        versions = hcl2.loads((root / "envs" / env / "versions.tf").read_text())
        terraform = versions["terraform"][0]
        assert terraform["required_version"] == '">= 1.11"'
        aws = terraform["required_providers"][0]["aws"]
        assert aws["version"] == '"~> 6.0"' and aws["source"] == '"hashicorp/aws"'
        provider = versions["provider"][0]['"aws"']
        assert provider["default_tags"][0]["tags"] == "${var.tags}"
        backend = hcl2.loads((root / "envs" / env / "backend.tf").read_text())
        s3 = backend["terraform"][0]["backend"][0]['"s3"']
        assert s3["encrypt"] is True and s3["use_lockfile"] is True
        assert s3["key"] == f'"{env}/terraform.tfstate"'
        tfvars = hcl2.loads((root / "envs" / env / "terraform.tfvars").read_text())
        assert tfvars["tags"]["Environment"] == f'"{env}"'
        assert tfvars["network"]["single_nat_gateway"] is (env != "prod")


def test_docs_reader_agrees_with_python_hcl2(rendered: dict[str, Path]) -> None:
    for variables_tf in rendered["reference"].glob("modules/*/variables.tf"):
        text = variables_tf.read_text()
        ours = {item.name: item for item in read_blocks(text, "variable")}
        theirs = {}
        for block in hcl2.loads(text).get("variable", []):
            for name, body in block.items():
                theirs[name.strip('"')] = body
        assert set(ours) == set(theirs), variables_tf
        for name, body in theirs.items():
            assert ours[name].description == decode_hcl2_string(body["description"]), name
            assert (ours[name].default is not None) == ("default" in body), name


def test_module_readmes_document_every_input_and_output(rendered: dict[str, Path]) -> None:
    for readme in rendered["reference"].glob("modules/*/README.md"):
        text = readme.read_text()
        assert "<!-- BEGIN_TF_DOCS -->" in text and "<!-- END_TF_DOCS -->" in text
        module = readme.parent
        for item in read_blocks((module / "variables.tf").read_text(), "variable"):
            assert f"| {item.name} |" in text, (module.name, item.name)
            assert item.description, f"{module.name}: variable {item.name} has no description"
        for item in read_blocks((module / "outputs.tf").read_text(), "output"):
            assert f"| {item.name} |" in text, (module.name, item.name)
            assert item.description, f"{module.name}: output {item.name} has no description"


SECRET_LITERALS = [
    re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b"),  # access key ids
    re.compile(r"(?i)\b(password|auth_token|secret_string)\s*=\s*\""),  # a literal secret value
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
]


def test_no_generated_file_contains_a_secret(rendered: dict[str, Path]) -> None:
    checked = 0
    for tree in rendered.values():
        for path in tree.rglob("*"):
            if not path.is_file() or ".tfgen" in path.parts:
                continue
            text = path.read_text()
            checked += 1
            for pattern in SECRET_LITERALS:
                assert not pattern.search(text), f"{path}: {pattern.pattern}"
    assert checked > 100
    # The cache auth token and the database password are generated and managed, never written.
    cache = (rendered["reference"] / "modules/elasticache/main.tf").read_text()
    assert re.search(r"^\s*auth_token_wo\s+= ephemeral\.random_password\.auth_token\.result$", cache, re.M)
    assert not re.search(r"^\s*auth_token\s*=", cache, re.M)
    rds = (rendered["reference"] / "modules/rds/main.tf").read_text()
    assert re.search(r"manage_master_user_password\s+= true", rds)
    assert not re.search(r"^\s*password\s*=", rds, re.M)


HARD_CASES = [
    "plain",
    'quo"te',
    "back\\slash",
    "new\nline",
    "${var.secret}",
    "%{ if true }x",
    "$${already}",
    "tab\there",
    "\\${x}",
    "ünïcödé ✓",
    "",
    "\x01ctl",
    "%{",
    "${",
    "a$${",
]


@pytest.mark.slow
def test_hcl_string_means_the_same_to_real_terraform(tmp_path: Path, terraform_bin: str) -> None:
    import json
    import os
    import subprocess

    terraform = terraform_bin
    body = "".join(f'output "v{i}" {{\n  value = {hcl_string(v)}\n}}\n\n' for i, v in enumerate(HARD_CASES))
    (tmp_path / "main.tf").write_text(body)
    env = dict(os.environ, CHECKPOINT_DISABLE="1", TF_IN_AUTOMATION="1")
    subprocess.run(
        [terraform, "apply", "-auto-approve", "-input=false"],
        cwd=tmp_path,
        env=env,
        check=True,
        capture_output=True,
    )
    out = subprocess.run(
        [terraform, "output", "-json"], cwd=tmp_path, env=env, check=True, capture_output=True, text=True
    )
    values = {k: v["value"] for k, v in json.loads(out.stdout).items()}
    assert [values[f"v{i}"] for i in range(len(HARD_CASES))] == HARD_CASES


def test_projects_carry_tfgen_policies(rendered: dict[str, Path]) -> None:
    shipped = {p.name: p.read_bytes() for p in (REPO / "policies").iterdir() if p.is_file()}
    carried = {p.name: p.read_bytes() for p in (rendered["minimal"] / "policies").iterdir()}
    assert carried == shipped and "__init__.py" in carried  # checkov skips .py checks without it


def test_no_template_is_a_dotfile() -> None:
    # setuptools leaves dotfiles out of a wheel's package data: an installed tfgen would miss them.
    from tfgen.render import TEMPLATES

    hidden = list(TEMPLATES.rglob(".*"))
    assert hidden == []


# --------------------------------------------------------------------------- compiled templates


def test_templates_compile_once_and_render_the_same(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The second render loads every template's code from the cache (nothing is compiled or
    stored again) and gives the same files as rendering without the cache."""
    from tfgen.ci import ci_templates
    from tfgen.render import project_environment

    def render_in_a_new_process(spec: AppSpec) -> dict[str, str]:
        project_environment.cache_clear()  # a process keeps its environments: start afresh
        ci_templates.cache_clear()
        return render(spec)

    monkeypatch.setenv("TFGEN_CACHE_DIR", str(tmp_path / "cache"))
    spec = load_spec(REPO / "examples" / "app.yaml")
    first = render_in_a_new_process(spec)
    stored = {p: p.stat().st_mtime_ns for p in (tmp_path / "cache" / "templates").rglob("*.cache")}
    assert len(stored) >= 60  # the project's templates and the CI ones, each in its own folder
    assert len({p.parent for p in stored}) == 2  # two environments: HCL delimiters and CI ones
    assert render_in_a_new_process(spec) == first
    assert {p: p.stat().st_mtime_ns for p in stored} == stored
    monkeypatch.setenv("TFGEN_TEMPLATE_CACHE", "0")
    assert render_in_a_new_process(spec) == first
    project_environment.cache_clear()
    ci_templates.cache_clear()


def test_an_edited_template_is_compiled_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import tfgen.render as render_mod

    monkeypatch.setenv("TFGEN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(render_mod, "TEMPLATES", tmp_path / "t")
    (tmp_path / "t").mkdir()
    template = tmp_path / "t" / "x.j2"
    template.write_text("one {{ 1 }} [[ 2 ]]")
    assert render_mod.jinja_environment().get_template("x.j2").render() == "one 1 [[ 2 ]]"
    template.write_text("two {{ 1 }} [[ 2 ]]")
    assert render_mod.jinja_environment().get_template("x.j2").render() == "two 1 [[ 2 ]]"
    # Other delimiters compile the same source to other code: kept apart, never mixed up.
    ci = render_mod.jinja_environment(variable_start_string="[[", variable_end_string="]]")
    assert ci.get_template("x.j2").render() == "two {{ 1 }} 2"
    assert render_mod.jinja_environment().get_template("x.j2").render() == "two 1 [[ 2 ]]"


def test_a_cache_folder_others_can_write_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Jinja runs the code it loads: a folder another user could plant code in is left alone."""
    from tfgen.templates_cache import bytecode_cache

    monkeypatch.setenv("TFGEN_CACHE_DIR", str(tmp_path / "cache"))
    assert bytecode_cache({}) is not None
    (tmp_path / "cache" / "templates").chmod(0o777)
    for folder in (tmp_path / "cache" / "templates").iterdir():
        folder.chmod(0o777)
    assert bytecode_cache({}) is None
    assert render(load_spec(REPO / "examples" / "app.yaml"))  # still renders, compiling in memory
