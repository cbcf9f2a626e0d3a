"""The client of the warm checkov (`checkov_server.py`): start it on first use, find it by its
socket in the user's cache folder, hand it a scan, fall back to a cold run on any trouble.

A cold checkov run spends most of its time importing checkov and its checks; the warm one has
done that once and forks a fresh child per scan (see checkov_server.py for why that child
cannot carry anything over from an earlier scan). The server is keyed by checkov's
installation, the policies' content, tfgen's version, the server's own code and the
environment checkov runs with: a scan with another key stops it and starts a new one.

`TFGEN_SCAN_SERVER=0` (or off/false/no) turns it off: every scan is cold; so does
`TFGEN_WARM=0` when TFGEN_SCAN_SERVER is not set (no warm process of tfgen's at all). It is off by default
when `CI` is set (a fresh machine gains nothing from it). It exits by itself after
`TFGEN_SCAN_SERVER_IDLE` seconds without a scan (default 900); `tfgen scan --stop-server`
stops it now.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .. import __version__
from ..errors import ToolError
from ..paths import private_dir
from ..warm import MAX_SOCKET_PATH
from .targets import POLICY_SUFFIXES, walk_files

SERVER_ENV_VAR = "TFGEN_SCAN_SERVER"
IDLE_ENV_VAR = "TFGEN_SCAN_SERVER_IDLE"
IDLE_DEFAULT_S = 900.0
START_TIMEOUT_S = 90.0
SERVER_SCRIPT = Path(__file__).with_name("checkov_server.py")
SOCKET_NAME = "checkov.sock"
# Variables that differ from shell to shell or test to test and that checkov does not read:
# left out of the key, so they do not restart the server.
UNKEYED = {"PWD", "OLDPWD", "SHLVL", "_", "COLUMNS", "LINES", "PYTEST_CURRENT_TEST", "HOME"}
UNKEYED_PREFIXES = ("TFGEN_",)

_verbose = False


class ServerUnavailable(Exception):
    """The warm server could not answer: the scan runs cold."""


def set_verbose(on: bool) -> None:
    global _verbose
    _verbose = on


def note(message: str) -> None:
    """A line on stderr with -v (which path a scan took, and why a fallback)."""
    if _verbose:
        print(f"tfgen scan: {message}", file=sys.stderr)


def enabled() -> bool:
    from ..warm import switched_on

    return switched_on(SERVER_ENV_VAR)


def server_dir() -> Path:
    return private_dir("scan-server")


def checkov_python(executable: Path) -> Path:
    """The interpreter of checkov's virtual environment, from the executable's shebang."""
    try:
        with executable.resolve().open("rb") as handle:
            first = handle.readline(4096).decode(errors="replace")
    except OSError as err:
        raise ServerUnavailable(f"cannot read {executable}: {err}") from None
    if not first.startswith("#!") or "python" not in first:
        raise ServerUnavailable(f"{executable} is not a Python script (no python shebang)")
    python = Path(first[2:].strip().split()[0])
    if not (python.is_file() and os.access(python, os.X_OK)):
        raise ServerUnavailable(f"{executable}'s interpreter {python} is missing")
    return python


def environment_fingerprint(python: Path) -> str:
    """checkov's interpreter and every distribution installed next to it (name, version and the
    mtime of its RECORD): an upgraded bc-python-hcl2 under an unchanged checkov restarts the
    server too, as the parse trees it keeps come from it."""
    resolved = python.resolve()
    parts = [f"{resolved}:{resolved.stat().st_size}:{resolved.stat().st_mtime_ns}"]
    for site in sorted(python.parent.parent.glob("lib/python*/site-packages")):
        for dist in sorted(site.glob("*.dist-info")):
            record = dist / "RECORD"
            mtime = record.stat().st_mtime_ns if record.is_file() else 0
            parts.append(f"{dist.name}:{mtime}")
    return "\n".join(parts)


def server_key(fingerprint: str, policies: Path | None, env: dict[str, str]) -> str:
    """What the server's answers depend on besides the job itself."""
    digest = hashlib.sha256()

    def add(label: str, data: bytes) -> None:
        digest.update(f"{label}\0{len(data)}\0".encode())
        digest.update(data)

    add("tfgen", __version__.encode())
    add("server", SERVER_SCRIPT.read_bytes())
    add("checkov", fingerprint.encode())
    if policies is not None:
        for path in walk_files(policies, POLICY_SUFFIXES):
            add(f"policy:{path.relative_to(policies).as_posix()}", path.read_bytes())
    for name in sorted(env):
        if name not in UNKEYED and not name.startswith(UNKEYED_PREFIXES):
            add(f"env:{name}", env[name].encode())
    return digest.hexdigest()


def _connect(sock_path: Path, timeout: float | None = 5.0) -> socket.socket:
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    conn.settimeout(timeout)
    try:
        conn.connect(str(sock_path))
    except OSError:
        conn.close()
        raise
    return conn


def _send(conn: socket.socket, message: dict[str, Any]) -> None:
    conn.sendall(json.dumps(message).encode() + b"\n")


def _lines(conn: socket.socket) -> Iterator[dict[str, Any]]:
    buffer = b""
    while True:
        chunk = conn.recv(65536)
        if not chunk:
            return
        buffer += chunk
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            message = json.loads(line.decode())
            if isinstance(message, dict):
                yield message


def _ping(sock_path: Path) -> dict[str, Any] | None:
    try:
        with contextlib.closing(_connect(sock_path, 2.0)) as conn:
            _send(conn, {"ping": True})
            return next(_lines(conn), None)
    except (OSError, ValueError):
        return None


