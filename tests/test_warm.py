"""The warm server (tfgen.warm) answers exactly as tfgen in-process does, and only when current.

Every test runs the real `tfgen` entry point as a subprocess with its own cache folder (a
short path under /tmp: a Unix socket path has ~100 bytes), once with TFGEN_WARM=0 (in-process,
the reference) and once through a server, and compares exit code, standard output, standard
error and the written tree. Servers are stopped at the end of each test.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import REPO
from tfgen import warm

TFGEN = [sys.executable, "-m", "tfgen"]


@pytest.fixture
def cache() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="tw", dir="/tmp"))
    yield folder
    for lock in (folder / "warm").glob("*.lock"):
        pid = lock.read_text().split("\n")[0]
        if pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(pid), signal.SIGTERM)
    shutil.rmtree(folder, ignore_errors=True)


def env(cache: Path, warm_on: bool) -> dict[str, str]:
    return {**os.environ, "TFGEN_CACHE_DIR": str(cache), "TFGEN_WARM": "1" if warm_on else "0"}


def tfgen(cache: Path, warm_on: bool, *args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*TFGEN, *args], cwd=cwd, env=env(cache, warm_on), capture_output=True, text=True, timeout=120
    )


def served(cache: Path) -> list[dict[str, object]]:
    """The commands the warm server ran, from its log."""
    return [
        json.loads(line) for log in (cache / "warm").glob("*.log") for line in log.read_text().splitlines()
    ]


def waits_for_the_server(pid: int) -> bool:
    """Whether the client `pid` has sent its request and waits for the child's pid: it holds a
    socket and sleeps in select() (Linux /proc; select waits in poll_schedule_timeout)."""
    proc = Path(f"/proc/{pid}")
    try:
        if "poll" not in (proc / "wchan").read_text():
            return False
        fds = list((proc / "fd").iterdir())
    except OSError:
        return False
    for fd in fds:
        with contextlib.suppress(OSError):  # a descriptor closed meanwhile
            if os.readlink(fd).startswith("socket:"):
                return True
    return False


def server_pid(cache: Path) -> int:
    """The warm server's pid, from its lock file."""
    return int(next((cache / "warm").glob("*.sock.lock")).read_text().split("\n")[0])


def wait_gone(pid: int, deadline: float, what: str) -> None:
    """Wait until process `pid` has exited; fail with `what` past `deadline`."""
    while Path(f"/proc/{pid}").exists():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def hand_over(cache: Path, out: Path, null: int) -> socket.socket:
    """Connect to the warm server and hand it `tfgen init examples/app.yaml --out OUT` as the
    client does, with `null` as the command's standard streams; the open connection."""
    request = {
        "argv": ["tfgen", "init", "examples/app.yaml", "--out", str(out)],
        "cwd": str(REPO),
        "env": env(cache, True),
        "umask": 0o022,
    }
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    conn.settimeout(60)
    conn.connect(str(next((cache / "warm").glob("*.sock"))))
    warm.send_request(conn, json.dumps(request).encode(), [null] * 3)
    return conn


def start_server(cache: Path, tmp: Path) -> None:
    """The first command starts a server (and runs in-process); wait until it listens."""
    first = tfgen(cache, True, "validate", "examples/app.yaml")
    assert first.returncode == 0, first.stderr
    deadline = time.monotonic() + 60
    while not list((cache / "warm").glob("*.sock")):
        assert time.monotonic() < deadline, "the warm server did not start"
        time.sleep(0.05)
    assert served(cache) == []  # the first command ran in-process


def tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != "lock"  # .tfgen/lock names the writing process's pid
    }


def test_the_warm_server_answers_as_tfgen_in_process(cache: Path, tmp_path: Path) -> None:
    start_server(cache, tmp_path)
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        (REPO / "examples" / "app.yaml").read_text().replace("region: eu-west-1", "region: mars-1")
    )
    shutil.copy(REPO / "examples" / "user-data.sh", tmp_path)
    cases = [
        ("init", "examples/app.yaml", "--out", "{out}"),  # a first render: every file written
        ("init", "examples/app.yaml", "--out", "{out}"),  # again: nothing to write
        ("init", str(bad), "--out", "{out}"),  # a wrong spec: exit 2, the key and line
        ("validate", "examples/app.yaml"),
        ("init", "--help"),
    ]
    for args in cases:
        answers = []
        for warm_on in (False, True):
            out = tmp_path / ("warm" if warm_on else "cold")
            done = tfgen(cache, warm_on, *(a.format(out=out) for a in args))
            answers.append(
                (done.returncode, done.stdout.replace(str(out), "OUT"), done.stderr.replace(str(out), "OUT"))
            )
        assert answers[0] == answers[1], args
    assert answers[0][0] == 0
    assert tree(tmp_path / "cold") == tree(tmp_path / "warm")
    assert [entry["argv"][0] for entry in served(cache)] == ["init", "init", "init", "validate", "init"]
    failing = [c for c in cases if "bad.yaml" in " ".join(c)]
    assert failing  # the wrong spec was among them, and answered the same: exit 2
    wrong = tfgen(cache, True, "init", str(bad), "--out", str(tmp_path / "x"))
    assert wrong.returncode == 2 and "region" in wrong.stderr and not (tmp_path / "x").exists()


