"""The spec: every bad input gets one precise line naming the key path and its line."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import jsonschema
import pytest
from helpers import EXTRA_SPECS, REFERENCE_SPEC, REPO, TEST_SPECS
from tfgen.cli import app
from tfgen.errors import SpecError
from tfgen.spec import load_spec
from typer.testing import CliRunner

BASE = """\
name: shop
region: eu-west-1
azs: 2
load_balancer:
  certificate_arn: arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-4b5a-6978
database:
  engine: postgres
cache:
  engine: valkey
environments:
  dev:
    profile: low-power
  prod:
    profile: high-power
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "app.yaml"
    path.write_text(textwrap.dedent(text))
    return path


def errors_of(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(SpecError) as info:
        load_spec(write(tmp_path, text))
    return info.value.lines()


def test_reference_and_test_specs_are_valid() -> None:
    for path in [*TEST_SPECS.values(), *EXTRA_SPECS.values()]:
        spec = load_spec(path)
        assert spec.environments


def test_profiles_resolve_with_documented_precedence(tmp_path: Path) -> None:
    text = BASE.replace(
        "  prod:\n    profile: high-power\n",
        "  prod:\n    profile: high-power\n    database:\n      read_replicas: 3\n"
        "    app:\n      instance_type: m7i.large\n",
    )
    text = text.replace("azs: 2", "azs: 2\napp:\n  instance_type: t3.small")
    spec = load_spec(write(tmp_path, text))
    dev, prod = spec.environments
    # defaults < base
    assert dev.app.instance_type == "t3.small"
    # base < profile
    assert (dev.network.nat, prod.network.nat) == ("single", "per_az")
    assert (dev.database.multi_az, prod.database.multi_az) == (False, True)
    assert (dev.database.deletion_protection, prod.database.deletion_protection) == (False, True)
    assert (dev.cache.automatic_failover, prod.cache.automatic_failover) == (False, True)
    assert (dev.app.min_size, prod.app.min_size, prod.app.max_size) == (1, 2, 6)
    # profile < environment override
    assert prod.database.read_replicas == 3
    assert prod.app.instance_type == "m7i.large"
    assert prod.protected and not dev.protected


def test_yaml_syntax_error_has_line_and_column(tmp_path: Path) -> None:
    lines = errors_of(tmp_path, "name: shop\nregion: [eu-west-1\n")
    assert len(lines) == 1
    assert "YAML syntax error at line 3:1" in lines[0] or "YAML syntax error at line 2:" in lines[0]


def test_duplicate_key_is_reported(tmp_path: Path) -> None:
    lines = errors_of(tmp_path, BASE + "name: other\n")
    assert lines == [f"{tmp_path / 'app.yaml'}:15: name: duplicate key (first given on line 1)"]


def test_unknown_key_suggests_the_closest(tmp_path: Path) -> None:
    text = BASE.replace("cache:\n  engine: valkey", "cache:\n  engine: valkey\n  node_typ: x")
    lines = errors_of(tmp_path, text)
    assert lines == [f"{tmp_path / 'app.yaml'}:10: cache.node_typ: unknown key: did you mean `node_type`?"]


def test_error_in_environment_override_names_its_path_and_line(tmp_path: Path) -> None:
    text = BASE + "    database:\n      multi_az: maybe\n"
    lines = errors_of(tmp_path, text)
    assert len(lines) == 1
    assert lines[0].startswith(f"{tmp_path / 'app.yaml'}:16: environments.prod.database.multi_az:")
    assert "boolean" in lines[0]


def test_unknown_key_in_override(tmp_path: Path) -> None:
    lines = errors_of(tmp_path, BASE + "    database:\n      instance_clas: db.t4g.small\n")
    assert lines == [
        f"{tmp_path / 'app.yaml'}:16: environments.prod.database.instance_clas: "
        "unknown key: did you mean `instance_class`?"
    ]


def test_missing_required_key(tmp_path: Path) -> None:
    lines = errors_of(tmp_path, BASE.replace("region: eu-west-1\n", ""))
    assert any(line.endswith("region: is required") for line in lines)


def test_cidr_invalid(tmp_path: Path) -> None:
    lines = errors_of(tmp_path, BASE + "network:\n  cidr: 10.0.0.300/16\n")
    assert len(lines) == 1 and "network.cidr: not a valid network CIDR" in lines[0]
    assert ":16:" in lines[0]


def test_cidr_too_small_for_the_subnets(tmp_path: Path) -> None:
    lines = errors_of(tmp_path, BASE + "network:\n  cidr: 10.0.0.0/24\n")
    assert len(lines) == 1
    assert "network.cidr: 10.0.0.0/24 is too small for 4 subnet tiers x 8 AZ slots" in lines[0]


def test_explicit_subnet_prefix_must_fit_the_azs(tmp_path: Path) -> None:
    text = BASE.replace("azs: 2", "azs: 3") + "network:\n  cidr: 10.0.0.0/24\n  subnet_prefix_length: 27\n"
    lines = errors_of(tmp_path, text)
    assert len(lines) == 1 and "network.subnet_prefix_length:" in lines[0]
    assert "4 subnet tiers x 3 AZ slots of /27" in lines[0]


def test_min_desired_max_order(tmp_path: Path) -> None:
    text = BASE + "    app:\n      desired_capacity: 9\n      max_size: 4\n"
    lines = errors_of(tmp_path, text)
    assert len(lines) == 1
    assert (
        "environments.prod.app.desired_capacity: needs min_size <= desired_capacity <= "
        "max_size, got 2 <= 9 <= 4" in lines[0]
    )


def test_failover_needs_replicas(tmp_path: Path) -> None:
    spec = tmp_path / "app.yaml"
    lines = errors_of(tmp_path, BASE + "    cache:\n      replicas: 0\n")
    assert lines == [
        f"{spec}:14: environments.prod.profile: profile high-power sets cache.automatic_failover: "
        "automatic failover needs replicas >= 1 (environment prod, profile high-power)",
        # a high-power environment keeps what the HA policies check
        f"{spec}:16: environments.prod.cache.replicas: high-power environments keep cache.replicas "
        ">= 1 (the HA policies check it): remove the override, or give the environment profile "
        "low-power (environment prod, profile high-power)",
    ]


def test_profile_keys_cannot_be_set_in_the_base(tmp_path: Path) -> None:
    text = BASE.replace("  engine: postgres", "  engine: postgres\n  multi_az: true")
    lines = errors_of(tmp_path, text)
    assert lines == [
        f"{tmp_path / 'app.yaml'}:8: database.multi_az: is chosen by each "
        "environment's profile, which would override it here: set it under "
        "environments.<env>.database.multi_az (precedence: base < profile < "
        "environment)"
    ]


def test_shared_keys_cannot_be_overridden(tmp_path: Path) -> None:
    lines = errors_of(tmp_path, BASE + "    database:\n      engine: mysql\n")
    assert len(lines) == 1 and "environments.prod.database.engine: is shared" in lines[0]


@pytest.mark.parametrize("name", ["../evil", "Prod", "a/b", "prod-eu-west-1-long"])
def test_environment_names_are_safe_folder_names(tmp_path: Path, name: str) -> None:
    text = BASE.replace("  dev:\n", f"  {json.dumps(name)}:\n")
    lines = errors_of(tmp_path, text)
    assert any(f"environments.{name}: environment names are" in line for line in lines)


@pytest.mark.parametrize("name", ["Shop", "../x", "a", "shop_app", "-shop", "my--shop"])
def test_app_name_is_restricted(tmp_path: Path, name: str) -> None:
    lines = errors_of(tmp_path, BASE.replace("name: shop", f"name: {json.dumps(name)}"))
    assert any(line.split(": ", 2)[1] == "name" for line in lines)


@pytest.mark.parametrize("region", ["eu-west", "EU-WEST-1", "mars-1"])
def test_region_is_sane(tmp_path: Path, region: str) -> None:
    lines = errors_of(tmp_path, BASE.replace("region: eu-west-1", f"region: {region}"))
    assert any(": region: invalid value" in line for line in lines)


def test_az_count_is_sane(tmp_path: Path) -> None:
    lines = errors_of(tmp_path, BASE.replace("azs: 2", "azs: 9"))
    assert any(":3: azs: Input should be less than or equal to 6" in line for line in lines)


def test_password_key_is_refused_with_pointer(tmp_path: Path) -> None:
    text = BASE.replace("  engine: postgres", "  engine: postgres\n  password: hunter2")
    lines = errors_of(tmp_path, text)
    assert lines == [
        f"{tmp_path / 'app.yaml'}:8: database.password: literal secrets are not "
        "accepted: the master password is generated and kept by RDS in Secrets "
        "Manager (manage_master_user_password); the app reads it through the secret "
        "ARN tfgen passes"
    ]


def test_aws_access_key_anywhere_is_refused(tmp_path: Path) -> None:
    text = BASE.replace("azs: 2", "azs: 2\ntags:\n  deploy: AKIAABCDEFGHIJKLMNOP")
    lines = errors_of(tmp_path, text)
    assert len(lines) == 1
    assert "tags.deploy: looks like an AWS access key id: tfgen uses IAM roles" in lines[0]


def test_aws_key_in_user_data_is_refused(tmp_path: Path) -> None:
    (tmp_path / "boot.sh").write_text("export AWS_ACCESS_KEY_ID=AKIAABCDEFGHIJKLMNOP\n")
    text = BASE.replace("azs: 2", "azs: 2\napp:\n  user_data: boot.sh")
    lines = errors_of(tmp_path, text)
    assert len(lines) == 1 and "app.user_data: boot.sh contains what looks like an AWS" in lines[0]


def test_missing_user_data_file(tmp_path: Path) -> None:
    text = BASE.replace("azs: 2", "azs: 2\napp:\n  user_data: nope.sh")
    lines = errors_of(tmp_path, text)
    assert len(lines) == 1 and "app.user_data: cannot read nope.sh" in lines[0]


def test_cdn_needs_static_and_us_east_1_certificate(tmp_path: Path) -> None:
    text = BASE + (
        "cdn:\n  aliases: [cdn.example.com]\n  certificate_arn: "
        "arn:aws:acm:eu-west-1:123456789012:certificate/abc\n"
    )
    lines = errors_of(tmp_path, text)
    assert any("cdn: a CDN needs the `static:` bucket section" in line for line in lines)
    assert any(
        "cdn.certificate_arn: CloudFront only takes ACM certificates from us-east-1" in line for line in lines
    )


def test_optional_tiers_can_be_left_out(tmp_path: Path) -> None:
    text = BASE.replace("database:\n  engine: postgres\ncache:\n  engine: valkey\n", "")
    spec = load_spec(write(tmp_path, text))
    assert all(e.database is None and e.cache is None and e.cdn is None for e in spec.environments)


def test_every_problem_reported_at_once(tmp_path: Path) -> None:
    text = BASE.replace("azs: 2", "azs: 2\nzones: 3").replace(
        "  engine: valkey", "  engine: valkey\n  auth_token: abc"
    )
    lines = errors_of(tmp_path, text)
    assert len(lines) == 2
    assert "zones: unknown key" in lines[0] and "cache.auth_token: literal secrets" in lines[1]


def test_cli_validate_exit_codes_and_no_traceback(tmp_path: Path) -> None:
    runner = CliRunner()
    good = write(tmp_path, BASE)
    ok = runner.invoke(app, ["validate", str(good)], catch_exceptions=False)
    assert ok.exit_code == 0 and "valid: app shop" in ok.output
    bad = tmp_path / "bad.yaml"
    bad.write_text(BASE.replace("profile: low-power", "profile: medium-power"))
    result = runner.invoke(app, ["validate", str(bad)], catch_exceptions=False)
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert (
        f"error: {bad}:12: environments.dev.profile: invalid value 'medium-power': expected "
        "'low-power' or 'high-power'" in result.output
    )
    missing = runner.invoke(app, ["validate", str(tmp_path / "nope.yaml")], catch_exceptions=False)
    assert missing.exit_code == 2 and "spec file not found" in missing.output


def test_cli_schema_is_json_schema_for_the_example() -> None:
    result = CliRunner().invoke(app, ["schema"], catch_exceptions=False)
    assert result.exit_code == 0
    schema = json.loads(result.output)
    assert schema["title"] == "tfgen app spec"
    assert set(schema["properties"]) == {
        "name",
        "region",
        "azs",
        "tags",
        "state",
        "network",
        "load_balancer",
        "app",
        "database",
        "cache",
        "static",
        "cdn",
        "dns",
        "monitoring",
        "backup",
        "usage",
        "ci",
        "environments",
    }
    assert schema["additionalProperties"] is False


def test_committed_schema_matches_and_example_points_at_it() -> None:
    from tfgen.spec import json_schema

    committed = json.loads((REPO / "tfgen.schema.json").read_text())
    assert committed == json_schema(), "run `make spec-schema` to refresh tfgen.schema.json"
    first = REFERENCE_SPEC.read_text().splitlines()[0]
    assert first == "# yaml-language-server: $schema=../tfgen.schema.json"


def test_schema_validates_the_reference_spec_with_jsonschema() -> None:
    import yaml
    from tfgen.spec import json_schema

    jsonschema.validate(yaml.safe_load(REFERENCE_SPEC.read_text()), json_schema())


def test_user_data_with_the_boot_marker_is_refused_and_crlf_is_normalised(tmp_path: Path) -> None:
    (tmp_path / "boot.sh").write_bytes(b"#!/bin/bash\r\necho hi\r\nTFGEN_APP_BOOT_EOF\r\n")
    text = BASE.replace("azs: 2", "azs: 2\napp:\n  user_data: boot.sh")
    lines = errors_of(tmp_path, text)
    assert len(lines) == 1 and "contains a line `TFGEN_APP_BOOT_EOF`" in lines[0]
    (tmp_path / "boot.sh").write_bytes(b"#!/bin/bash\r\necho hi\r\n")
    spec = load_spec(write(tmp_path, text))
    assert spec.user_data == "#!/bin/bash\necho hi\n"


def test_cdn_alias_cannot_be_the_alb_origin_name(tmp_path: Path) -> None:
    text = BASE.replace("0f1e2d3c-4b5a-6978\n", "0f1e2d3c-4b5a-6978\n  domain_names: [app.example.com]\n")
    text += (
        "static: {}\ncdn:\n  aliases: [app.example.com]\n  certificate_arn: "
        "arn:aws:acm:us-east-1:123456789012:certificate/abc\n"
    )
    lines = errors_of(tmp_path, text)
    assert len(lines) == 1 and "cdn.aliases: app.example.com is the ALB's origin name" in lines[0]


@pytest.mark.parametrize("value", ['"3"', "2.0", "true"])
def test_numbers_are_strict(tmp_path: Path, value: str) -> None:
    lines = errors_of(tmp_path, BASE.replace("azs: 2", f"azs: {value}"))
    assert len(lines) == 1 and f"{tmp_path / 'app.yaml'}:3: azs: " in lines[0]


def test_tags_are_checked(tmp_path: Path) -> None:
    text = BASE.replace(
        "azs: 2", f'azs: 2\ntags:\n  "": x\n  Environment: y\n  "aws:x": z\n  long: {"v" * 300}'
    )
    lines = errors_of(tmp_path, text)
    assert any("tags.Environment: is set by tfgen on every resource" in line for line in lines)
    assert any("tags.aws:x: the aws: prefix is reserved by AWS" in line for line in lines)
    assert any(":8: tags.long: String should have at most 256 characters" in line for line in lines)
    assert any(":5: tags: invalid key '': tag keys are 1-128" in line for line in lines)


def test_empty_optional_tier_is_not_silently_dropped(tmp_path: Path) -> None:
    lines = errors_of(tmp_path, BASE + "static:\n")
    assert lines == [
        f"{tmp_path / 'app.yaml'}:15: static: is empty, which would silently mean "
        "no static: write `static: {}` for one with the defaults, or remove the key"
    ]


def test_mysql_version_needs_major_minor(tmp_path: Path) -> None:
    lines = errors_of(tmp_path, BASE.replace("engine: postgres", 'engine: mysql\n  engine_version: "8"'))
    assert len(lines) == 1 and "database.engine_version: MySQL versions are major.minor" in lines[0]


@pytest.mark.parametrize(
    ("engine", "version", "major"), [("postgres", "17.2", "17"), ("mysql", "8.0.40", "8.0")]
)
def test_a_pinned_minor_version_is_refused_since_rds_upgrades_minors(
    tmp_path: Path, engine: str, version: str, major: str
) -> None:
    text = BASE.replace("engine: postgres", f'engine: {engine}\n  engine_version: "{version}"')
    lines = errors_of(tmp_path, text)
    assert len(lines) == 1, lines
    assert f"database.engine_version: {version!r} pins a minor version" in lines[0]
    assert f"write {major!r}" in lines[0]


def test_the_iam_database_user_is_not_the_master_user(tmp_path: Path) -> None:
    text = BASE.replace("engine: postgres", "engine: postgres\n  iam_user: app_admin")
    lines = errors_of(tmp_path, text)
    assert len(lines) == 1 and "database.iam_user: is the master user 'app_admin'" in lines[0], lines


def test_non_text_keys_are_refused_with_their_line(tmp_path: Path) -> None:
    text = BASE.replace("  prod:\n", "  yes:\n")
    lines = errors_of(tmp_path, text)
    assert any(":13: environments.yes: keys must be text" in line for line in lines)


def test_alias_bomb_is_refused_quickly(tmp_path: Path) -> None:
    import time

    bomb = 'a: &a ["x","x","x","x","x","x","x","x","x","x"]\n'
    for i, (prev, cur) in enumerate(zip("abcdefgh", "bcdefghi", strict=True)):
        bomb += f"{cur}: &{cur} [{', '.join(['*' + prev] * 10)}]\n"
        del i
    started = time.monotonic()
    lines = errors_of(tmp_path, bomb)
    assert time.monotonic() - started < 5
    assert lines and "expands to more than 100000 values" in lines[0]


def test_one_az_is_refused_with_the_reason(tmp_path: Path) -> None:
    # An ALB needs subnets in two AZs and an RDS subnet group two AZs, whatever the profile.
    text = BASE.replace("  prod:\n    profile: high-power\n", "") + "    azs: 1\n"
    assert errors_of(tmp_path, text) == [
        f"{tmp_path / 'app.yaml'}:13: environments.dev.azs: Input should be greater than or equal "
        "to 2 (got 1): Number of availability zones, 2-6 (a load balancer and an RDS subnet group "
        "need two; low-power still runs one instance and one NAT gateway)."
    ]


def test_backups_cannot_be_turned_off(tmp_path: Path) -> None:
    lines = errors_of(tmp_path, BASE + "    database:\n      backup_retention_days: 0\n")
    assert lines == [
        f"{tmp_path / 'app.yaml'}:16: environments.prod.database.backup_retention_days: Input should "
        "be greater than or equal to 1 (got 0): Days of automated backups, 1-35 (the way back from a "
        "bad write). Profile key."
    ]


def test_az_count_is_at_most_the_regions(tmp_path: Path) -> None:
    assert errors_of(tmp_path, BASE.replace("azs: 2", "azs: 4")) == [
        f"{tmp_path / 'app.yaml'}:3: azs: eu-west-1 has 3 availability zones (eu-west-1a, "
        "eu-west-1b, eu-west-1c), not 4"
    ]


# --------------------------------------------------------------------------- valid YAML, wrong for AWS


def test_user_data_must_be_a_file_next_to_the_spec(tmp_path: Path) -> None:
    outside = tmp_path.parent / f"{tmp_path.name}-outside.sh"
    outside.write_text("#!/bin/sh\necho outside\n")
    (tmp_path / "linked.sh").symlink_to(outside)
    (tmp_path / "scripts").mkdir()
    for value, message in [
        ("/etc/passwd", "/etc/passwd is an absolute path: give a path relative to the spec"),
        (f"../{outside.name}", f"../{outside.name} leads outside the spec's folder"),
        ("linked.sh", "linked.sh leads outside the spec's folder"),
        ("scripts", "scripts is not a file"),
    ]:
        lines = errors_of(tmp_path, BASE.replace("azs: 2", f"azs: 2\napp:\n  user_data: {value}"))
        assert len(lines) == 1 and f"app.user_data: {message}" in lines[0], lines
    outside.unlink()


@pytest.mark.parametrize(
    ("script", "line", "says"),
    [
        ("DB_PASSWORD=hunter22\n", 2, "sets DB_PASSWORD to a literal value"),
        ("export API_TOKEN='abcd1234'\n", 2, "sets API_TOKEN to a literal value"),
        ("-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbg==\n", 2, "holds a private key"),
        (
            "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
            2,
            "holds an AWS secret access key",
        ),
    ],
)
def test_secrets_in_user_data_are_refused_with_their_line(
    tmp_path: Path, script: str, line: int, says: str
) -> None:
    (tmp_path / "boot.sh").write_text("#!/bin/bash\n" + script)
    lines = errors_of(tmp_path, BASE.replace("azs: 2", "azs: 2\napp:\n  user_data: boot.sh"))
    assert len(lines) == 1
    assert f"app.user_data: boot.sh line {line} {says}" in lines[0]
    assert "Secrets Manager" in lines[0] or "instance role" in lines[0]


def test_user_data_reading_a_secret_at_boot_is_fine(tmp_path: Path) -> None:
    (tmp_path / "boot.sh").write_text(
        '#!/bin/bash\nDB_PASSWORD=$(aws secretsmanager get-secret-value --secret-id "$DB_SECRET_ARN")\n'
        "TOKEN_URL=https://example.com/token\n"
    )
    load_spec(write(tmp_path, BASE.replace("azs: 2", "azs: 2\napp:\n  user_data: boot.sh")))


def test_an_unknown_region_is_blamed_on_region_with_a_guess(tmp_path: Path) -> None:
    lines = errors_of(tmp_path, BASE.replace("region: eu-west-1", "region: eu-wset-1"))
    # The certificate (in eu-west-1) is not blamed for the region's typo.
    assert lines == [
        f"{tmp_path / 'app.yaml'}:2: region: 'eu-wset-1' is not an AWS region tfgen "
        "knows: did you mean `eu-west-1`?"
    ]


@pytest.mark.parametrize(
    ("where", "arn", "says"),
    [
        ("load_balancer", "arn:aws:wafv2:us-east-1:123456789012:global/webacl/x/1", "regional web ACL"),
        ("load_balancer", "arn:aws:wafv2:eu-west-2:123456789012:regional/webacl/x/1", "in eu-west-1"),
        ("cdn", "arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/x/1", "only a global web ACL"),
    ],
)
def test_web_acls_must_have_the_scope_their_resource_takes(
    tmp_path: Path, where: str, arn: str, says: str
) -> None:
    if where == "cdn":
        text = BASE + "static: {}\ncdn:\n  waf_web_acl_arn: " + arn + "\n"
    else:
        text = BASE.replace(
            "certificate/0f1e2d3c-4b5a-6978\n", f"certificate/0f1e2d3c-4b5a-6978\n  waf_web_acl_arn: {arn}\n"
        )
    lines = errors_of(tmp_path, text)
    assert len(lines) == 1 and f"{where}.waf_web_acl_arn: " in lines[0] and says in lines[0], lines


@pytest.mark.parametrize(
    ("bucket", "says"),
    [
        ("my..bucket", "no two dots in a row"),
        ("192.168.1.1", "cannot look like an IP address"),
        ("xn--bucket", "reserves the prefix xn--"),
        ("bucket-s3alias", "reserves the suffix -s3alias"),
        ("ab", "S3 bucket names are 3 to 63"),
    ],
)
def test_state_bucket_names_follow_s3s_rules(tmp_path: Path, bucket: str, says: str) -> None:
    lines = errors_of(tmp_path, BASE + f"state:\n  bucket: {json.dumps(bucket)}\n")
    assert any("state.bucket: " in line and says in line for line in lines), lines


@pytest.mark.parametrize(
    ("engine", "name"),
    [("postgres", "user"), ("postgres", "postgres"), ("mysql", "rdsadmin"), ("mysql", "select")],
)
def test_reserved_master_user_names_are_refused(tmp_path: Path, engine: str, name: str) -> None:
    text = BASE.replace("  engine: postgres", f"  engine: {engine}\n  username: {name}")
    if engine == "mysql":
        text = text.replace("  engine: mysql", '  engine: mysql\n  engine_version: "8.4"')
    lines = errors_of(tmp_path, text)
    assert lines and all(
        f"database.username: {name!r} is a reserved word of {engine}" in line for line in lines
    ), lines


def test_at_most_fifty_tags_counting_tfgens_own(tmp_path: Path) -> None:
    tags = "".join(f"  t{i}: v\n" for i in range(46))
    lines = errors_of(tmp_path, BASE + "tags:\n" + tags)
    assert lines == [
        f"{tmp_path / 'app.yaml'}:15: tags: 46 tags plus the 5 tfgen sets is more than "
        "the 50 AWS allows on a resource: drop some"
    ]
    load_spec(write(tmp_path, BASE + "tags:\n" + "".join(f"  t{i}: v\n" for i in range(45))))


@pytest.mark.parametrize(
    ("override", "key"),
    [
        ("database:\n      multi_az: false", "database.multi_az true"),
        ("database:\n      deletion_protection: false", "database.deletion_protection true"),
        ("cache:\n      automatic_failover: false\n      replicas: 0", "cache.automatic_failover true"),
        ("app:\n      min_size: 1", "app.min_size >= 2"),
        ("load_balancer:\n      deletion_protection: false", "load_balancer.deletion_protection true"),
    ],
)
def test_high_power_keeps_what_the_ha_policies_check(tmp_path: Path, override: str, key: str) -> None:
    lines = errors_of(tmp_path, BASE + f"    {override}\n")
    assert any(f"high-power environments keep {key} (the HA policies check it)" in line for line in lines), (
        lines
    )


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("my--shop", "has two dashes in a row"),
        ("Shop", "has uppercase letters"),
        ("shop-", "ends with a dash"),
        ("9shop", "must start with a letter"),
    ],
)
def test_name_rules_say_what_is_wrong(tmp_path: Path, name: str, says: str) -> None:
    lines = errors_of(tmp_path, BASE.replace("name: shop", f"name: {json.dumps(name)}"))
    assert any(f"name: {name!r} {says}" in line for line in lines), lines