@contextlib.contextmanager
def _lock(folder: Path) -> Iterator[None]:
    with (folder / "server.lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _socket_path() -> Path:
    sock_path = server_dir() / SOCKET_NAME
    if len(os.fsencode(sock_path)) > MAX_SOCKET_PATH:
        raise ServerUnavailable(f"the socket path {sock_path} is too long for a unix socket")
    return sock_path


def ensure_server(python: Path, key: str, env: dict[str, str]) -> Path:
    """The socket of a running server with `key`: the one there, else a new one (a server
    with another key is stopped first)."""
    sock_path = _socket_path()
    hello = _ping(sock_path)
    if hello is not None and hello.get("key") == key:
        return sock_path
    with _lock(sock_path.parent):
        hello = _ping(sock_path)
        if hello is not None and hello.get("key") == key:
            return sock_path
        if hello is not None:
            note("the warm checkov was started for another checkov, policies or tfgen: restarting it")
            _stop(sock_path, hello)
        return _start(python, key, env, sock_path)


def _start(python: Path, key: str, env: dict[str, str], sock_path: Path) -> Path:
    folder = sock_path.parent
    home = folder / "home"
    home.mkdir(mode=0o700, exist_ok=True)
    idle = os.environ.get(IDLE_ENV_VAR) or str(IDLE_DEFAULT_S)
    note(f"starting the warm checkov ({python})")
    with (folder / "server.log").open("ab") as log:
        try:
            proc = subprocess.Popen(
                [str(python), str(SERVER_SCRIPT), str(sock_path), key, idle],
                cwd=folder,
                env={**env, "HOME": str(home)},
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,
                close_fds=True,
            )
        except OSError as err:
            raise ServerUnavailable(f"cannot start {python}: {err}") from None
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ServerUnavailable(
                f"the warm checkov exited at start (exit {proc.returncode}; see {folder / 'server.log'})"
            )
        hello = _ping(sock_path)
        if hello is not None and hello.get("key") == key:
            return sock_path
        time.sleep(0.05)
    proc.kill()
    raise ServerUnavailable(f"the warm checkov did not start within {START_TIMEOUT_S:.0f}s")


def _stop(sock_path: Path, hello: dict[str, Any]) -> None:
    """Stop the server behind `sock_path` (it exits on a request with a key not its own)."""
    try:
        with contextlib.closing(_connect(sock_path, 5.0)) as conn:
            _send(conn, {"key": hello.get("key"), "stop": True})
            next(_lines(conn), None)
    except (OSError, ValueError):
        pass
    pid = hello.get("pid")
    deadline = time.monotonic() + 5
    while isinstance(pid, int) and time.monotonic() < deadline and _alive(pid):
        time.sleep(0.05)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie (our own child in tests) counts as gone
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().split(") ")[-1][:1] != "Z"
    except OSError:
        return True


def stop_server() -> int | None:
    """Stop the warm checkov of this user's cache folder; its pid, or None when none ran."""
    try:
        sock_path = _socket_path()
    except (ServerUnavailable, ToolError):
        return None
    hello = _ping(sock_path)
    if hello is None:
        return None
    _stop(sock_path, hello)
    pid = hello.get("pid")
    return pid if isinstance(pid, int) else None


def server_pid() -> int | None:
    """The pid of the running warm checkov, if one answers."""
    try:
        hello = _ping(_socket_path())
    except (ServerUnavailable, ToolError):
        return None
    pid = hello.get("pid") if hello else None
    return pid if isinstance(pid, int) else None


def run_warm(
    executable: Path,
    fingerprint: str,
    argv: list[str],
    *,
    cwd: Path,
    env: dict[str, str],
    logs: Path,
    policies: Path | None,
    parse: list[Path],
    timeout: float,
) -> tuple[int, str, str]:
    """Run `checkov argv` in a fresh child of the warm server: (exit code, stdout, stderr).

    Raises ServerUnavailable when the server cannot be had or gave no answer.
    """
    python = checkov_python(executable)
    started = time.monotonic()
    try:
        key = server_key(fingerprint + "\n" + environment_fingerprint(python), policies, env)
        sock_path = ensure_server(python, key, env)
        conn = _connect(sock_path, timeout)
    except (OSError, ToolError) as err:
        raise ServerUnavailable(str(err)) from None
    child: int | None = None
    try:
        with contextlib.closing(conn):
            request = {
                "key": key,
                "argv": argv,
                "cwd": str(cwd),
                "env": env,
                "logs": str(logs),
                "parse": [str(p) for p in parse],
            }
            _send(conn, request)
            sent = time.monotonic()
            forked = sent
            for message in _lines(conn):
                if "error" in message:
                    raise ServerUnavailable(f"the warm checkov refused the scan ({message['error']})")
                if "pid" in message and "rc" not in message:
                    child = int(message["pid"])
                    forked = time.monotonic()
                    continue
                if "rc" in message:
                    child = None
                    note(
                        f"warm checkov: {sent - started:.2f}s to reach the server, "
                        f"{forked - sent:.2f}s for it to read new files and fork, "
                        f"{time.monotonic() - forked:.2f}s for the scan"
                    )
                    return int(message["rc"]), str(message.get("stdout", "")), str(message.get("stderr", ""))
            raise ServerUnavailable("the warm checkov closed the connection without an answer")
    except TimeoutError:
        raise ToolError(f"checkov did not finish within {timeout:.0f}s") from None
    except (OSError, ValueError) as err:
        raise ServerUnavailable(f"the warm checkov did not answer: {err}") from None
    finally:
        if child is not None:  # interrupted or timed out: the job must not run on
            with contextlib.suppress(OSError):
                os.kill(child, signal.SIGTERM)
