"""A warm tfgen for the two loops: `tfgen init` (the render loop) and `tfgen scan` (the
pre-commit hook) answered by a process that has already started.

Most of a cold `tfgen init` is Python importing typer, pydantic (building the spec's models)
and Jinja. The first `tfgen init` starts a server in the background (and renders cold, as
before); later ones connect to it, pass it their standard input, output and error (the file
descriptors themselves, so output goes straight to the terminal), their arguments, folder,
umask and environment, and the server forks a child that runs the command exactly as the `tfgen`
process would have and reports its exit status. Ctrl-C, SIGTERM and SIGHUP are forwarded to
the child, which unwinds as tfgen always does (files roll back; 130, 143, 129). The child sends
its pid and starts the command only on the client's go, which the client gives once signals go
to that pid: no signal is ever lost between the two, and no command runs without its client.

Never stale: each child starts from the server's state just after start-up (a fork per
command, nothing carried between commands), and the server is found by a socket named after
a key of everything the answer depends on besides the command: tfgen's code, templates and
data (path, size and mtime of each file), the Python interpreter, the installed packages (the
mtime of each site-packages folder) and the locale. Change any of them and the next command
starts a new server; old ones exit after IDLE_SECONDS without a command.

Safe: the socket lives in tfgen's private cache folder (0700, owned by the user), and the
server also checks the peer's user id where the platform says it (Linux).

Off with TFGEN_WARM=0, in CI jobs (CI=true, unless TFGEN_WARM is set), and wherever it
cannot work (no Unix sockets with descriptor passing, a socket path too long, a closed standard
stream): then tfgen runs in-process, as it always has. Only the commands in COMMANDS go
through it: local, quick, and where start-up is the wait.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import socket
import struct
import sys
from pathlib import Path
from typing import Any

from .launch import WARM_COMMANDS as COMMANDS
from .launch import Stopped, stopped_by

IDLE_SECONDS = 600
# How long the client waits for the server to start its command, then runs it itself. The
# child starts the command only on the client's go (`G`, sent after the pid came); a client
# that gave up has closed the connection instead, so the child never runs it as well.
START_TIMEOUT = 30.0
STOP_GRACE = 1.0  # a signal before the child's pid: how long to wait for it still
FORWARDED = ("SIGINT", "SIGTERM", "SIGHUP")
LOCALE_VARS = ("LANG", "LC_ALL", "LC_CTYPE", "PYTHONIOENCODING", "PYTHONUTF8")
PACKAGE = Path(__file__).resolve().parent
MAX_SOCKET_PATH = 100  # sun_path is 104 bytes on macOS, 108 on Linux (scan/server.py too)


# --------------------------------------------------------------------------- the key


def code_key(package: Path = PACKAGE) -> str:
    """A short hash of what a command's answer depends on besides its arguments and files."""
    digest = hashlib.sha256()
    stack = [package]
    while stack:
        folder = stack.pop()
        with os.scandir(folder) as entries:
            for entry in sorted(entries, key=lambda e: e.name):
                if entry.name == "__pycache__":
                    continue
                if entry.is_dir(follow_symlinks=False):
                    stack.append(Path(entry.path))
                else:
                    info = entry.stat()
                    digest.update(f"{entry.path}\0{info.st_size}\0{info.st_mtime_ns}\n".encode())
    digest.update(f"{sys.executable}\0{sys.version}\n".encode())
    # Installed packages: an install or upgrade changes its site-packages folder's mtime.
    # sys.path[0] is the script's folder or, for `python -m`, the current one: not packages.
    for entry_path in sys.path[1:]:
        with contextlib.suppress(OSError):
            digest.update(f"{entry_path}\0{os.stat(entry_path).st_mtime_ns}\n".encode())
    for name in LOCALE_VARS:
        digest.update(f"{name}={os.environ.get(name, '')}\n".encode())
    return digest.hexdigest()[:16]


def socket_path() -> Path | None:
    """Where this code's server listens, or None when no private cache folder can be had."""
    from .errors import ToolError
    from .paths import private_dir

    try:
        folder = private_dir("warm")
    except ToolError:
        return None
    path = folder / f"{code_key()}.sock"
    return path if len(os.fsencode(path)) <= MAX_SOCKET_PATH else None