def test_a_size_conflict_is_reported_on_the_users_own_line(tmp_path: Path) -> None:
    # prod's profile sets desired_capacity 2 and max_size 6; the user's min_size 7 is the culprit.
    lines = errors_of(tmp_path, BASE + "    app:\n      min_size: 7\n")
    assert lines == [
        f"{tmp_path / 'app.yaml'}:16: environments.prod.app.min_size: needs min_size <= "
        "desired_capacity <= max_size, got 7 <= 2 <= 6 (environment prod, profile "
        "high-power)"
    ]


def test_undecodable_bytes_and_tabs_name_their_line(tmp_path: Path) -> None:
    spec = tmp_path / "app.yaml"
    spec.write_bytes(BASE.replace("region: eu-west-1", "region: eu-west-1 # caf\xe9").encode("latin-1"))
    with pytest.raises(SpecError) as info:
        load_spec(spec)
    assert info.value.lines() == [f"{spec}:2: byte 0xe9 is not UTF-8 text: save the spec as UTF-8"]
    spec.write_text(BASE.replace("  certificate_arn", "\tcertificate_arn"))
    with pytest.raises(SpecError) as info:
        load_spec(spec)
    assert "a tab character: indent with spaces" in info.value.lines()[0]


def test_independent_problems_are_reported_in_one_pass(tmp_path: Path) -> None:
    text = (
        BASE.replace("azs: 2", "azs: 2\nzones: 3").replace(
            "  engine: valkey", "  engine: valkey\n  node_type: cache.m9.huge!"
        )
        + "    app:\n      min_size: 9\n"
        + "state:\n  bucket: bad..bucket\n"
    )
    paths = [line.split(": ")[1] for line in errors_of(tmp_path, text)]
    assert paths == ["zones", "cache.node_type", "environments.prod.app.min_size", "state.bucket"]


