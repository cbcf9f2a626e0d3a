"""Helpers shared by the test modules: repository paths, rendering a spec the way `tfgen init`
does, reading rendered HCL, comparing golden trees, and finding the real tools.

Fixtures live in conftest.py; everything a test imports comes from here.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import hcl2
import pytest
from tfgen.project_spec import render_project
from tfgen.write import write_tree

# --------------------------------------------------------------------------- repository paths

REPO = Path(__file__).resolve().parents[1]
REFERENCE_SPEC = REPO / "examples" / "app.yaml"
SPECS = REPO / "tests" / "specs"
FIXTURES = REPO / "tests" / "fixtures"
GOLDEN = REPO / "tests" / "golden"
RUN_FIXTURE = FIXTURES / "run" / "project"  # a null-provider project: envs dev/staging/prod

# The specs every module test reads, rendered once per session (the `rendered` fixture); all
# but the reference have a golden tree.
TEST_SPECS = {
    "reference": REFERENCE_SPEC,
    "minimal": SPECS / "minimal.yaml",
    "low": SPECS / "low.yaml",
    "high": SPECS / "high.yaml",
    "mysql": SPECS / "mysql.yaml",
    "dns": SPECS / "dns.yaml",
}

# Specs for one feature each (the `rendered_extra` fixture): no golden tree, but scanned.
EXTRA_SPECS = {
    "new-region": SPECS / "extra" / "new-region.yaml",  # static tier only, ap-south-2
    "mixed-cdn": SPECS / "extra" / "mixed-cdn.yaml",  # CDN settings differ per environment
    "quiet": SPECS / "extra" / "quiet.yaml",  # budget without an alarm email in dev
    "switches": SPECS / "extra" / "switches.yaml",  # every switch the spec allows, turned off
}

# Environments of each test spec and the profile each one uses.
ENVS = {
    "reference": {"dev": "low-power", "staging": "low-power", "prod": "high-power"},
    "minimal": {"dev": "low-power"},
    "low": {"dev": "low-power", "test": "low-power"},
    "high": {"prod": "high-power"},
    "mysql": {"staging": "low-power", "prod": "high-power"},
    "dns": {"staging": "low-power", "prod": "high-power"},
}


def readme_block(marker: str) -> str:
    """What README.md shows between `<!-- {marker}... -->` and `<!-- end -->` (an excerpt that a
    test compares with what the command it names prints)."""
    text = (REPO / "README.md").read_text()
    start = text.index("-->\n", text.index(f"<!-- {marker}")) + len("-->\n")
    return text[start : text.index("<!-- end -->", start)]


SETUP_HINT = "run `make setup` (it installs terraform, checkov, trivy and the null provider mirror)"


# --------------------------------------------------------------------------- rendering


def render_tree(spec_path: Path, dest: Path) -> Path:
    """Render a spec into `dest` the way `tfgen init SPEC --out DEST` does; return `dest`.

    The spec (and its user-data script) is copied into `dest` as `tfgen.yaml`, as the CLI does,
    so the rendered project refers to it the same way wherever the test runs: trees are
    comparable byte for byte.
    """
    dest.mkdir(parents=True, exist_ok=True)
    _, _, files, meta = render_project(spec_path, dest)
    write_tree(dest, files, meta=meta)
    return dest


def render_inline(tmp_path: Path, text: str) -> Path:
    """Write `text` to tmp_path/spec/app.yaml and render it into tmp_path/out."""
    spec = tmp_path / "spec" / "app.yaml"
    spec.parent.mkdir(parents=True)
    spec.write_text(text)
    return render_tree(spec, tmp_path / "out")


# --------------------------------------------------------------------------- reading HCL
# python-hcl2 8.x output, with its quirks smoothed over: labels and string literals keep their
# quotes, blocks are lists of one-key dicts.


def unquote(value: Any) -> Any:
    """python-hcl2 8.x keeps the quotes of string literals; drop them (in lists too)."""
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    if isinstance(value, list):
        return [unquote(v) for v in value]
    return value


def parse(path: Path) -> dict[str, Any]:
    return hcl2.loads(path.read_text())


def tfvars(tree: Path, env: str) -> dict[str, Any]:
    """envs/ENV/terraform.tfvars of a rendered tree, parsed."""
    return parse(tree / "envs" / env / "terraform.tfvars")


def blocks(doc: dict[str, Any], kind: str, type_: str | None = None) -> dict[str, Any]:
    """`resource`/`data` blocks of one type, or `variable`/`output`/`module` blocks, by name."""
    out: dict[str, Any] = {}
    for entry in doc.get(kind, []):
        for label, body in entry.items():
            if type_ is None:
                out[unquote(label)] = body
            elif unquote(label) == type_:
                out.update({unquote(name): b for name, b in body.items()})
    return out


def resources(doc: dict[str, Any], rtype: str) -> dict[str, dict[str, Any]]:
    """Resources of one type in a parsed file, by unquoted name."""
    return blocks(doc, "resource", rtype)


def one(body: dict[str, Any], key: str) -> dict[str, Any]:
    """The single nested block `key` of a body (fails when there are none or several)."""
    found = body[key]
    assert len(found) == 1, f"expected one {key} block, got {len(found)}"
    return found[0]


def dynamic(body: dict[str, Any], name: str) -> dict[str, Any] | None:
    """The `dynamic "name"` block of a body, or None."""
    for dyn in body.get("dynamic", []):
        for label, inner in dyn.items():
            if unquote(label) == name:
                return inner
    return None


def statements(doc: dict[str, Any], name: str) -> dict[str, dict[str, Any]]:
    """The statements of an aws_iam_policy_document, by sid (dynamic ones unwrapped)."""
    body = blocks(doc, "data", "aws_iam_policy_document")[name]
    found = list(body.get("statement", []))
    inner = dynamic(body, "statement")
    if inner is not None:
        found += inner["content"]
    return {unquote(s["sid"]): s for s in found}


def skips(body: dict[str, Any]) -> dict[str, str]:
    """checkov:skip comments of a block: check id -> reason."""
    out = {}
    for comment in body.get("__comments__", []):
        match = re.match(r"checkov:skip=([A-Z0-9_]+):\s*(.*)", comment["value"])
        if match:
            out[match.group(1)] = match.group(2)
    return out


# --------------------------------------------------------------------------- golden trees

# tfgen's own records in a project (manifest, write lock), not rendered files.
IGNORED_PREFIX = ".tfgen/"


def tree_files(root: Path, prefixes: tuple[str, ...] = ()) -> dict[str, bytes]:
    """Every file under root (or under the given top-level prefixes), by POSIX path."""
    out = {}
    for path in sorted(root.rglob("*")):
        if not path.is_file():
            continue
        rel = path.relative_to(root).as_posix()
        if rel.startswith(IGNORED_PREFIX) or ".terraform" in rel.split("/") or "/.tfgen/" in rel:
            continue
        if prefixes and not rel.startswith(prefixes):
            continue
        out[rel] = path.read_bytes()
    return out


def assert_tree_matches(
    actual: Path, expected: Path, prefixes: tuple[str, ...] = (), regenerate: str = "make golden"
) -> None:
    """Fail on a missing file, an extra file, or any differing byte, naming each path."""
    got, want = tree_files(actual, prefixes), tree_files(expected, prefixes)
    missing = sorted(set(want) - set(got))
    extra = sorted(set(got) - set(want))
    changed = sorted(p for p in set(got) & set(want) if got[p] != want[p])
    problems = (
        [f"missing: {p}" for p in missing]
        + [f"extra: {p}" for p in extra]
        + [f"changed: {p}" for p in changed]
    )
    assert not problems, (
        f"rendered tree differs from {expected} (review, then `{regenerate}`):\n  " + "\n  ".join(problems)
    )


def update_golden(actual: Path, expected: Path, prefixes: tuple[str, ...] = ()) -> None:
    """Replace the reference with the rendered tree (UPDATE_GOLDEN=1)."""
    if prefixes:
        for prefix in prefixes:
            shutil.rmtree(expected / prefix, ignore_errors=True)
    else:
        shutil.rmtree(expected, ignore_errors=True)
    for rel, data in tree_files(actual, prefixes).items():
        target = expected / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def updating() -> bool:
    return os.environ.get("UPDATE_GOLDEN") == "1"


# --------------------------------------------------------------------------- tools
# `make setup` installs every tool the suite runs, and `make test` runs it with no skips: a
# missing tool fails the test that needs it, saying what to do.


def executable(path: Path | str | None) -> bool:
    return bool(path) and os.path.isfile(path) and os.access(path, os.X_OK)


def find_checkov() -> Path:
    """$TFGEN_CHECKOV (the Makefile sets it), else the repository's .venv-checkov."""
    path = Path(os.environ.get("TFGEN_CHECKOV") or REPO / ".venv-checkov" / "bin" / "checkov")
    if not executable(path):
        pytest.fail(f"checkov not found at {path}: {SETUP_HINT}", pytrace=False)
    return path


