"""Writing: statuses, user edits protected, dry runs, and all-or-nothing writes."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from helpers import TEST_SPECS
from tfgen.cli import app
from tfgen.errors import TfgenError
from tfgen.write import MANIFEST, write_tree
from typer.testing import CliRunner

runner = CliRunner()


def init(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["init", *args], catch_exceptions=False)
    return result.exit_code, result.output


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def spec_and_out(tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the minimal spec, and the folder `tfgen init` renders it into."""
    spec = tmp_path / "app.yaml"
    shutil.copy(TEST_SPECS["minimal"], spec)
    return spec, tmp_path / "out"


def test_first_init_creates_every_file_with_one_status_line_each(spec_and_out) -> None:
    spec, out = spec_and_out
    code, output = init(str(spec), "--out", str(out))
    assert code == 0
    lines = output.strip().splitlines()
    created = [line.split()[1] for line in lines if line.split()[0] == "create"]
    on_disk = [p for p in snapshot(out) if p != MANIFEST]
    assert sorted(created) == sorted(on_disk)
    assert lines[-1] == f"{len(created)} create"
    manifest = json.loads((out / MANIFEST).read_text())
    assert manifest["environments"]["dev"]["profile"] == "low-power"
    assert manifest["spec"] == "../app.yaml"
    assert set(manifest["files"]) == set(on_disk)


def test_second_init_is_identical_and_keeps_mtimes(spec_and_out) -> None:
    spec, out = spec_and_out
    init(str(spec), "--out", str(out))
    target = out / "envs/dev/main.tf"
    os.utime(target, (1_000_000, 1_000_000))
    code, output = init(str(spec), "--out", str(out))
    assert code == 0
    assert all(line.split()[0] == "identical" for line in output.strip().splitlines()[:-1])
    assert target.stat().st_mtime == 1_000_000


def test_changed_spec_overwrites_files_tfgen_wrote(spec_and_out) -> None:
    spec, out = spec_and_out
    init(str(spec), "--out", str(out))
    spec.write_text(spec.read_text().replace("profile: low-power", "profile: high-power"))
    code, output = init(str(spec), "--out", str(out))
    assert code == 0
    assert "overwrite  envs/dev/terraform.tfvars" in output
    assert "single_nat_gateway      = false" in (out / "envs/dev/terraform.tfvars").read_text()


def test_user_edit_is_a_conflict_and_nothing_is_written(spec_and_out) -> None:
    spec, out = spec_and_out
    init(str(spec), "--out", str(out))
    edited = out / "envs/dev/main.tf"
    edited.write_text(edited.read_text() + "# my change\n")
    spec.write_text(spec.read_text().replace("profile: low-power", "profile: high-power"))
    before = snapshot(out)
    code, output = init(str(spec), "--out", str(out))
    assert code == 1
    assert " conflict  envs/dev/main.tf" in output
    assert "changed since tfgen last wrote them, nothing was written: envs/dev/main.tf" in output
    assert "--force" in output and "--skip" in output
    assert snapshot(out) == before

    code, output = init(str(spec), "--out", str(out), "--skip")
    assert code == 0 and "skip  envs/dev/main.tf" in output
    assert edited.read_text().endswith("# my change\n")
    assert "single_nat_gateway      = false" in (out / "envs/dev/terraform.tfvars").read_text()

    code, output = init(str(spec), "--out", str(out), "--force")
    assert code == 0 and "overwrite  envs/dev/main.tf" in output
    assert "# my change" not in edited.read_text()


def test_a_file_tfgen_never_wrote_is_a_conflict(spec_and_out) -> None:
    spec, out = spec_and_out
    (out / "envs/dev").mkdir(parents=True)
    (out / "envs/dev/main.tf").write_text("# hand-written\n")
    code, output = init(str(spec), "--out", str(out))
    assert code == 1 and "conflict  envs/dev/main.tf" in output
    assert (out / "envs/dev/main.tf").read_text() == "# hand-written\n"
    assert not (out / "modules").exists()


def test_dry_run_writes_nothing(spec_and_out) -> None:
    spec, out = spec_and_out
    code, output = init(str(spec), "--out", str(out), "--dry-run")
    assert code == 0
    assert "create  envs/dev/main.tf" in output
    assert output.strip().splitlines()[-1].startswith("dry run, nothing written:")
    assert not out.exists()


def test_only_limits_what_is_written(spec_and_out) -> None:
    spec, out = spec_and_out
    code, output = init(str(spec), "--out", str(out), "--only", "modules")
    assert code == 0
    written = [p for p in snapshot(out) if p != MANIFEST]
    assert written and all(p.startswith("modules/") for p in written)
    code, output = init(str(spec), "--out", str(out), "--only", "nothing-here")
    assert code == 2 and "matches none of the rendered files" in output


def test_invalid_spec_writes_nothing(spec_and_out) -> None:
    spec, out = spec_and_out
    spec.write_text(spec.read_text().replace("profile: low-power", "profile: turbo"))
    code, output = init(str(spec), "--out", str(out))
    assert code == 2
    assert "environments.dev.profile: invalid value 'turbo'" in output
    assert "Traceback" not in output
    assert not out.exists()


