"""The project owns its spec: where `tfgen init` finds it, and the copy it keeps.

Like copier's answers file, the spec lives in the project it describes. `tfgen init app.yaml
--out DIR` writes it (byte for byte, comments kept) as `DIR/tfgen.yaml`, with the user-data
script it names next to it, unless the spec is already inside DIR; a plain `tfgen init` in a
project re-renders from the spec its manifest names (or `tfgen.yaml`). The Makefile, the hooks,
the README and the manifest name the spec by its project-relative path, so a clone works from
any folder. The copies are ordinary rendered files: tfgen records their hashes, so an edit of
`DIR/tfgen.yaml` is never overwritten by a render from an older outside spec without --force.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from .errors import UsageError
from .project import read_manifest

if TYPE_CHECKING:
    from .spec import AppSpec

PROJECT_SPEC = "tfgen.yaml"
MODELINE_PREFIX = "# yaml-language-server: $schema="
MODELINE = f"{MODELINE_PREFIX}tfgen.schema.json"


@dataclass(frozen=True)
class ProjectSpec:
    """The spec a render reads, how the project names it, and the copies to write with it."""

    source: Path
    ref: str
    files: dict[str, str] = field(default_factory=dict)
    copied: bool = False  # the spec came from outside the project and is written into it
    owned: frozenset[str] = frozenset()  # the project's own spec files: read, not rendered


def find_spec(out: Path) -> Path:
    """The spec of the project in `out`, for a plain `tfgen init` (no SPEC argument)."""
    recorded = read_manifest(out).get("spec")
    candidates = [out / recorded] if isinstance(recorded, str) and recorded else []
    candidates.append(out / PROJECT_SPEC)
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise UsageError(
        f"no spec given and {out / PROJECT_SPEC} does not exist: run `tfgen init SPEC --out DIR` "
        "once (the spec is then kept in the project as tfgen.yaml), or pass the spec"
    )


def locate(source: Path, out: Path, data: Any) -> ProjectSpec:
    """Where the spec is read from, how the project refers to it, and the files to copy in.

    `data` is the spec as loaded (it names the user-data script to copy in with it)."""
    root = Path(out).resolve()
    resolved = source.resolve()
    inside = resolved.is_relative_to(root)
    ref = resolved.relative_to(root).as_posix() if inside else PROJECT_SPEC
    own = {ref: _read_text(source)} if source.is_file() else {}
    script = _user_data_rel(source, data)
    if script is not None:
        own[(PurePosixPath(ref).parent / script[0]).as_posix()] = _read_text(script[1])
    if inside:  # the project's own: read, never written, and not an orphan
        return ProjectSpec(source, ref, owned=frozenset(own))
    own[ref] = with_modeline(own.get(ref, ""))
    return ProjectSpec(source, ref, own, copied=True)


def with_modeline(text: str) -> str:
    """The spec with its first line pointing editors at the project's schema (yaml-language-server)."""
    if not text:
        return text
    first, sep, rest = text.partition("\n")
    if first.startswith(MODELINE_PREFIX):
        return f"{MODELINE}{sep}{rest}"
    return f"{MODELINE}\n{text}"


def guard_own_spec(out: Path, where: ProjectSpec, force: bool) -> None:
    """Refuse to replace a project's spec (or its script) edited since tfgen copied it there."""
    from .write import sha256

    if not where.copied or force:
        return
    recorded = read_manifest(out).get("files", {})
    for rel, text in where.files.items():
        try:
            current = (Path(out) / rel).read_bytes()
        except OSError:
            continue
        if current != text.encode("utf-8") and recorded.get(rel) != sha256(current):
            raise UsageError(
                f"{Path(out) / rel} was edited since tfgen copied {where.source} there, and the "
                f"project's own spec wins: run `tfgen init` in {out} to render from it, or pass "
                f"--force to replace it with {where.source}"
            )


def render_project(
    spec: Path | None, out: Path, force: bool = False
) -> tuple[ProjectSpec, AppSpec, dict[str, str], dict[str, Any]]:
    """Load the project's spec and render every file of the project, the spec's copies included.

    Returns the spec's location, the loaded spec, the files (POSIX path -> text) and the
    manifest's metadata. Raises the spec's problems as one TfgenError.
    """
    from .render import project_meta, render
    from .spec import load_spec

    source = find_spec(out) if spec is None else Path(spec)
    app_spec = load_spec(source)
    where = locate(source, out, app_spec.source.data if app_spec.source is not None else {})
    guard_own_spec(out, where, force)
    files = {**render(app_spec, spec_ref=where.ref), **where.files}
    return where, app_spec, files, project_meta(app_spec, files, where.ref)


def _read_text(path: Path) -> str:
    """The file's text as it is (line endings kept); unreadable files are load_spec's to report."""
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            return handle.read()
    except (OSError, UnicodeDecodeError):
        return ""


def _user_data_rel(spec: Path, data: Any) -> tuple[str, Path] | None:
    """The user-data script a valid spec names: its path inside the spec's folder, and the file."""
    try:
        rel = data["app"]["user_data"]
    except (TypeError, KeyError):
        return None
    if not isinstance(rel, str) or Path(rel).is_absolute():
        return None
    base = spec.parent.resolve()
    path = (base / rel).resolve()
    if not path.is_relative_to(base) or not path.is_file():
        return None
    return path.relative_to(base).as_posix(), path