OFF = ("0", "off", "false", "no")


def switched_on(switch: str) -> bool:
    """Whether a warm process of tfgen's may serve: its own switch (e.g. TFGEN_SCAN_SERVER) when
    set, else TFGEN_WARM when set, else everywhere but CI jobs (`CI` set), which run a few
    commands once: a server there only costs its start-up. The one rule for both servers."""
    for name in (switch, "TFGEN_WARM"):
        value = os.environ.get(name, "").strip().lower()
        if value:
            return value not in OFF
    return os.environ.get("CI", "").strip().lower() in ("", *OFF)


def usable(argv: list[str]) -> bool:
    """Whether this command line may go through the warm server."""
    if len(argv) < 2 or argv[1] not in COMMANDS or not switched_on("TFGEN_WARM"):
        return False
    if any(name.endswith("_COMPLETE") for name in os.environ if name.startswith("_")):
        return False  # shell completion: typer reads it at start-up
    if not (hasattr(socket, "AF_UNIX") and hasattr(socket, "send_fds") and hasattr(os, "fork")):
        return False
    try:
        for fd in (0, 1, 2):
            os.fstat(fd)
    except OSError:
        return False
    return True


# --------------------------------------------------------------------------- the client


def run(argv: list[str]) -> int | None:
    """The command's exit status from the warm server (or from a signal that stopped it before
    it began); None when it did not run there.

    None means nothing ran: the caller runs the command in-process. A server that is not there
    yet is started in the background for the next command.
    """
    if not usable(argv):
        return None
    try:
        # A deleted current folder, bytes that are not text in the environment: in-process.
        request = json.dumps(
            {"argv": argv, "cwd": os.getcwd(), "env": dict(os.environ), "umask": _umask()}
        ).encode()
        path = socket_path()
    except (OSError, UnicodeError, ValueError):
        return None
    if path is None:
        return None
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.connect(str(path))
    except OSError:
        conn.close()
        _start_server(path)
        return None
    with conn:
        return _ask(conn, request)


def _ask(conn: socket.socket, request: bytes) -> int | None:
    """Hand the command to the server; its exit status, or None when it did not start there.

    The child sends its pid, then waits for a word from this process: `G` (go) only once the
    signals to forward go to that pid, `S` (stop) when a signal came before it. So a Ctrl-C at
    any moment either reaches the command (which unwinds) or keeps it from starting; a client
    that gives up waiting or dies closes the connection, and the child does not start either.
    The handlers are in place before the request is sent; a signal that came before the pid is
    this process's own (Ctrl-C: `interrupted`, 130), after waiting STOP_GRACE at most for a
    server that is slow to answer.
    """
    child: list[int] = []
    pending: list[int] = []
    last = b""

    def forward(signum: int, _frame: object) -> None:
        if child:
            _forward(child[0], signum)
        else:
            pending.append(signum)

    previous = {}
    for name in FORWARDED:
        signum = getattr(signal, name)
        previous[signum] = signal.signal(signum, forward)
    try:
        try:
            conn.settimeout(START_TIMEOUT)
            send_request(conn, request, [0, 1, 2])
            reader = conn.makefile("rb")
            first = _pid_line(conn, reader, pending)
        except OSError:  # includes the timeout: a server that does not answer
            first = b""
        if first:
            child.append(int(json.loads(first)["pid"]))  # a signal from now on goes to it
            if pending:  # one came before: the command does not start
                child.clear()
                with contextlib.suppress(OSError):
                    conn.sendall(b"S")
            else:
                try:
                    conn.sendall(b"G")
                    conn.settimeout(None)  # the command itself takes as long as it takes
                    last = reader.readline()
                except OSError:
                    last = b""
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    if not child:  # the command did not start on the server: it runs here, unless stopped
        return stopped_by(pending[0]) if pending else None
    if not last:
        sys.stderr.write("error: tfgen's warm server ended the command without an exit status\n")
        return 1
    return int(json.loads(last)["exit"])


