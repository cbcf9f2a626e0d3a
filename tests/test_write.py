"""Writing: statuses, user edits protected, dry runs, and all-or-nothing writes."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest
from helpers import TEST_SPECS
from tfgen import __version__
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


STATUS_LINE = re.compile(r"^ *(create|identical|overwrite|merged|kept|conflict|skip|orphan)  (\S+)")


def statuses(output: str) -> dict[str, str]:
    """path -> status, from init's per-file lines."""
    return {m.group(2): m.group(1) for m in map(STATUS_LINE.match, output.splitlines()) if m}


def test_first_init_creates_every_file_keeps_the_spec_and_says_what_next(spec_and_out) -> None:
    spec, out = spec_and_out
    code, output = init(str(spec), "--out", str(out))
    assert code == 0
    created = statuses(output)
    on_disk = [p for p in snapshot(out) if not p.startswith(".tfgen/")]  # tfgen's own records
    assert sorted(created) == sorted(on_disk) and set(created.values()) == {"create"}
    lines = output.splitlines()
    assert lines[len(created)] == f"{len(created)} create"
    assert lines[len(created) + 2 :] == [
        "Next steps:",
        f"  cd {out} && make setup    # tfgen, checkov and the pre-commit hooks",
        "  make bootstrap ENV=dev    # the state bucket (needs AWS credentials)",
        "  make plan ENV=dev    # review it, then: make apply ENV=dev",
        "The spec now lives in the project as tfgen.yaml: edit it there and run `tfgen init`.",
    ]
    # the project owns its spec: a byte-for-byte copy, named the same way everywhere
    copy = (out / "tfgen.yaml").read_text()
    assert copy == "# yaml-language-server: $schema=tfgen.schema.json\n" + spec.read_text()
    manifest = json.loads((out / MANIFEST).read_text())
    assert manifest["environments"]["dev"]["profile"] == "low-power"
    assert manifest["spec"] == "tfgen.yaml"
    assert manifest["tfgen_version"] == __version__
    assert set(manifest["files"]) == set(on_disk)
    assert "SPEC  ?= tfgen.yaml" in (out / "Makefile").read_text()
    assert "files: ^tfgen\\.yaml$" in (out / ".pre-commit-config.yaml").read_text()


def test_second_init_prints_one_summary_line_and_keeps_mtimes(spec_and_out) -> None:
    spec, out = spec_and_out
    init(str(spec), "--out", str(out))
    target = out / "envs/dev/main.tf"
    os.utime(target, (1_000_000, 1_000_000))
    code, output = init(str(spec), "--out", str(out))
    count = len(json.loads((out / MANIFEST).read_text())["files"])
    assert (code, output) == (0, f"{count} files, all identical to the spec's rendering: nothing to write\n")
    assert target.stat().st_mtime == 1_000_000
    code, output = init(str(spec), "--out", str(out), "--verbose")
    assert set(statuses(output).values()) == {"identical"} and len(statuses(output)) == count


