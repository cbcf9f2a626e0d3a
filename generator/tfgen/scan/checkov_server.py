"""The warm checkov: a process that has imported checkov once and forks one child per scan.

Run by checkov's own interpreter (`python checkov_server.py SOCKET KEY IDLE_S`), never
imported by tfgen: it needs nothing but the standard library and checkov. tfgen's client
(`tfgen.scan.server`) starts it on first use and talks to it over a unix socket in the user's
cache folder.

Why the answers cannot go stale: the parent only imports checkov (and builds the parse tables
below); it never scans. Every job is a fresh `fork()` of that just-imported state that runs
`checkov.main.Checkov(argv).run()` with the job's argv, working folder and environment, exactly
what the `checkov` executable does, and exits. Nothing a job does reaches the next one. The
parent is keyed (checkov's installation, tfgen's policies, tfgen's version, this file, the
environment checkov imports under): a client with another key makes it exit and starts a new
one.

What the parent prepares so a child starts warm:
- checkov and its checks, imported (about 2-3 s of a cold run);
- the LALR tables of the JSON-path parsers (`bc_jsonpath_ng`), which regenerate them on every
  parse (about 30 times a scan, ~0.8 s of a one-root scan): built once and handed to PLY as
  its table module, which PLY uses only when the grammar's signature matches (PLY's own
  cache mechanism, so a different grammar is rebuilt, never misread);
- the HCL parse of the job's files: the parent parses each file it has not seen (keyed by the
  file's exact text) before it forks, so a child reads an unchanged file's tree instead of
  parsing it again. `hcl2.load` is a pure function of the text; each call gets its own copy.

Protocol, one JSON line each way per connection:
  request  {"key": K, "argv": [...], "cwd": DIR, "env": {...}, "parse": [FILE, ...]}
           or {"key": K, "stop": true} / {"ping": true}
  replies  {"pid": N} (the child, so the client can stop it), then
           {"rc": N, "stdout": TEXT, "stderr": TEXT}; or {"error": WHY} (a wrong key: the
           parent then exits).
"""

from __future__ import annotations

import sys

# Run as a script, this file's folder comes first on sys.path, and tfgen's `checkov.py` there
# would shadow the checkov package: drop it before anything is imported.
if sys.path and sys.path[0] and __file__.startswith(sys.path[0].rstrip("/") + "/"):
    del sys.path[0]

import contextlib  # noqa: E402
import hashlib  # noqa: E402
import importlib  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import pickle  # noqa: E402
import select  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402
from typing import Any  # noqa: E402

PARSE_CACHE_MAX = 2000  # files kept parsed (keyed by their text)
REPLY_TAIL = 20_000  # characters of the job's stdout/stderr sent back


def main(argv: list[str]) -> int:
    sock_path, key, idle = argv[0], argv[1], float(argv[2])
    warnings_off()
    importlib.import_module("checkov.main")  # the point of this process

    build_jsonpath_tables()
    parse_cache: dict[str, bytes] = {}
    install_parse_cache(parse_cache)

    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    tmp = f"{sock_path}.{os.getpid()}.tmp"
    with contextlib.suppress(FileNotFoundError):
        os.unlink(tmp)
    listener.bind(tmp)
    os.chmod(tmp, 0o600)
    listener.listen(16)
    os.replace(tmp, sock_path)  # visible only once it listens
    inode = os.stat(sock_path).st_ino
    children: set[int] = set()
    last = time.monotonic()
    signal.signal(signal.SIGTERM, lambda *_: _exit_cleanly(sock_path, inode))
    while True:
        ready, _, _ = select.select([listener], [], [], 1.0)
        _reap(children)
        if children:
            last = time.monotonic()
        if not ready:
            if time.monotonic() - last > idle or not _still_ours(sock_path, inode):
                break
            continue
        conn, _ = listener.accept()
        last = time.monotonic()
        try:
            request = _read_request(conn)
        except (OSError, ValueError):
            conn.close()
            continue
        if request.get("ping"):
            _send(conn, {"key": key, "pid": os.getpid()})
            conn.close()
            continue
        if request.get("key") != key:
            _send(conn, {"error": "key"})
            conn.close()
            break  # another checkov, policies or tfgen: the client starts a fresh server
        if request.get("stop"):
            _send(conn, {"stopped": os.getpid()})
            conn.close()
            break
        for path in request.get("parse") or []:
            prime_parse(parse_cache, str(path))
        pid = os.fork()
        if pid == 0:
            listener.close()
            _child(conn, request)  # never returns
        children.add(pid)
        conn.close()
    _exit_cleanly(sock_path, inode)
    return 0


def warnings_off() -> None:
    import warnings

    warnings.simplefilter("ignore", category=SyntaxWarning)  # as the checkov executable does