def send_request(conn: socket.socket, request: bytes, fds: list[int]) -> None:
    """The client's half of the hand-over: the descriptors the command gets as its standard
    input, output and error, then the request (JSON: argv, cwd, env, umask), length-prefixed."""
    socket.send_fds(conn, [b"F"], fds)
    conn.sendall(struct.pack("!I", len(request)) + request)


def _pid_line(conn: socket.socket, reader: Any, pending: list[int]) -> bytes:
    """The child's first line, or b"" when the server does not send it within START_TIMEOUT,
    or within STOP_GRACE of a signal that came meanwhile."""
    import select
    import time

    deadline = time.monotonic() + START_TIMEOUT
    stopping = False
    while True:
        if pending and not stopping:
            deadline = min(deadline, time.monotonic() + STOP_GRACE)
            stopping = True
        left = deadline - time.monotonic()
        if left <= 0:
            return b""
        readable, _, _ = select.select([conn], [], [], min(left, 0.1))
        if readable:
            return bytes(reader.readline())


def _forward(child: int, signum: int) -> None:
    with contextlib.suppress(OSError):
        os.kill(child, signum)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _start_server(path: Path) -> None:
    import subprocess

    with contextlib.suppress(OSError):
        subprocess.Popen(
            [sys.executable, "-m", "tfgen.warm", str(path)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            close_fds=True,
            start_new_session=True,
            cwd="/",
        )


# --------------------------------------------------------------------------- the server


def preload() -> None:
    """Import and build what commands need, so that each forked child starts warm."""
    from . import cli, project_spec, render, scan, write  # noqa: F401
    from .cost import PriceTable
    from .spec import spec_file_model

    spec_file_model()
    PriceTable.load()
    render.preload_templates()
    cli.command()  # typer's click command, built once here instead of in every child


def serve(path: Path) -> None:
    """Listen on `path` until IDLE_SECONDS pass without a command; one forked child each."""
    import fcntl

    lock = os.open(f"{path}.lock", os.O_CREAT | os.O_RDWR, 0o600)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return  # another server for this key is starting or running
    os.ftruncate(lock, 0)
    # Who holds it (`kill $(head -1 ...lock)` stops it), and for which installation of tfgen.
    os.write(lock, f"{os.getpid()}\n{PACKAGE}\n".encode())
    signal.signal(signal.SIGTERM, lambda _s, _f: sys.exit(0))  # leave through the finally below
    retire_older(path)
    preload()
    if path.name != f"{code_key()}.sock":
        return  # the code changed while this server started: the next command starts another
    with contextlib.suppress(FileNotFoundError):
        path.unlink()  # a server that died left it
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    os.chmod(path, 0o600)
    listener.listen(16)
    listener.settimeout(IDLE_SECONDS)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel
    log = path.with_suffix(".log")
    try:
        while True:
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                return
            if os.fork() == 0:
                code = 1
                try:  # whatever happens in the child, it never goes on as the server
                    listener.close()
                    code = _child(conn, log)
                finally:
                    os._exit(code)
            conn.close()
    finally:
        for leftover in (path, log):
            with contextlib.suppress(OSError):
                leftover.unlink()
        listener.close()


def retire_older(path: Path) -> None:
    """Stop the servers of this installation's earlier code (their keys can no longer match)."""
    import fcntl

    for other in path.parent.glob("*.sock.lock"):
        if other.name == f"{path.name}.lock":
            continue
        try:
            pid, package = other.read_text(encoding="utf-8").split("\n")[:2]
            handle = os.open(other, os.O_RDWR)
        except (OSError, ValueError):
            continue
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # held: a live server
            if package == str(PACKAGE):
                with contextlib.suppress(OSError, ValueError):
                    os.kill(int(pid), signal.SIGTERM)
        else:  # nobody holds it: the server is gone
            with contextlib.suppress(OSError):
                other.unlink()
        finally:
            os.close(handle)


def _peer_is_us(conn: socket.socket) -> bool:
    peercred = getattr(socket, "SO_PEERCRED", None)
    if peercred is None:
        return True  # the socket's folder is private: only this user can reach it
    _pid, uid, _gid = struct.unpack("3i", conn.getsockopt(socket.SOL_SOCKET, peercred, 12))
    return bool(uid == os.getuid())


def _child(conn: socket.socket, log: Path) -> int:
    """Run one command for the client on `conn`; the return value is this process's exit code.

    Until the command starts, a failure is silent (the log file has it): the client sees the
    connection close without the child's pid and runs the command itself.
    """
    try:
        _take_over(conn)
    except BaseException as err:  # noqa: BLE001 - whatever it is, the client runs the command
        with contextlib.suppress(OSError), open(log, "a", encoding="utf-8") as handle:
            handle.write(json.dumps({"pid": os.getpid(), "failed": f"{type(err).__name__}: {err}"}) + "\n")
        return 1
    with contextlib.suppress(OSError), open(log, "a", encoding="utf-8") as handle:
        handle.write(json.dumps({"pid": os.getpid(), "argv": sys.argv[1:], "cwd": os.getcwd()}) + "\n")
    from .cli import _stop

    # From the moment the client can know this pid, a signal it forwards unwinds the command
    # as tfgen in-process does (cli.main takes over these once it runs); never the default
    # action, which would end this process without an exit status for the client.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for name in FORWARDED[1:]:
        signal.signal(getattr(signal, name), _stop)
    try:
        try:
            conn.sendall(json.dumps({"pid": os.getpid()}).encode() + b"\n")
            word = conn.recv(1)
        except OSError:
            word = b""
        if word != b"G":  # stopped by a signal before it began, or the client is gone
            return 1
        code = _exit_code(_main)
    except KeyboardInterrupt:  # before cli.main's own handling began
        code = stopped_by(signal.SIGINT)
    except Stopped as stopped:
        code = stopped_by(stopped.signum)
    for name in FORWARDED:  # the command is over: nothing may keep its status from the client
        signal.signal(getattr(signal, name), signal.SIG_IGN)
    with contextlib.suppress(Exception):
        sys.stdout.flush()
        sys.stderr.flush()
    with contextlib.suppress(OSError):
        conn.sendall(json.dumps({"exit": code}).encode() + b"\n")
    return code


def _take_over(conn: socket.socket) -> None:
    """Become the client's process: its descriptors, folder, umask, environment and arguments."""
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    for name in FORWARDED:
        signal.signal(getattr(signal, name), signal.SIG_DFL)
    conn.settimeout(None)
    if not _peer_is_us(conn):
        raise PermissionError("the peer is another user")
    _msg, fds, _flags, _addr = socket.recv_fds(conn, 1, 3)
    reader = conn.makefile("rb")
    (size,) = struct.unpack("!I", reader.read(4))
    request: dict[str, Any] = json.loads(reader.read(size))
    if len(fds) != 3:
        raise ValueError(f"{len(fds)} descriptors, not 3")
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    os.chdir(request["cwd"])
    os.umask(int(request["umask"]))
    os.environ.clear()
    os.environ.update(request["env"])
    import tempfile

    tempfile.tempdir = None  # found again from this environment's TMPDIR
    sys.argv = list(request["argv"])
    _standard_streams()


def _main() -> None:
    from .cli import main

    main()


def _exit_code(function: Any) -> int:
    """The exit status `function` gives the way the interpreter turns SystemExit into one."""
    try:
        function()
    except SystemExit as stop:
        if stop.code is None:
            return 0
        if isinstance(stop.code, int):
            return stop.code & 0xFF
        print(stop.code, file=sys.stderr)
        return 1
    return 0


def _standard_streams() -> None:
    """New sys.stdin/stdout/stderr over descriptors 0-2, buffered as the interpreter does."""
    encoding = os.environ.get("PYTHONIOENCODING", "").split(":")[0] or sys.stdout.encoding
    sys.stdin = open(0, encoding=encoding, closefd=False)  # noqa: SIM115
    sys.stdout = open(1, "w", buffering=1 if os.isatty(1) else -1, encoding=encoding, closefd=False)  # noqa: SIM115
    sys.stderr = open(2, "w", buffering=1, encoding=encoding, errors="backslashreplace", closefd=False)  # noqa: SIM115


if __name__ == "__main__":
    serve(Path(sys.argv[1]))