def test_plain_init_inside_the_project_renders_from_its_own_spec(
    spec_and_out, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec, out = spec_and_out
    init(str(spec), "--out", str(out))
    own = out / "tfgen.yaml"
    own.write_text(own.read_text().replace("profile: low-power", "profile: high-power"))
    monkeypatch.chdir(out)
    code, output = init()
    assert code == 0
    assert statuses(output)["envs/dev/terraform.tfvars"] == "overwrite"
    assert "single_nat_gateway      = false" in (out / "envs/dev/terraform.tfvars").read_text()
    assert "tfgen.yaml" not in statuses(output)  # the spec is the project's, not rewritten
    # the outside spec, older than the project's own, does not silently undo that edit
    monkeypatch.chdir(spec.parent)
    before = snapshot(out)
    code, output = init(str(spec), "--out", str(out))
    assert code == 2
    assert output == (
        f"error: {out / 'tfgen.yaml'} was edited since tfgen copied {spec} there, and the project's "
        f"own spec wins: run `tfgen init` in {out} to render from it, or pass --force to replace "
        f"it with {spec}\n"
    )
    assert snapshot(out) == before
    code, output = init(str(spec), "--out", str(out), "--force")
    assert code == 0 and statuses(output)["tfgen.yaml"] == "overwrite"
    assert own.read_text().endswith(spec.read_text())


def test_plain_init_outside_any_project_says_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, output = init()
    assert code == 2
    assert output == (
        f"error: no spec given and {Path('tfgen.yaml')} does not exist: run `tfgen init SPEC --out DIR` "
        "once (the spec is then kept in the project as tfgen.yaml), or pass the spec\n"
    )


def test_user_data_script_is_copied_next_to_the_spec(tmp_path: Path) -> None:
    spec = tmp_path / "in" / "app.yaml"
    spec.parent.mkdir()
    (spec.parent / "scripts").mkdir()
    (spec.parent / "scripts" / "boot.sh").write_text("#!/bin/bash\necho hi\r\n")
    spec.write_text(
        TEST_SPECS["minimal"]
        .read_text()
        .replace("load_balancer:", "app:\n  user_data: ./scripts/boot.sh\nload_balancer:")
    )
    out = tmp_path / "out"
    code, output = init(str(spec), "--out", str(out))
    assert code == 0, output
    assert (out / "scripts" / "boot.sh").read_bytes() == b"#!/bin/bash\necho hi\r\n"
    (spec.parent / "scripts" / "boot.sh").unlink()  # the project no longer needs the outside copy
    code, output = init("--out", str(out))
    assert code == 0 and "orphan" not in output, output


def test_changed_spec_overwrites_files_tfgen_wrote(spec_and_out) -> None:
    spec, out = spec_and_out
    init(str(spec), "--out", str(out))
    spec.write_text(spec.read_text().replace("profile: low-power", "profile: high-power"))
    code, output = init(str(spec), "--out", str(out))
    assert code == 0
    assert "overwrite  envs/dev/terraform.tfvars" in output
    assert "single_nat_gateway      = false" in (out / "envs/dev/terraform.tfvars").read_text()


TFVARS = "envs/dev/terraform.tfvars"


def _bigger_instances(spec: Path) -> None:
    spec.write_text(
        spec.read_text().replace("load_balancer:", "app:\n  instance_type: t3.large\nload_balancer:")
    )


def test_an_edit_the_rendering_did_not_touch_is_kept(spec_and_out) -> None:
    spec, out = spec_and_out
    init(str(spec), "--out", str(out))
    edited = out / "envs/dev/main.tf"
    edited.write_text(edited.read_text() + "# my change\n")
    _bigger_instances(spec)
    code, output = init(str(spec), "--out", str(out))
    assert code == 0
    assert statuses(output)["envs/dev/main.tf"] == "kept"
    assert statuses(output)[TFVARS] == "overwrite"
    assert edited.read_text().endswith("# my change\n")


def test_both_changed_apart_merge_cleanly(spec_and_out) -> None:
    spec, out = spec_and_out
    init(str(spec), "--out", str(out))
    tfvars = out / TFVARS
    lines = tfvars.read_text().splitlines(keepends=True)
    tfvars.write_text("".join(lines[:2] + ["# reviewed by ops\n"] + lines[2:]))
    _bigger_instances(spec)
    code, output = init(str(spec), "--out", str(out))
    assert code == 0, output
    assert statuses(output)[TFVARS] == "merged"
    text = tfvars.read_text()
    assert "# reviewed by ops\n" in text and 'instance_type             = "t3.large"' in text
    # the next render merges against what tfgen wrote this time: nothing left to do
    code, output = init(str(spec), "--out", str(out))
    assert (code, statuses(output)) == (0, {TFVARS: "kept"})


def test_overlapping_edits_get_conflict_markers_and_a_way_to_finish(spec_and_out) -> None:
    spec, out = spec_and_out
    init(str(spec), "--out", str(out))
    tfvars = out / TFVARS
    tfvars.write_text(tfvars.read_text().replace('"t3.micro"', '"t3.small"'))
    _bigger_instances(spec)
    code, output = init(str(spec), "--out", str(out))
    assert code == 1
    assert statuses(output)[TFVARS] == "conflict"
    assert statuses(output)["README.md"] == "overwrite"  # the rest is written
    assert "1 file(s) have edits of yours that overlap tfgen's changes: envs/dev/terraform.tfvars" in output
    text = tfvars.read_text()
    assert '<<<<<<< yours\n  instance_type             = "t3.small"\n' in text
    assert '=======\n  instance_type             = "t3.large"\n>>>>>>> tfgen\n' in text
    # markers still there: still a conflict, the file is left as it is
    before = tfvars.read_text()
    code, output = init(str(spec), "--out", str(out))
    assert code == 1 and statuses(output)[TFVARS] == "conflict" and tfvars.read_text() == before
    # the user resolves it (keeps their size): done
    resolved = re.sub(r"<<<<<<< yours\n(.*?)=======\n.*?>>>>>>> tfgen\n", r"\1", before, flags=re.S)
    tfvars.write_text(resolved)
    code, output = init(str(spec), "--out", str(out))
    assert code == 0 and statuses(output)[TFVARS] == "kept"
    assert '"t3.small"' in tfvars.read_text()


def test_without_a_base_an_edit_is_a_conflict_and_nothing_is_written(spec_and_out) -> None:
    spec, out = spec_and_out
    init(str(spec), "--out", str(out))
    shutil.rmtree(out / ".tfgen" / "base")  # a project rendered before tfgen kept bases
    edited = out / "envs/dev/main.tf"
    edited.write_text(edited.read_text() + "# my change\n")
    spec.write_text(spec.read_text().replace("profile: low-power", "profile: high-power"))
    before = snapshot(out)
    code, output = init(str(spec), "--out", str(out))
    assert code == 1
    assert " conflict  envs/dev/main.tf" in output
    assert "has no base to merge them from, nothing was written: envs/dev/main.tf" in output
    assert "--force" in output and "--skip" in output
    assert snapshot(out) == before

    code, output = init(str(spec), "--out", str(out), "--skip")
    assert code == 0 and "skip  envs/dev/main.tf" in output
    assert edited.read_text().endswith("# my change\n")
    assert "single_nat_gateway      = false" in (out / "envs/dev/terraform.tfvars").read_text()

    code, output = init(str(spec), "--out", str(out), "--force")
    assert code == 0 and "overwrite  envs/dev/main.tf" in output
    assert "# my change" not in edited.read_text()


def test_diff_shows_every_change_and_writes_nothing(spec_and_out) -> None:
    spec, out = spec_and_out
    init(str(spec), "--out", str(out))
    _bigger_instances(spec)
    before = snapshot(out)
    code, output = init(str(spec), "--out", str(out), "--diff")
    assert code == 0
    assert snapshot(out) == before
    assert f"--- a/{TFVARS}" in output and f"+++ b/{TFVARS}" in output
    assert '-  instance_type             = "t3.micro"' in output.splitlines()
    assert '+  instance_type             = "t3.large"' in output.splitlines()
    assert output.splitlines()[-1].startswith("dry run, nothing written:")


def test_another_tfgen_version_says_so_and_a_newer_one_is_not_undone(spec_and_out) -> None:
    spec, out = spec_and_out
    init(str(spec), "--out", str(out))
    manifest_path = out / MANIFEST
    manifest = json.loads(manifest_path.read_text())
    manifest_path.write_text(json.dumps({**manifest, "tfgen_version": "0.0.9"}))
    code, output = init(str(spec), "--out", str(out))
    assert code == 0
    assert output.splitlines()[0] == (
        f"note: {out} was rendered by tfgen 0.0.9; this is tfgen {__version__}: review the "
        "changes (tfgen init --diff shows them before they are written)"
    )
    assert json.loads(manifest_path.read_text())["tfgen_version"] == __version__
    manifest_path.write_text(json.dumps({**manifest, "tfgen_version": "99.0.0"}))
    before = snapshot(out)
    code, output = init(str(spec), "--out", str(out))
    assert code == 1
    assert f"was rendered by tfgen 99.0.0, newer than this tfgen {__version__}" in output
    assert snapshot(out) == before


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
    written = [p for p in snapshot(out) if not p.startswith(".tfgen/")]
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

    monkeypatch.setattr("tfgen.commit.tempfile.mkstemp", full_disk)
    with pytest.raises(TfgenError, match="No space left on device; nothing was changed"):
        write_tree(root, {"a/one.tf": "ONE\n", "c/new.tf": "new\n", "b/two.tf": "TWO\n"})
    assert snapshot(root) == before
    assert not (root / "c").exists()
    assert not list(root.rglob("*.tfgen-tmp"))


@pytest.mark.parametrize("nth", [1, 2, 3, 4, 5])
def test_ctrl_c_right_after_a_folder_is_made_leaves_nothing(tmp_path: Path, monkeypatch, nth: int) -> None:
    """A first write makes folders: the project's, .tfgen/ (the lock), the tree's. Ctrl-C just
    after any one of them is made (the signal lands between the system call and the next line)
    leaves no folder behind. Injected: a real signal cannot be aimed at that instant."""
    root = tmp_path / "new" / "proj"
    real_mkdir = Path.mkdir
    calls = {"n": 0}

    def mkdir_then_ctrl_c(self: Path, *args, **kwargs) -> None:
        real_mkdir(self, *args, **kwargs)
        calls["n"] += 1
        if calls["n"] == nth:
            raise KeyboardInterrupt

    monkeypatch.setattr(Path, "mkdir", mkdir_then_ctrl_c)
    with pytest.raises(KeyboardInterrupt):
        write_tree(root, {"a/b/one.tf": "one\n", "c/two.tf": "two\n"})
    assert calls["n"] == nth
    assert list(tmp_path.iterdir()) == [], sorted(str(p) for p in tmp_path.rglob("*"))


def test_ctrl_c_while_taking_the_lock_of_a_new_project_leaves_nothing(tmp_path: Path, monkeypatch) -> None:
    """The lock file exists, this run does not hold it yet, and Ctrl-C lands: the file and the
    folders it made go. Injected at flock (a real signal cannot be aimed at that instant)."""
    import fcntl

    real_flock = fcntl.flock

    def ctrl_c(fd, op):
        monkeypatch.setattr(fcntl, "flock", real_flock)
        raise KeyboardInterrupt

    monkeypatch.setattr(fcntl, "flock", ctrl_c)
    with pytest.raises(KeyboardInterrupt):
        write_tree(tmp_path / "new" / "proj", {"one.tf": "one\n"})
    assert list(tmp_path.iterdir()) == [], sorted(str(p) for p in tmp_path.rglob("*"))


def test_two_first_writes_at_once_never_remove_the_others_lock(tmp_path: Path, monkeypatch) -> None:
    """Another tfgen makes the same new project's folders and takes its lock while this one is
    making them: this one says so and removes nothing of the other's (its folder `new/` only,
    once empty). The other process is simulated inside this one's mkdir."""
    import fcntl

    root = tmp_path / "new" / "proj"
    real_mkdir = Path.mkdir
    held: list[object] = []

    def the_other_first(self: Path, *args, **kwargs) -> None:
        if self == root and not held:
            os.makedirs(root / ".tfgen")
            handle = (root / ".tfgen" / "lock").open("a")
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            held.append(handle)
        real_mkdir(self, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", the_other_first)
    with pytest.raises(TfgenError, match="another tfgen is writing"):
        write_tree(root, {"one.tf": "one\n"})
    assert (root / ".tfgen" / "lock").is_file(), "the other's lock is still there"
    assert sorted(p.name for p in root.iterdir()) == [".tfgen"]


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

    monkeypatch.setattr("tfgen.commit.os.replace", flaky_replace)
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


# --------------------------------------------------------------------------- hardening


def test_nothing_is_written_through_a_symbolic_link(spec_and_out, tmp_path: Path) -> None:
    spec, out = spec_and_out
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out.mkdir()
    (out / "modules").symlink_to(elsewhere)  # a folder link
    code, output = init(str(spec), "--out", str(out))
    assert code == 2 and f"{out / 'modules'} is a symbolic link (to {elsewhere})" in output
    assert list(elsewhere.iterdir()) == [] and not (out / "envs").exists()
    (out / "modules").unlink()
    outside = tmp_path / "victim.txt"
    outside.write_text("keep me\n")
    (out / "Makefile").symlink_to(outside)  # a file link
    code, output = init(str(spec), "--out", str(out))
    assert code == 2 and f"{out / 'Makefile'} is a symbolic link" in output
    assert outside.read_text() == "keep me\n"


def test_a_second_writer_fails_fast(spec_and_out) -> None:
    import fcntl

    spec, out = spec_and_out
    assert init(str(spec), "--out", str(out))[0] == 0
    with (out / ".tfgen" / "lock").open("a") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)  # another tfgen init is writing
        code, output = init(str(spec), "--out", str(out), "--force")
    assert code == 1 and f"another tfgen is writing {out}" in output
    assert init(str(spec), "--out", str(out))[0] == 0  # free again


CRASH_AFTER_RENAMES = """
import os, sys
from pathlib import Path
import tfgen.commit as commit
real, count = os.replace, {"n": 0}
def crashing(src, dst):
    real(src, dst)
    count["n"] += str(dst).endswith(".tf")
    if count["n"] == int(sys.argv[2]):
        os._exit(137)  # like kill -9: no cleanup, no rollback
commit.os.replace = crashing
from tfgen.write import write_tree
files = {f"modules/m{i}.tf": f"new {i}\\n" for i in range(6)}
write_tree(Path(sys.argv[1]), files)
"""


def test_a_crash_between_renames_is_rolled_forward_by_the_next_run(tmp_path: Path) -> None:
    import subprocess
    import sys

    root = tmp_path / "proj"
    old = {f"modules/m{i}.tf": f"old {i}\n" for i in range(6)}
    write_tree(root, old)
    crashed = subprocess.run([sys.executable, "-c", CRASH_AFTER_RENAMES, str(root), "3"])
    assert crashed.returncode == 137
    assert (root / ".tfgen" / "journal.json").is_file()  # the commit was in flight
    halfway = {p: (root / p).read_text() for p in old}
    assert sorted(halfway.values())[:3] == ["new 0\n", "new 1\n", "new 2\n"]  # half renamed
    new = {f"modules/m{i}.tf": f"new {i}\n" for i in range(6)}
    result = write_tree(root, new)  # the next run finishes the interrupted write first
    assert set(result.statuses.values()) == {"identical"} and not result.conflicts
    assert {p: (root / p).read_text() for p in new} == new
    assert not (root / ".tfgen" / "journal.json").exists()
    assert not list(root.rglob("*.tfgen-tmp"))
    manifest = json.loads((root / MANIFEST).read_text())
    assert set(manifest["files"]) == set(new)


def test_temp_files_a_crash_left_are_cleaned_by_the_next_run(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    write_tree(root, {"modules/a.tf": "a\n"})
    stray = root / "modules" / ".a.tf.x1y2z3.tfgen-tmp"  # killed while staging, before the journal
    stray.write_text("half")
    write_tree(root, {"modules/a.tf": "a\n"})
    assert not stray.exists()


@pytest.mark.parametrize(
    "manifest", ['{"files": []}', "null", '{"files": {"a": 1}}', "[1]", '{"environments": []}', "{not json"]
)
def test_a_manifest_of_the_wrong_shape_is_reported_like_a_corrupted_one(
    tmp_path: Path, manifest: str
) -> None:
    root = tmp_path / "proj"
    write_tree(root, {"a.tf": "a\n"})
    (root / MANIFEST).write_text(manifest)
    with pytest.raises(TfgenError, match=r"manifest.json is not a valid tfgen manifest \(.*\): delete it"):
        write_tree(root, {"a.tf": "b\n"})


def test_a_write_error_names_the_target_file(tmp_path: Path, monkeypatch) -> None:
    root = tmp_path / "proj"

    real_replace = os.replace

    def full_disk(src, dst):
        if str(dst).endswith(".tf"):
            raise OSError(28, "No space left on device", str(src))  # names the temp file
        return real_replace(src, dst)

    monkeypatch.setattr("tfgen.commit.os.replace", full_disk)
    with pytest.raises(TfgenError) as info:
        write_tree(root, {"modules/a.tf": "a\n"})
    assert info.value.message.startswith(f"could not write {root.resolve() / 'modules/a.tf'}: ")
    assert "tfgen-tmp" not in info.value.message


SLOW_RENAMES = """
import os, signal, sys, time
from pathlib import Path
# As at a terminal: a runner started in the background (`cmd &`) passes SIGINT on ignored.
signal.signal(signal.SIGINT, signal.default_int_handler)
import tfgen.commit as commit
real, count, out = os.replace, {"n": 0}, sys.argv[1]
def slow(src, dst):
    count["n"] += not str(dst).endswith("journal.json")
    if count["n"] == 2:
        Path(out, "renaming").touch()
        time.sleep(30)
    return real(src, dst)
commit.os.replace = slow
sys.argv = ["tfgen", "init", sys.argv[2], "--out", sys.argv[1], "--force"]
from tfgen.cli import main
main()
"""


@pytest.mark.parametrize(
    ("signame", "code", "said"),
    [("SIGTERM", 143, "stopped by SIGTERM"), ("SIGINT", 130, "interrupted")],
)
def test_a_signal_mid_write_rolls_the_tree_back_and_says_why(
    spec_and_out, signame: str, code: int, said: str
) -> None:
    """SIGTERM (CI cancel, `timeout`, `docker stop`) or Ctrl-C in the middle of the renames:
    every rename undone, and tfgen says why it stopped (typer alone would end a Ctrl-C inside
    a command with 130 and no word)."""
    import signal
    import subprocess
    import sys
    import time

    spec, out = spec_and_out
    assert init(str(spec), "--out", str(out))[0] == 0
    before = snapshot(out)
    spec.write_text(spec.read_text().replace("profile: low-power", "profile: high-power"))
    proc = subprocess.Popen(
        [sys.executable, "-c", SLOW_RENAMES, str(out), str(spec)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not (out / "renaming").exists() and time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.05)
    (out / "renaming").unlink()
    proc.send_signal(getattr(signal, signame))
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == code and err.strip().splitlines()[-1:] == [said], err

    def files(tree: dict[str, bytes]) -> dict[str, bytes]:
        return {p: data for p, data in tree.items() if p != ".tfgen/lock"}  # names the writer's pid

    assert files(snapshot(out)) == files(before)  # every rename undone, no temp file or journal


def test_new_files_whose_content_a_power_loss_lost_are_removed_not_rolled_forward(tmp_path: Path) -> None:
    """New files are not fsynced: after a power loss the journal's sha256 tells a staged or
    renamed new file whose content never reached the disk, and recovery removes it (the user
    had nothing there); complete ones are put in place as before."""
    import subprocess
    import sys

    from tfgen.commit import JOURNAL, recover

    root = tmp_path / "proj"
    write_tree(root, {"README.md": "x\n"})  # a project, without the files below
    crashed = subprocess.run([sys.executable, "-c", CRASH_AFTER_RENAMES, str(root), "3"])
    assert crashed.returncode == 137
    journal = json.loads((root / JOURNAL).read_text())["renames"]
    renames = [e for e in journal if e[1].startswith("modules/")]
    others = sum(1 for e in journal if not e[1].startswith("modules/") and (root / e[0]).exists())
    assert len(renames) == 6 and all(new for _tmp, _target, _digest, new in renames)  # none existed
    # The power loss: one renamed file and one staged file lost their content.
    (root / "modules" / "m1.tf").write_text("")
    staged = {Path(target).name: root / tmp for tmp, target, _d, _n in renames if (root / tmp).exists()}
    staged["m4.tf"].write_text("new")
    # m3 and m5 (and the manifest's files) go in place; m4's staged copy is incomplete.
    assert recover(root, [root / "modules"]) == others + 2
    assert sorted(p.name for p in (root / "modules").glob("*.tf")) == ["m0.tf", "m2.tf", "m3.tf", "m5.tf"]
    assert all((root / "modules" / n).read_text() == f"new {n[1]}\n" for n in ("m0.tf", "m2.tf", "m3.tf"))
    assert not (root / JOURNAL).exists() and not list(root.rglob("*.tfgen-tmp"))
