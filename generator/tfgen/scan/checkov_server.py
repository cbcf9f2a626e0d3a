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
- the answers of checkov's expression evaluator (`safe_eval_functions.evaluate`, some 25,000
  calls a scan of the reference project, each building a new `asteval` interpreter: the
  largest single cost left): a pure function of its input string, so a child asks the memo
  first (each hit gets its own copy) and hands the answers it computed back to the parent,
  which serves them to the next jobs. Two things are not pure and are never memoised: an
  expression calling `timestamp()`, and any evaluation that changed the evaluator's shared
  symbol table (asteval lets `x = 1` assign into it) - from then on that child evaluates
  everything itself, as a cold run would in that state. Nor is an answer holding a set (its
  copy could iterate in another order than the set computed afresh).
- no garbage collection in a child: it lives for one scan, and checkov's run leaves little
  cyclic garbage (peak memory measured the same with and without, ~200 MB on the reference
  project), but the collector's passes over its many small objects cost ~10% of the scan;
  the parent freezes what it holds before each fork (`gc.freeze`), so no pass walks it.
- nothing kept for a log nobody reads: checkov copies every DEBUG record into an in-memory
  stream that only `--support` uploads; a child without `--support` drops that copy (the
  stderr log is unchanged).

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
import gc  # noqa: E402
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
EVAL_MEMO_MAX = 200_000  # evaluator answers kept (keyed by the expression)
REPLY_TAIL = 20_000  # characters of the job's stdout/stderr sent back


def main(argv: list[str]) -> int:
    sock_path, key, idle = argv[0], argv[1], float(argv[2])
    warnings_off()
    importlib.import_module("checkov.main")  # the point of this process

    build_jsonpath_tables()
    parse_cache: dict[str, bytes] = {}
    install_parse_cache(parse_cache)
    memo = EvalMemo(f"{sock_path}.memo")

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
        memo.take_answers()
        gc.freeze()  # what the parent holds is the child's too, never garbage: not traversed
        pid = os.fork()
        if pid == 0:
            listener.close()
            _child(conn, request, memo)  # never returns
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