def find_trivy() -> Path:
    """$TFGEN_TRIVY (the Makefile sets it), else the repository's .venv-trivy."""
    path = Path(os.environ.get("TFGEN_TRIVY") or REPO / ".venv-trivy" / "bin" / "trivy")
    if not executable(path):
        pytest.fail(f"trivy not found at {path}: {SETUP_HINT}", pytrace=False)
    return path


def find_terraform() -> Path:
    """$TFGEN_TERRAFORM, else terraform on PATH (the Makefile puts .tools/bin first)."""
    found = os.environ.get("TFGEN_TERRAFORM") or shutil.which("terraform")
    if not executable(found):
        pytest.fail(f"terraform not found ({found or 'not on PATH'}): {SETUP_HINT}", pytrace=False)
    return Path(found)


def terraform_eval(terraform: Path, expression: str) -> str:
    """Evaluate an HCL expression with the real `terraform console` (no configuration needed)."""
    env = dict(os.environ, CHECKPOINT_DISABLE="1")
    done = subprocess.run(
        [str(terraform), "console"],
        input=expression + "\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=True,
        cwd=SPECS,
    )
    return done.stdout.strip()


# --------------------------------------------------------------------------- scanning

# Appended to modules/vpc/main.tf by the tests that show an insecure edit turns the scan red.
SSH_FROM_ANYWHERE = """
resource "aws_vpc_security_group_ingress_rule" "ssh_from_anywhere" {
  security_group_id = aws_security_group.app.id
  description       = "deliberately insecure (test)"
  cidr_ipv4         = "0.0.0.0/0"
  from_port         = 22
  to_port           = 22
  ip_protocol       = "tcp"
}
"""


