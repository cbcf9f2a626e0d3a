"""The warm checkov (tfgen.scan.server): the same findings as a cold run, never a stale answer,
no server left behind.

Real checkov and trivy throughout. Each test gets its own cache folder (TFGEN_CACHE_DIR, so its
own socket and server) and stops its server at the end; the rest of the suite runs with
TFGEN_SCAN_SERVER=0 (conftest).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import tfgen.scan as scan_mod
from helpers import REPO
from tfgen.cli import app
from tfgen.scan import server, spare
from typer.testing import CliRunner

INSECURE_SG = """
resource "aws_security_group" "debug" {
  name        = "debug"
  description = "debug access"
  vpc_id      = module.vpc.vpc_id

  ingress {
    description = "ssh from anywhere"
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
"""


@pytest.fixture
def warm(monkeypatch: pytest.MonkeyPatch, checkov: Path) -> Iterator[Path]:
    """The warm server on, in a private cache folder (short: a unix socket path must fit in
    108 bytes); stopped afterwards, and proven gone, with any spare trivy its scans left."""
    cache = Path(tempfile.mkdtemp(prefix="tfgen-srv-"))
    monkeypatch.setenv("TFGEN_CACHE_DIR", str(cache))
    monkeypatch.setenv(server.SERVER_ENV_VAR, "1")
    try:
        yield cache
    finally:
        pid = server.server_pid()
        server.stop_server()
        spare.stop_spares()
        if pid is not None:
            _wait_gone(pid)
        shutil.rmtree(cache, ignore_errors=True)


def _wait_gone(pid: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and server._alive(pid):
        time.sleep(0.05)
    assert not server._alive(pid), f"the warm checkov {pid} is still running"


def reference_copy(tmp_path: Path) -> Path:
    tree = tmp_path / "project"
    for folder in ("modules", "envs"):
        shutil.copytree(REPO / folder, tree / folder, ignore=shutil.ignore_patterns(".*"))
    return tree


def findings(result: scan_mod.ScanResult) -> dict[str, Any]:
    """Everything a user reads of a result, but the timing."""

    def rows(items: list[scan_mod.ScanFinding]) -> list[tuple[str, ...]]:
        return sorted(
            (f.engine, f.check_id, f.file, str(f.line), f.resource, f.reason, f.root, f.severity)
            for f in items
        )

    return {
        "failed": rows(result.failed),
        "skipped": rows(result.skipped),
        "passed": result.passed,
        "parsing_errors": sorted(result.parsing_errors),
        "exit": result.exit_code,
        "lines": result.summary_lines(show_skips=True)[1:],
        "versions": (result.checkov_version, result.trivy_version, result.policies),
    }


def cold_scan(monkeypatch: pytest.MonkeyPatch, tree: Path, **kwargs: Any) -> scan_mod.ScanResult:
    with monkeypatch.context() as m:
        m.setenv(server.SERVER_ENV_VAR, "0")
        return scan_mod.scan(tree, use_cache=False, **kwargs)


def test_warm_scan_after_an_insecure_edit_equals_a_cold_full_scan(
    warm: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    tree = reference_copy(tmp_path)
    server.set_verbose(True)
    try:
        before = scan_mod.scan(tree, engine="checkov")  # the hook's first run: starts the server
        assert before.exit_code == 0, before.summary_lines()
        pid = server.server_pid()
        assert pid is not None
        main_tf = tree / "envs" / "dev" / "main.tf"
        main_tf.write_text(main_tf.read_text() + INSECURE_SG)
        rds = tree / "modules" / "rds" / "main.tf"
        rds.write_text(
            rds.read_text().replace("storage_encrypted     = true", "storage_encrypted     = false", 1)
        )
        after = scan_mod.scan(tree, engine="checkov")  # the hook after the edit: warm
        assert server.server_pid() == pid, "the same server answered"
    finally:
        server.set_verbose(False)
    err = capsys.readouterr().err
    assert err.count("scanned by the warm checkov") == 2, err
    assert not after.from_cache
    cold = cold_scan(monkeypatch, tree, engine="checkov")
    assert findings(after) == findings(cold)
    new = {(f.check_id, f.file, f.resource) for f in after.failed}
    assert ("CKV_AWS_24", "envs/dev/main.tf", "aws_security_group.debug") in new
    assert ("TFGEN_AWS_004", "envs/dev/main.tf", "aws_security_group.debug") in new
    assert any(f.check_id == "CKV_AWS_16" and f.file == "modules/rds/main.tf" for f in after.failed), new
    # the machine reports hold the same findings (the staged folder's path aside)
    for fmt in ("sarif", "junitxml"):
        assert after.reports[fmt].count("CKV_AWS_24") == cold.reports[fmt].count("CKV_AWS_24")


def test_engine_all_warm_equals_cold(
    warm: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    trivy: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The hook's loop with both engines: the first scan starts the warm checkov and leaves a
    spare trivy behind; after an insecure edit the next one is answered by both, exactly as a
    cold scan answers."""
    tree = reference_copy(tmp_path)
    server.set_verbose(True)
    try:
        scan_mod.scan(tree, engine="all")
        assert server.server_pid() is not None
        main_tf = tree / "envs" / "prod" / "main.tf"
        main_tf.write_text(main_tf.read_text() + INSECURE_SG)
        rds = tree / "modules" / "rds" / "main.tf"
        rds.write_text(
            rds.read_text().replace("storage_encrypted     = true", "storage_encrypted     = false", 1)
        )
        warm_result = scan_mod.scan(tree, engine="all")
    finally:
        server.set_verbose(False)
    err = capsys.readouterr().err
    assert err.count("scanned by the warm checkov") == 2 and "scanned by a spare trivy" in err, err
    cold = cold_scan(monkeypatch, tree, engine="all")
    assert findings(warm_result) == findings(cold)
    engines = {f.engine for f in warm_result.failed if f.file == "envs/prod/main.tf"}
    assert engines == {"checkov", "trivy"}
    assert {f.engine for f in warm_result.failed if f.file == "modules/rds/main.tf"} == {"checkov", "trivy"}


POLICY = """metadata:
  id: "TFGEN_TEST_900"
  name: "Buckets are named test-*"
  category: "GENERAL_SECURITY"
definition:
  cond_type: "attribute"
  resource_types: ["aws_s3_bucket"]
  attribute: "bucket"
  operator: "starting_with"
  value: "test-"
"""


def test_a_policy_change_restarts_the_server_and_the_answer_follows(warm: Path, tmp_path: Path) -> None:
    tree = tmp_path / "tf"
    tree.mkdir()
    (tree / "main.tf").write_text('resource "aws_s3_bucket" "b" {\n  bucket = "prod-data"\n}\n')
    policies = tmp_path / "policies"
    policies.mkdir()
    (policies / "TFGEN_TEST_900.yaml").write_text(POLICY)
    first = scan_mod.scan(tree, engine="checkov", policies=policies, use_cache=False)
    first_pid = server.server_pid()
    assert first_pid is not None
    assert "TFGEN_TEST_900" in {f.check_id for f in first.failed}
    (policies / "TFGEN_TEST_900.yaml").write_text(POLICY.replace('"test-"', '"prod-"'))
    second = scan_mod.scan(tree, engine="checkov", policies=policies, use_cache=False)
    second_pid = server.server_pid()
    assert second_pid is not None and second_pid != first_pid
    _wait_gone(first_pid)
    assert "TFGEN_TEST_900" not in {f.check_id for f in second.failed}
    again = scan_mod.scan(tree, engine="checkov", policies=policies, use_cache=False)
    assert server.server_pid() == second_pid, "an unchanged key keeps the server"
    assert findings(again) == findings(second)


def test_the_key_follows_checkov_tfgen_and_the_environment(checkov: Path, tmp_path: Path) -> None:
    policies = scan_mod.repo_policies_dir()
    env = {"PATH": "/usr/bin", "HOME": "/somewhere"}
    base = server.server_key(scan_mod.checkov_fingerprint(checkov), policies, env)
    assert server.server_key(scan_mod.checkov_fingerprint(checkov), policies, dict(env)) == base
    assert server.server_key(scan_mod.checkov_fingerprint(checkov) + "x", policies, env) != base
    assert server.server_key(scan_mod.checkov_fingerprint(checkov), None, env) != base
    assert (
        server.server_key(scan_mod.checkov_fingerprint(checkov), policies, {**env, "LOG_LEVEL": "DEBUG"})
        != base
    )
    # HOME is each scan's own empty folder, and shell noise does not restart the server
    assert (
        server.server_key(scan_mod.checkov_fingerprint(checkov), policies, {**env, "HOME": "/x", "PWD": "/y"})
        == base
    )
    # a reinstalled checkov (another mtime of the executable) is another fingerprint
    copy = tmp_path / "checkov"
    shutil.copy2(checkov, copy)
    fingerprint = scan_mod.checkov_fingerprint(copy)
    os.utime(copy, ns=(time.time_ns(), time.time_ns() + 10**9))
    assert scan_mod.checkov_fingerprint(copy) != fingerprint


def test_the_key_follows_the_libraries_next_to_checkov(tmp_path: Path) -> None:
    """An upgraded library in checkov's environment (bc-python-hcl2, say) is another server."""
    python = tmp_path / "venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text("")
    record = (
        tmp_path
        / "venv"
        / "lib"
        / "python3.11"
        / "site-packages"
        / "bc_python_hcl2-0.4.3.dist-info"
        / "RECORD"
    )
    record.parent.mkdir(parents=True)
    record.write_text("x")
    first = server.environment_fingerprint(python)
    assert "bc_python_hcl2-0.4.3.dist-info" in first
    os.utime(record, ns=(time.time_ns(), time.time_ns() + 10**9))
    assert server.environment_fingerprint(python) != first


def test_stop_server_and_idle_exit(warm: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tree = tmp_path / "tf"
    tree.mkdir()
    (tree / "main.tf").write_text('resource "aws_s3_bucket" "b" {\n  bucket = "x"\n}\n')
    scan_mod.scan(tree, engine="checkov", use_cache=False)
    pid = server.server_pid()
    assert pid is not None
    result = CliRunner().invoke(app, ["scan", "--stop-server"], catch_exceptions=False)
    assert result.exit_code == 0
    assert result.output.strip() == f"stopped the warm checkov (pid {pid})"
    _wait_gone(pid)
    assert not (warm / "scan-server" / server.SOCKET_NAME).exists()
    result = CliRunner().invoke(app, ["scan", "--stop-server"], catch_exceptions=False)
    assert result.output.strip() == "no warm checkov was running"
    monkeypatch.setenv(server.IDLE_ENV_VAR, "1")
    scan_mod.scan(tree, engine="checkov", use_cache=False)
    idle_pid = server.server_pid()
    assert idle_pid is not None
    _wait_gone(idle_pid, timeout=15)
    assert server.server_pid() is None


def test_a_checkov_that_is_not_python_runs_cold_with_the_same_error(warm: Path, tmp_path: Path) -> None:
    fake = tmp_path / "bin" / "checkov"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\necho 'Traceback: boom' >&2\nexit 3\n")
    fake.chmod(0o755)
    (tmp_path / "main.tf").write_text('resource "aws_s3_bucket" "b" {\n  bucket = "x"\n}\n')
    result = CliRunner().invoke(
        app, ["scan", str(tmp_path), "--engine", "checkov", "--checkov", str(fake), "-v"]
    )
    assert result.exit_code == 2
    assert "checkov failed (exit 3): Traceback: boom" in result.output
    assert "cold checkov run:" in result.output and "not a Python script" in result.output
    assert server.server_pid() is None


@pytest.mark.parametrize(
    ("settings", "on"),
    [
        ({}, True),
        ({"CI": "true"}, False),
        ({"TFGEN_SCAN_SERVER": "0"}, False),
        ({"TFGEN_WARM": "0"}, False),  # no warm process of tfgen's at all
        ({"TFGEN_WARM": "0", "TFGEN_SCAN_SERVER": "1"}, True),  # the scan's own switch wins
        ({"CI": "true", "TFGEN_SCAN_SERVER": "1"}, True),
        ({"CI": "true", "TFGEN_WARM": "1"}, True),  # the render server's rule: one for both
        ({"CI": "false"}, True),
    ],
)
def test_which_switches_turn_the_warm_checkov_off(
    monkeypatch: pytest.MonkeyPatch, settings: dict[str, str], on: bool
) -> None:
    for name in ("CI", "TFGEN_SCAN_SERVER", "TFGEN_WARM"):
        monkeypatch.delenv(name, raising=False)
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    assert server.enabled() is on


# Run by checkov's own interpreter: the memo against checkov's real evaluator.
MEMO_PROBE = r"""
import json, sys
sys.path.insert(0, sys.argv[1])
import checkov_server as cs  # drops its own folder from sys.path again

folder = sys.argv[2]
parent = cs.EvalMemo(folder)
child = cs.EvalMemo(folder)
child.install()
from checkov.terraform.graph_builder.variable_rendering import evaluate_terraform as et
from checkov.terraform.graph_builder.variable_rendering import safe_eval_functions as sef

assert sef.evaluate is et.evaluate, "checkov's two names for the evaluator both go through the memo"
memoised, original = sef.evaluate, sef.evaluate.__wrapped__

def answer(function, expression):
    try:
        return ["ok", repr(function(expression))]
    except ValueError as err:
        return ["err", str(err)]

expressions = json.loads(sys.argv[3])
for expression in expressions:
    cold = answer(original, expression)
    assert answer(memoised, expression) == cold, expression  # computed
    assert answer(memoised, expression) == cold, expression  # answered from the memo
listed = memoised('[1, 2]')
listed.append(3)
assert memoised('[1, 2]') == [1, 2], "each answer is a copy: a caller's change does not stick"
memoised('timestamp()')
assert 'timestamp()' not in child.fresh, "timestamp() is not a pure function"
assert 'toset(["a", "b", "c", "d", "e", "f"])' not in child.fresh, "a set's copy may iterate in another order"
assert answer(memoised, 'tfgen_probe')[0] == 'err'
known = dict(child.fresh)
memoised('tfgen_probe = 1')  # asteval assigns into the shared symbol table
assert memoised('tfgen_probe') == 1, "after the table changed, evaluated as checkov would"
assert 'tfgen_probe = 1' not in child.fresh and child.fresh == known
child.hand_back()
parent.take_answers()
assert parent.answers == known, "the parent takes in what the child computed"
print(json.dumps(sorted(known)))
"""


def test_the_evaluator_memo_answers_as_checkov_does(checkov: Path, tmp_path: Path) -> None:
    """The warm children's memo of checkov's expression evaluator gives checkov's own answers
    (values, errors), a fresh copy each time, never memoises timestamp(), a set, or anything
    once an expression changed the evaluator's symbol table, and hands its answers to the
    parent."""
    import json
    import subprocess

    expressions = [
        'merge({"a": 1}, {"b": 2})',
        "[1, 2, 3]",
        'length(["a", "b"])',
        'lookup({"a": "b"}, "a", "c")',
        'toset(["a", "b", "c", "d", "e", "f"])',
        'concat(["a"], ["b"])',
        'format("%s-%s", "a", "b")',
        "1 + 2",
        "true",
        "var.name",
        "module.vpc.vpc_id",
        '"${var.name}-logs"',
    ]
    proc = subprocess.run(
        [
            str(server.checkov_python(checkov)),
            "-c",
            MEMO_PROBE,
            str(server.SERVER_SCRIPT.parent),
            str(tmp_path / "memo"),
            json.dumps(expressions),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        # a hash seed under which a copy of that set iterates in another order than the set
        env={**os.environ, "LOG_LEVEL": "WARNING", "PYTHONHASHSEED": "16"},
    )
    assert proc.returncode == 0, proc.stderr
    memoised = set(json.loads(proc.stdout.strip().splitlines()[-1]))
    assert memoised >= {e for e in expressions if not e.startswith("toset")}