# --------------------------------------------------------------------------- the fast YAML loader


@pytest.mark.parametrize(
    "path", [REFERENCE_SPEC, *TEST_SPECS.values(), *EXTRA_SPECS.values()], ids=lambda p: p.stem
)
def test_libyaml_parse_gives_the_pure_loaders_data_and_lines(path: Path) -> None:
    import yaml
    from tfgen.spec import yaml_lines

    text = path.read_text()
    assert yaml_lines.fast_loader(text) is yaml.CSafeLoader  # what every spec here is read with
    fast, pure = yaml_lines.parse_yaml(text), yaml_lines._parse(text, "spec", yaml.SafeLoader)
    assert (fast.data, fast.lines) == (pure.data, pure.lines)


@pytest.mark.parametrize(
    "text",
    ["name: shop\n\tregion: eu-west-1\n", "name: [shop\n", "a: 1\na: 2\n", "name: *nothing\n"],
    ids=["tab", "unclosed", "duplicate", "alias"],
)
def test_yaml_errors_read_as_the_pure_loader_says_them(text: str) -> None:
    import yaml
    from tfgen.spec import yaml_lines

    with pytest.raises(SpecError) as fast:
        yaml_lines.parse_yaml(text)
    with pytest.raises(SpecError) as pure:
        yaml_lines._parse(text, "spec", yaml.SafeLoader)
    assert fast.value.lines() == pure.value.lines()


def test_text_libyaml_would_let_through_takes_the_pure_loader() -> None:
    import yaml
    from tfgen.spec import yaml_lines

    text = "name: sh\x07op\n"
    assert yaml_lines.fast_loader(text) is yaml.SafeLoader
    with pytest.raises(SpecError) as info:
        yaml_lines.parse_yaml(text)
    assert info.value.lines() == ["spec:1: character 0x0007 at line 1 is not allowed in YAML"]