class EvalMemo:
    """checkov's expression evaluator, answered from earlier jobs' answers (see the module doc).

    The parent holds `answers` (expression -> ("ok", pickled value) or ("err", message)); a
    child adds what it computed to `fresh` and writes them to `folder` when its job ends; the
    parent takes them in before it forks the next job.
    """

    def __init__(self, folder: str) -> None:
        self.folder = folder
        self.answers: dict[Any, tuple[str, Any]] = {}  # an expression, or ("terraform", flag, it)
        self.fresh: dict[Any, tuple[str, Any]] = {}
        os.makedirs(folder, mode=0o700, exist_ok=True)
        os.chmod(folder, 0o700)
        for name in os.listdir(folder):  # a former server's: not this checkov's answers
            with contextlib.suppress(OSError):
                os.unlink(os.path.join(folder, name))

    def take_answers(self) -> None:
        """Merge the answers finished children wrote (parent side)."""
        for name in sorted(os.listdir(self.folder)):
            if not name.endswith(".pickle"):
                continue
            path = os.path.join(self.folder, name)
            try:
                with open(path, "rb") as handle:
                    answers = pickle.load(handle)
            except Exception:  # noqa: BLE001 - a torn or foreign file: only a lost speed-up
                answers = {}
            with contextlib.suppress(OSError):
                os.unlink(path)
            if isinstance(answers, dict):
                if len(self.answers) + len(answers) > EVAL_MEMO_MAX:
                    self.answers.clear()
                self.answers.update(answers)

    def install(self) -> None:
        """In a child: wrap `evaluate` and `evaluate_terraform` where checkov looks them up."""
        if os.getenv("LOG_LEVEL", "").upper() == "DEBUG":
            return  # asteval then prints each error to stderr: a hit would not
        safe_eval: Any = importlib.import_module(
            "checkov.terraform.graph_builder.variable_rendering.safe_eval_functions"
        )
        evaluate_terraform: Any = importlib.import_module(
            "checkov.terraform.graph_builder.variable_rendering.evaluate_terraform"
        )
        symbols: dict[str, Any] = safe_eval.SAFE_EVAL_DICT
        pristine = {k: v for k, v in symbols.items() if k != "print"}
        answers, fresh = self.answers, self.fresh
        state = {"clean": True}

        def untouched() -> bool:
            return len(symbols) - ("print" in symbols) == len(pristine) and all(
                symbols.get(k) is v for k, v in pristine.items()
            )

        def memoised(original: Any, key_of: Any) -> Any:
            """`original` answered from the memo under `key_of(arguments)` (None: not memoised)."""

            def wrapper(*args: Any, **kwargs: Any) -> Any:
                key = key_of(*args, **kwargs) if state["clean"] else None
                if key is None:
                    return original(*args, **kwargs)
                hit = answers.get(key) or fresh.get(key)
                if hit is not None:
                    kind, value = hit
                    if kind == "err":
                        raise ValueError(value)
                    return pickle.loads(value)
                try:
                    value = original(*args, **kwargs)
                except ValueError as err:
                    if not untouched():
                        state["clean"] = False
                    elif type(err) is ValueError:  # raised again as it was: type and message
                        fresh[key] = ("err", str(err))
                    raise
                if not untouched():
                    state["clean"] = False
                elif not _holds_a_set(value):
                    with contextlib.suppress(Exception):  # a value pickle cannot copy: not kept
                        fresh[key] = ("ok", pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
                return value

            wrapper.__wrapped__ = original  # type: ignore[attr-defined]
            return wrapper

        def expression(input_str: Any) -> Any:
            return input_str if type(input_str) is str and "timestamp" not in input_str else None

        def terraform_string(input_str: Any, keep_interpolations: Any = True) -> Any:
            if type(keep_interpolations) is not bool or expression(input_str) is None:
                return None
            return ("terraform", keep_interpolations, input_str)

        evaluate = memoised(safe_eval.evaluate, expression)
        safe_eval.evaluate = evaluate
        evaluate_terraform.evaluate = evaluate
        # One level up, `evaluate_terraform` (the string work around `evaluate`: interpolations,
        # maps, conditionals, for-expressions), a pure function of the string and its flag.
        terraform = memoised(evaluate_terraform.evaluate_terraform, terraform_string)
        evaluate_terraform.evaluate_terraform = terraform
        foreach: Any = importlib.import_module("checkov.terraform.graph_builder.foreach.abstract_handler")
        foreach.evaluate_terraform = terraform  # imported by name there

    def hand_back(self) -> None:
        """In a child, after its job: write the new answers for the parent."""
        if not self.fresh:
            return
        path = os.path.join(self.folder, f"{os.getpid()}.pickle")
        with contextlib.suppress(OSError):
            with open(f"{path}.tmp", "wb") as handle:
                pickle.dump(self.fresh, handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(f"{path}.tmp", path)


def _holds_a_set(value: Any, depth: int = 0) -> bool:
    """Whether `value` holds a set: a copy of a set can iterate in another order than the set
    computed afresh (strings whose hashes collide keep their insertion order), so a set is
    never answered from the memo. Too deep to look at counts as holding one."""
    if isinstance(value, (set, frozenset)) or depth > 20:
        return True
    if isinstance(value, (list, tuple)):
        return any(_holds_a_set(item, depth + 1) for item in value)
    if isinstance(value, dict):
        return any(_holds_a_set(k, depth + 1) or _holds_a_set(v, depth + 1) for k, v in value.items())
    return False


def drop_debug_copy(argv: list[str]) -> None:
    """Stop copying DEBUG records into the in-memory stream only `--support` uploads."""
    import logging

    if "--support" in argv:
        return
    logging_init: Any = importlib.import_module("checkov.logging_init")
    root = logging.getLogger()
    root.removeHandler(logging_init.stream_handler)
    others = [
        logger
        for logger in logging.Logger.manager.loggerDict.values()
        if isinstance(logger, logging.Logger) and logger.handlers
    ]
    if root.handlers and not others:  # only the root's own handlers see records: none lost
        root.setLevel(min(handler.level for handler in root.handlers))


def _child(conn: socket.socket, request: dict[str, Any], memo: EvalMemo) -> None:
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
        argv = [str(a) for a in request["argv"]]
        gc.disable()  # a child lives one scan: the garbage collector's passes only cost time
        drop_debug_copy(argv)
        memo.install()
        rc = _run_checkov(argv)
        sys.stdout.flush()
        sys.stderr.flush()
        memo.hand_back()
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