def build_jsonpath_tables() -> None:
    """Build the two JSON-path grammars' LALR tables once, as PLY table modules."""
    import importlib.util
    import logging
    import tempfile

    yacc = importlib.import_module("ply.yacc")
    base = importlib.import_module("bc_jsonpath_ng.parser")
    ext = importlib.import_module("bc_jsonpath_ng.ext.parser")

    quiet = logging.getLogger("tfgen-checkov-server")
    quiet.addHandler(logging.NullHandler())
    quiet.propagate = False
    for parser_class, package in (
        (base.JsonPathParser, "bc_jsonpath_ng"),
        (ext.ExtentedJsonPathParser, "bc_jsonpath_ng.ext"),
    ):
        name = f"{package}.parser_jsonpath_parsetab"  # the module name bc_jsonpath_ng asks PLY for
        if name in sys.modules:
            continue
        with tempfile.TemporaryDirectory(prefix="tfgen-ply-") as tmp:
            yacc.yacc(
                module=parser_class(),
                start="jsonpath",
                tabmodule=name,
                outputdir=tmp,
                write_tables=True,
                debug=False,
                errorlog=quiet,
            )
            spec = importlib.util.spec_from_file_location(
                name, os.path.join(tmp, "parser_jsonpath_parsetab.py")
            )
            if spec is None or spec.loader is None:
                continue
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            sys.modules[name] = module


def _text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def install_parse_cache(cache: dict[str, bytes]) -> None:
    """`hcl2.load` answered from `cache` (text -> pickled tree) when the parent parsed the text."""
    hcl2: Any = importlib.import_module("hcl2")
    original = hcl2.load

    def load(file: Any) -> Any:
        text = file.read()
        hit = cache.get(_text_key(text))
        if hit is not None:
            return pickle.loads(hit)
        return hcl2.loads(text)

    load.__wrapped__ = original  # type: ignore[attr-defined]
    hcl2.load = load


def prime_parse(cache: dict[str, bytes], path: str) -> None:
    """Parse one file in the parent (as checkov opens it) unless its text was parsed before."""
    hcl2: Any = importlib.import_module("hcl2")
    if not path.endswith((".tf", ".hcl", ".tfvars")):
        return
    try:
        with open(path, encoding="utf-8-sig") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError):
        return
    digest = _text_key(text)
    if digest in cache:
        return
    try:
        tree = hcl2.loads(text)
    except Exception:  # the child parses it again and reports the error as checkov does
        return
    if len(cache) >= PARSE_CACHE_MAX:
        cache.clear()
    cache[digest] = pickle.dumps(tree, protocol=pickle.HIGHEST_PROTOCOL)


def _child(conn: socket.socket, request: dict[str, Any]) -> None:
    rc = 1
    try:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        _send(conn, {"pid": os.getpid()})
        os.environ.clear()
        os.environ.update({str(k): str(v) for k, v in (request.get("env") or {}).items()})
        os.chdir(str(request["cwd"]))
        sys.argv = ["checkov", *[str(a) for a in request["argv"]]]  # as the executable sees it
        out_path = os.path.join(str(request["logs"]), "stdout.txt")
        err_path = os.path.join(str(request["logs"]), "stderr.txt")
        with open(out_path, "wb") as out, open(err_path, "wb") as err:
            os.dup2(out.fileno(), 1)
            os.dup2(err.fileno(), 2)
        rc = _run_checkov([str(a) for a in request["argv"]])
        sys.stdout.flush()
        sys.stderr.flush()
        _send(conn, {"rc": rc, "stdout": _tail(out_path), "stderr": _tail(err_path)})
    except BaseException:  # noqa: BLE001 - the client falls back to a cold run on no reply
        with contextlib.suppress(OSError):
            _send(conn, {"rc": 1, "stdout": "", "stderr": traceback.format_exc()[-REPLY_TAIL:]})
    finally:
        os._exit(rc if isinstance(rc, int) else 1)


def _run_checkov(argv: list[str]) -> int:
    """What the `checkov` executable does with `argv`, and its exit code."""
    checkov_main: Any = importlib.import_module("checkov.main")
    try:
        code = checkov_main.Checkov(argv).run()
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    except Exception:  # noqa: BLE001 - as an uncaught exception ends the executable
        traceback.print_exc()
        code = 1
    return int(code or 0)


def _tail(path: str) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read()[-REPLY_TAIL:]
    except OSError:
        return ""


def _read_request(conn: socket.socket) -> dict[str, Any]:
    conn.settimeout(10)
    data = b""
    while not data.endswith(b"\n"):
        chunk = conn.recv(65536)
        if not chunk:
            break
        data += chunk
    conn.settimeout(None)
    request = json.loads(data.decode())
    if not isinstance(request, dict):
        raise ValueError("not a request")
    return request


def _send(conn: socket.socket, message: dict[str, Any]) -> None:
    conn.sendall(json.dumps(message).encode() + b"\n")


def _reap(children: set[int]) -> None:
    for pid in list(children):
        try:
            done, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            done = pid
        if done:
            children.discard(pid)


def _still_ours(sock_path: str, inode: int) -> bool:
    try:
        return os.stat(sock_path).st_ino == inode
    except OSError:
        return False


def _exit_cleanly(sock_path: str, inode: int) -> None:
    if _still_ours(sock_path, inode):
        with contextlib.suppress(OSError):
            os.unlink(sock_path)
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