INSECURE = """
resource "aws_security_group" "debug" {
  name        = "debug"
  description = "debug access"

  ingress {
    description = "ssh from anywhere"
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
"""


def test_a_scan_through_the_warm_server_answers_as_in_process(cache: Path, tmp_path: Path) -> None:
    """`tfgen scan` (the pre-commit hook's command) goes warm too: same exit code (1: a
    finding), summary, report file and error, with the real checkov."""
    start_server(cache, tmp_path)
    folder = tmp_path / "tf"
    folder.mkdir()
    (folder / "main.tf").write_text(INSECURE)
    cases = [
        ("scan", "tf", "--engine", "checkov", "--no-cache"),
        ("scan", "tf", "--engine", "checkov", "--no-cache", "-f", "sarif", "-o", "{out}/r.sarif"),
        ("scan", "nowhere", "--engine", "checkov"),  # a usage error: exit 2, no traceback
    ]
    for args in cases:
        answers = []
        for warm_on in (False, True):
            out = tmp_path / ("warm" if warm_on else "cold")
            out.mkdir(exist_ok=True)
            done = tfgen(cache, warm_on, *(a.format(out=out) for a in args), cwd=tmp_path)
            answers.append(
                tuple(
                    re.sub(r"\d+\.\d+s\b", "TIME", text.replace(str(out), "OUT"))
                    for text in (str(done.returncode), done.stdout, done.stderr)
                )
            )
        assert answers[0] == answers[1], args
    assert answers[0][0] == "2" and "nowhere" in answers[0][2] and "Traceback" not in answers[0][2]
    assert json.loads((tmp_path / "warm" / "r.sarif").read_text())["runs"][0]["results"]
    assert [entry["argv"][0] for entry in served(cache)] == ["scan", "scan", "scan"]
    first = tfgen(cache, True, "scan", "tf", "--engine", "checkov", "--no-cache", cwd=tmp_path)
    assert first.returncode == 1 and "CKV_AWS_24" in first.stdout