def test_force_and_skip_together_is_a_usage_error(spec_and_out) -> None:
    spec, out = spec_and_out
    code, output = init(str(spec), "--out", str(out), "--force", "--skip")
    assert code == 2 and "contradict" in output


def test_failure_while_staging_leaves_the_previous_tree(tmp_path: Path, monkeypatch) -> None:
    # Tests run as root, which ignores file permissions, so the full disk is injected: the
    # third temporary file cannot be created, after two were staged (one in a new folder).
    import tempfile

    root = tmp_path / "proj"
    write_tree(root, {"a/one.tf": "one\n", "b/two.tf": "two\n"})
    before = snapshot(root)
    real_mkstemp = tempfile.mkstemp
    calls = {"n": 0}

    def full_disk(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError(28, "No space left on device", kwargs.get("dir"))
        return real_mkstemp(*args, **kwargs)

    monkeypatch.setattr("tfgen.write.tempfile.mkstemp", full_disk)
    with pytest.raises(TfgenError, match="No space left on device; nothing was changed"):
        write_tree(root, {"a/one.tf": "ONE\n", "c/new.tf": "new\n", "b/two.tf": "TWO\n"})
    assert snapshot(root) == before
    assert not (root / "c").exists()
    assert not list(root.rglob("*.tfgen-tmp"))


def test_failure_during_renames_restores_replaced_files(tmp_path: Path, monkeypatch) -> None:
    # Root ignores file permissions, so the failure is injected at the rename step: the real
    # os.replace runs for the first files, then the disk "fills up".
    root = tmp_path / "proj"
    write_tree(root, {"a/one.tf": "one\n", "b/two.tf": "two\n"})
    before = snapshot(root)
    real_replace = os.replace
    calls = {"n": 0}

    def flaky_replace(src, dst):
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError(28, "No space left on device", str(dst))
        return real_replace(src, dst)

    monkeypatch.setattr("tfgen.write.os.replace", flaky_replace)
    with pytest.raises(TfgenError, match="No space left on device; nothing was changed"):
        write_tree(root, {"a/one.tf": "ONE\n", "b/two.tf": "TWO\n", "c/new.tf": "new\n"})
    assert snapshot(root) == before
    assert not (root / "c").exists()
    assert not list(root.rglob("*.tfgen-tmp"))


def test_template_error_writes_nothing(tmp_path: Path, monkeypatch) -> None:
    import tfgen.render as render_module

    broken = tmp_path / "templates"
    shutil.copytree(render_module.TEMPLATES, broken)
    (broken / "env/main.tf.j2").write_text("{{ env.no_such_attribute }}\n")
    monkeypatch.setattr(render_module, "TEMPLATES", broken)
    spec = tmp_path / "app.yaml"
    shutil.copy(TEST_SPECS["minimal"], spec)
    code, output = init(str(spec), "--out", str(tmp_path / "out"))
    assert code == 1
    assert "template error in env/main.tf.j2" in output and "no_such_attribute" in output
    assert not (tmp_path / "out").exists()


def test_files_no_longer_rendered_are_reported_as_orphans_and_kept(spec_and_out) -> None:
    spec, out = spec_and_out
    init(str(spec), "--out", str(out))
    spec.write_text(spec.read_text() + "  qa:\n    profile: low-power\n")
    assert init(str(spec), "--out", str(out))[0] == 0
    spec.write_text(spec.read_text().replace("  qa:\n    profile: low-power\n", ""))
    code, output = init(str(spec), "--out", str(out))
    assert code == 0
    assert "   orphan  envs/qa/main.tf  (no longer rendered from the spec" in output
    assert output.strip().splitlines()[-1].endswith(" orphan")
    assert (out / "envs/qa/main.tf").is_file()  # never deleted behind the user's back
    manifest = json.loads((out / MANIFEST).read_text())
    assert "qa" not in manifest["environments"] and "envs/qa/main.tf" in manifest["files"]
    shutil.rmtree(out / "envs/qa")
    code, output = init(str(spec), "--out", str(out))
    assert "orphan" not in output
    assert "envs/qa/main.tf" not in json.loads((out / MANIFEST).read_text())["files"]


def test_only_keeps_the_records_of_other_files(spec_and_out) -> None:
    spec, out = spec_and_out
    init(str(spec), "--out", str(out))
    before = json.loads((out / MANIFEST).read_text())["files"]
    assert init(str(spec), "--out", str(out), "--only", "modules")[0] == 0
    assert json.loads((out / MANIFEST).read_text())["files"] == before


def test_out_below_a_file_is_a_usage_error(tmp_path: Path) -> None:
    spec = tmp_path / "app.yaml"
    shutil.copy(TEST_SPECS["minimal"], spec)
    (tmp_path / "afile").write_text("x")
    code, output = init(str(spec), "--out", str(tmp_path / "afile" / "sub"))
    assert code == 2 and "exists and is not a folder" in output
