"""Each known python-terraform 0.10.1 bug, shown against the real terraform, and the adapter's fix.

Every test first runs python-terraform as it is (the bug), then tfgen's adapter (the fix).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from tfgen.terraform import Terraform, TerraformFailed, plugin_mirror

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("provider_mirror")]


@pytest.fixture
def dev(project: Path, terraform_bin: str) -> Terraform:
    tf = Terraform(project / "envs/dev", label="dev", mirror=plugin_mirror(), binary=terraform_bin)
    tf.init()
    return tf


def raw(tf: Terraform):
    """python-terraform's own Terraform, on the same (initialised) folder."""
    import python_terraform

    return python_terraform.Terraform(working_dir=str(tf.working_dir), terraform_bin_path=tf.binary)


def test_plan_detailed_exitcode_2_means_changes_not_failure(dev: Terraform) -> None:
    code, _, _ = raw(dev).plan(out="raw.tfplan")
    assert code == 2  # the bug: a plan with changes "fails"
    assert dev.plan(Path("a.tfplan")).changes is True  # the fix: changes, no error
    assert (dev.working_dir / "a.tfplan").is_file()


def test_saved_plan_applies_only_without_variables(dev: Terraform) -> None:
    dev.plan(Path("a.tfplan"))
    with_vars = raw(dev)
    with_vars.variables = {"workers": 5}  # constructor variables go into every apply
    code, _, err = with_vars.apply("a.tfplan", skip_plan=True)
    # terraform 1.0: "Can't set variables when applying a saved plan"; 1.11 when they differ
    assert code != 0 and ("Can't set variables" in err or "cannot be set" in err)
    dev._cli.variables = {"workers": 5}
    assert dev.apply_plan(Path("a.tfplan")).ok  # var=None overrides them


def test_apply_and_destroy_flags(dev: Terraform) -> None:
    code, _, err = raw(dev).apply()  # -auto-approve=false and no TTY
    assert code != 0
    dev.plan(Path("a.tfplan"))
    dev.apply_plan(Path("a.tfplan"))
    code, _, err = raw(dev).destroy()  # -force no longer exists
    assert code != 0 and "force" in err
    assert dev.destroy().ok  # force=IsNotFlagged, auto_approve=True
    assert dev.outputs() == {}


def test_named_output_needs_full_value_and_failures_are_not_none(dev: Terraform) -> None:
    dev.plan(Path("a.tfplan"))
    dev.apply_plan(Path("a.tfplan"))
    with pytest.raises(TypeError):
        raw(dev).output("app_id")
    assert raw(dev).output("no_such_output") is None  # an error, silently
    app_id = dev.output("app_id")
    assert isinstance(app_id, str) and app_id.isdigit()
    assert dev.outputs()["app_id"]["value"] == app_id
    with pytest.raises(TerraformFailed, match="terraform output no_such_output failed for env dev"):
        dev.output("no_such_output")


def test_non_zero_exit_does_not_raise_deprecation_warnings(dev: Terraform) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(DeprecationWarning):
            raw(dev).cmd("validate", "no-such-arg")
        with pytest.raises(TerraformFailed) as failed:
            dev.show_json(Path("missing.tfplan"))
    assert failed.value.exit_code == 1


def test_init_never_reconfigures_a_changed_backend(dev: Terraform, project: Path, monkeypatch) -> None:
    backend = project / "envs/dev/backend.tf"
    backend.write_text('terraform {\n  backend "local" {\n    path = "moved.tfstate"\n  }\n}\n')
    with pytest.raises(TerraformFailed) as refused:
        dev.init()
    assert "Backend configuration changed" in "\n".join(refused.value.lines())
    monkeypatch.setenv("TF_CLI_CONFIG_FILE", dev.env["TF_CLI_CONFIG_FILE"])
    code, _, _ = raw(dev).init()  # -reconfigure: silently starts from an empty state
    assert code == 0


def test_synchronous_false_leaks_into_the_command_line(dev: Terraform) -> None:
    argv = raw(dev).generate_cmd_string("version", synchronous=False)
    assert "-synchronous=false" in argv  # why the adapter runs terraform itself
    assert dev.version().count(".") == 2


def test_plugin_dir_is_used_when_the_user_has_a_cli_config(
    project: Path, tmp_path: Path, monkeypatch, terraform_bin: str
) -> None:
    user_config = tmp_path / "user.tfrc"
    user_config.write_text("# the user's own settings\n")
    monkeypatch.setenv("TF_CLI_CONFIG_FILE", str(user_config))
    tf = Terraform(project / "envs/prod", label="prod", mirror=plugin_mirror(), binary=terraform_bin)
    assert tf.env["TF_CLI_CONFIG_FILE"] == str(user_config)
    result = tf.init()
    assert f"-plugin-dir={plugin_mirror()}" in result.argv
    assert tf.plan(Path("p.tfplan")).changes is True


def test_a_missing_mirror_is_a_clear_error(tmp_path: Path) -> None:
    from tfgen.errors import ToolError

    with pytest.raises(ToolError, match="provider mirror .* does not exist: run `make setup`"):
        plugin_mirror(tmp_path / "nowhere")