def test_relative_paths_umask_and_environment_are_the_clients(cache: Path, tmp_path: Path) -> None:
    start_server(cache, tmp_path)
    shutil.copy(REPO / "examples" / "app.yaml", tmp_path / "app.yaml")
    shutil.copy(REPO / "examples" / "user-data.sh", tmp_path / "user-data.sh")
    modes = {}
    for warm_on in (False, True):
        out = "warm" if warm_on else "cold"
        done = subprocess.run(
            ["/bin/sh", "-c", f"umask 077 && exec {' '.join(TFGEN)} init app.yaml --out {out}"],
            cwd=tmp_path,
            env=env(cache, warm_on),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        root = tmp_path / out
        modes[out] = {p.relative_to(root).as_posix(): p.stat().st_mode for p in root.rglob("*")}
    assert modes["cold"] == modes["warm"]
    assert modes["warm"]["modules"] & 0o777 == 0o700  # folders are made under the client's umask
    (entry,) = served(cache)
    assert entry["cwd"] == str(tmp_path)


def test_the_clients_environment_reaches_the_command(cache: Path, tmp_path: Path) -> None:
    """COLUMNS shapes `--help`: the child reads the client's, not the server's."""
    start_server(cache, tmp_path)
    helps = {}
    for columns in ("50", "200"):
        for warm_on in (False, True):
            done = subprocess.run(
                [*TFGEN, "init", "--help"],
                cwd=REPO,
                env={**env(cache, warm_on), "COLUMNS": columns},
                capture_output=True,
                text=True,
                timeout=120,
            )
            helps[columns, warm_on] = (done.returncode, done.stdout, done.stderr)
    assert helps["50", False] == helps["50", True]
    assert helps["200", False] == helps["200", True]
    assert helps["50", True] != helps["200", True]
    assert len(served(cache)) == 2


def test_commands_outside_the_render_loop_never_go_warm(cache: Path, tmp_path: Path) -> None:
    start_server(cache, tmp_path)
    assert tfgen(cache, True, "schema").returncode == 0
    assert tfgen(cache, True, "--help").returncode == 0
    assert served(cache) == []


@pytest.mark.parametrize("setting", [{"TFGEN_WARM": "0"}, {"CI": "true"}], ids=["off", "ci"])
def test_turned_off_or_in_ci_no_server_is_started(cache: Path, setting: dict[str, str]) -> None:
    environment = {**env(cache, True), **setting}
    if "CI" in setting:
        del environment["TFGEN_WARM"]
    for _ in range(2):
        done = subprocess.run(
            [*TFGEN, "validate", "examples/app.yaml"],
            cwd=REPO,
            env=environment,
            capture_output=True,
            timeout=120,
        )
        assert done.returncode == 0
    time.sleep(1)
    assert not (cache / "warm").exists() or not list((cache / "warm").iterdir())


def test_the_key_changes_with_any_file_of_the_code(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    shutil.copytree(REPO / "generator" / "tfgen" / "templates" / "env", package)
    before = warm.code_key(package)
    assert warm.code_key(package) == before
    template = next(package.rglob("*.j2"))
    template.write_text(template.read_text() + "\n")
    assert warm.code_key(package) != before
    (package / "__pycache__").mkdir()
    changed = warm.code_key(package)
    (package / "__pycache__" / "x.pyc").write_bytes(b"")
    assert warm.code_key(package) == changed  # compiled caches are not the code


def test_a_socket_path_too_long_for_the_kernel_means_in_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TFGEN_CACHE_DIR", str(tmp_path / ("x" * 120)))
    assert warm.socket_path() is None
    monkeypatch.setenv("TFGEN_WARM", "1")
    assert warm.run(["tfgen", "validate", "examples/app.yaml"]) is None


HOLDER = """
import fcntl, os, sys, time
handle = os.open(sys.argv[1], os.O_CREAT | os.O_RDWR, 0o600)
fcntl.flock(handle, fcntl.LOCK_EX)
os.write(handle, f"{os.getpid()}\\n{sys.argv[2]}\\n".encode())
print("holding", flush=True)
time.sleep(60)
"""


def test_a_new_server_stops_the_servers_of_the_same_installations_older_code(tmp_path: Path) -> None:
    """Each edit of tfgen's code makes a new key: the server of the old key is stopped at once
    (not left idling), while a server of another installation sharing the cache is left alone."""
    holders = {}
    for name, package in (("old", str(warm.PACKAGE)), ("other", "/elsewhere/tfgen")):
        holders[name] = subprocess.Popen(
            [sys.executable, "-c", HOLDER, str(tmp_path / f"{name}.sock.lock"), package],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert holders[name].stdout is not None and holders[name].stdout.readline() == "holding\n"
    (tmp_path / "gone.sock.lock").write_text(f"999999\n{warm.PACKAGE}\n")  # its server died
    try:
        warm.retire_older(tmp_path / "new.sock")
        assert holders["old"].wait(timeout=30) == -signal.SIGTERM
        assert holders["other"].poll() is None
        assert not (tmp_path / "gone.sock.lock").exists()
    finally:
        for holder in holders.values():
            holder.kill()
            holder.wait()


def test_a_deleted_current_folder_runs_in_process(cache: Path, tmp_path: Path) -> None:
    """The client cannot name its folder: tfgen runs in-process and says what it always says."""
    start_server(cache, tmp_path)
    gone = tmp_path / "gone"
    spec = REPO / "examples" / "app.yaml"
    script = f"mkdir {gone} && cd {gone} && rmdir {gone} && exec {' '.join(TFGEN)} validate {spec}"
    answers = []
    for warm_on in (False, True):
        done = subprocess.run(
            ["/bin/sh", "-c", script], env=env(cache, warm_on), capture_output=True, text=True, timeout=120
        )
        answers.append((done.returncode, done.stdout, done.stderr))
    assert answers[0] == answers[1]
    assert served(cache) == []


def test_ctrl_c_reaches_the_command_and_rolls_it_back(cache: Path, tmp_path: Path) -> None:
    """SIGINT to the client is forwarded to the child running the command: it unwinds as tfgen
    does in-process (exit 130, `interrupted`, nothing written)."""
    start_server(cache, tmp_path)
    text = (REPO / "examples" / "app.yaml").read_text()
    envs = "".join(f"  env{i}:\n    profile: low-power\n" for i in range(400))
    spec = tmp_path / "big.yaml"
    spec.write_text(text[: text.index("environments:")] + "environments:\n" + envs)
    shutil.copy(REPO / "examples" / "user-data.sh", tmp_path)
    out = tmp_path / "out"
    client = subprocess.Popen(
        [*TFGEN, "init", str(spec), "--out", str(out)],
        cwd=REPO,
        env=env(cache, True),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not served(cache):
        assert time.monotonic() < deadline and client.poll() is None
        time.sleep(0.01)
    child = int(served(cache)[-1]["pid"])  # type: ignore[call-overload]
    client.send_signal(signal.SIGINT)
    stdout, stderr = client.communicate(timeout=120)
    assert client.returncode == 130, stdout + stderr
    assert stderr.strip().splitlines()[-1] == "interrupted"
    assert not out.exists()
    # the child sends its status, then exits: it is gone a moment later
    wait_gone(child, time.monotonic() + 30, "the child outlived its command")


def test_ctrl_c_before_the_command_reports_its_pid_still_stops_the_command(
    cache: Path, tmp_path: Path
) -> None:
    """A Ctrl-C while the client waits for the child's pid (the server may already be starting
    the command) reaches the command once its pid comes: the command unwinds, exit 130,
    nothing written; the client never leaves it running on without it. The server is held
    with SIGSTOP so that the Ctrl-C surely lands in that wait."""
    start_server(cache, tmp_path)
    server = server_pid(cache)
    out = tmp_path / "out"
    os.kill(server, signal.SIGSTOP)
    try:
        client = subprocess.Popen(
            [*TFGEN, "init", "examples/app.yaml", "--out", str(out)],
            cwd=REPO,
            env=env(cache, True),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 60
        while not waits_for_the_server(client.pid):  # the server's backlog holds the request
            assert time.monotonic() < deadline and client.poll() is None
            time.sleep(0.01)
        client.send_signal(signal.SIGINT)
        time.sleep(0.1)
        assert client.poll() is None, "the client waits a moment for the command it handed over"
    finally:
        os.kill(server, signal.SIGCONT)
    stdout, stderr = client.communicate(timeout=120)
    assert client.returncode == 130, stdout + stderr
    assert stderr.strip().splitlines()[-1] == "interrupted", stderr
    assert "create" not in stdout, stdout
    deadline = time.monotonic() + 30
    while not served(cache):  # the server still forks a child for the request it held
        assert time.monotonic() < deadline, "the server took no request"
        time.sleep(0.05)
    wait_gone(int(served(cache)[-1]["pid"]), deadline, "the child outlived its command")  # type: ignore[call-overload]
    assert not out.exists(), sorted(str(p.relative_to(out)) for p in out.rglob("*"))[:5]


def test_a_command_whose_client_is_gone_before_it_starts_is_not_run(cache: Path, tmp_path: Path) -> None:
    """A client that gave up waiting (it then runs the command itself) or died leaves its request
    in the server's backlog: the server's child takes it over, finds the client gone and does not
    run the command on its own; the server serves on. The request is handed over here, as the
    client does, and the connection closed, while the server is held with SIGSTOP."""
    start_server(cache, tmp_path)
    server = server_pid(cache)
    out = tmp_path / "out"
    os.kill(server, signal.SIGSTOP)
    try:
        with open(os.devnull, "w") as null:
            hand_over(cache, out, null.fileno()).close()
    finally:
        os.kill(server, signal.SIGCONT)
    deadline = time.monotonic() + 30
    while not served(cache):
        assert time.monotonic() < deadline, "the server took no request"
        time.sleep(0.05)
    entry = served(cache)[-1]
    assert entry.get("argv") == ["init", "examples/app.yaml", "--out", str(out)], entry  # not failed before
    wait_gone(int(entry["pid"]), deadline, "the child outlived its command")  # type: ignore[call-overload]
    assert not out.exists(), "the command ran without its client"
    assert next((cache / "warm").glob("*.sock"), None) is not None, "the server's socket is still there"
    assert tfgen(cache, True, "validate", "examples/app.yaml").returncode == 0
    assert len(served(cache)) == 2, "the server answered the next command"


def test_the_child_starts_the_command_only_on_the_clients_go(cache: Path, tmp_path: Path) -> None:
    """The child sends its pid and waits: nothing runs until the client says go (`G`), which it
    says only once it forwards signals to that pid; `S` (a signal came first) ends the child
    with nothing run. Spoken here as the client speaks it."""
    start_server(cache, tmp_path)

    def ask(out: Path, word: bytes) -> tuple[int, bytes]:
        with open(os.devnull, "w") as null, hand_over(cache, out, null.fileno()) as conn:
            reader = conn.makefile("rb")
            child = int(json.loads(reader.readline())["pid"])
            time.sleep(1.0)
            assert Path(f"/proc/{child}").exists() and not out.exists(), "it ran before the go"
            conn.sendall(word)
            return child, reader.readline()

    child, rest = ask(tmp_path / "stopped", b"S")
    assert rest == b"", "a stopped child sends no exit status"
    wait_gone(child, time.monotonic() + 30, "the stopped child lives on")
    assert not (tmp_path / "stopped").exists()
    _, status = ask(tmp_path / "run", b"G")
    assert json.loads(status) == {"exit": 0}
    assert (tmp_path / "run" / "tfgen.yaml").is_file()