def failures(result: Any, prefix: str = "") -> str:
    """The failed checks of a ScanResult (under `prefix`), one line each, for a message."""
    return "\n".join(
        f"  {f.resource}  {f.file}:{f.line}  {f.check_id}  {f.engine} {f.root}  {f.check_name}"
        for f in sorted(result.failed, key=lambda f: (f.file, f.resource, f.check_id))
        if f.file.startswith(prefix)
    ) + "".join(f"\n  could not parse: {p}" for p in result.parsing_errors)


# --------------------------------------------------------------------------- a real terminal


def run_in_terminal(argv: list[str], answer: str, prompt: str, timeout: float = 180) -> tuple[int, str]:
    """Run `argv` with a pseudo-terminal for its input and output; type `answer` at `prompt`.

    What a person at a terminal does: tfgen accepts a typed confirmation only from a TTY.
    """
    import pty
    import select

    pid, fd = pty.fork()
    if pid == 0:  # the child: stdin/stdout/stderr are the terminal
        os.execvpe(argv[0], argv, os.environ)
    output, typed = b"", False
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.5)
            if not ready:
                continue
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            output += chunk
            if not typed and prompt.encode() in output:
                os.write(fd, answer.encode() + b"\r")
                typed = True
        else:
            os.kill(pid, 9)
            raise AssertionError(f"{argv} did not finish in {timeout}s: {output.decode(errors='replace')}")
    finally:
        os.close(fd)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), output.decode(errors="replace")
