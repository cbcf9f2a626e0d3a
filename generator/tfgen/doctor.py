"""`tfgen doctor`: is everything tfgen runs present and usable? One line per check, with a fix."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from .errors import TfgenError
from .project import Project, read_manifest


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""
    found: str = ""  # what is there, e.g. "1.11.4 at /usr/bin/terraform" ("" when nothing)
    needed: str = ""  # what tfgen needs, e.g. ">= 1.11"

    def line(self) -> str:
        mark = "ok  " if self.ok else "FAIL"
        text = f"{mark} {self.name}: {self.detail}"
        return text if self.ok or not self.fix else f"{text}\n     -> {self.fix}"

    def to_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "ok": self.ok,
            "detail": self.detail,
            "found": self.found or None,
            "needed": self.needed or None,
            "hint": self.fix or None,
        }


@dataclass
class DoctorReport:
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    def lines(self) -> list[str]:
        return [c.line() for c in self.checks]

    def to_json(self) -> dict[str, object]:
        """`tfgen doctor --json`: each check with name, ok, detail, found, needed, hint."""
        return {"ok": self.ok, "checks": [c.to_json() for c in self.checks]}


def check_terraform() -> Check:
    """terraform is there and as new as the rendered versions.tf requires."""
    from .terraform import INSTALL_HINT, Terraform, find_terraform
    from .terraform_setup import required_terraform, satisfies

    needed = required_terraform()
    try:
        binary = find_terraform()
        version = Terraform(Path.cwd(), binary=binary).version()
    except TfgenError as err:
        return Check("terraform", False, err.message.split(":")[0], INSTALL_HINT, needed=needed)
    found = f"{version} at {binary}"
    if not satisfies(version, needed):
        return Check(
            "terraform",
            False,
            f"{found}, but the generated versions.tf requires {needed}",
            INSTALL_HINT,
            found=found,
            needed=needed,
        )
    return Check("terraform", True, f"{found} (needs {needed})", found=found, needed=needed)


def check_checkov() -> Check:
    """checkov is there and is the version tfgen pins (the one its scans are tested with)."""
    from .scan import CHECKOV_VERSION, INSTALL_HINT, checkov_env, find_checkov

    needed = f"== {CHECKOV_VERSION}"
    fix = "tfgen setup (installs tfgen's pinned checkov into your cache folder), or set TFGEN_CHECKOV"
    try:
        found = find_checkov(install=False)  # doctor reports; it does not install
    except TfgenError:
        return Check("checkov", False, _missing("TFGEN_CHECKOV"), fix, needed=needed)
    try:
        out = subprocess.run(
            [str(found), "--version"], capture_output=True, text=True, timeout=60, env=checkov_env()
        )
    except (OSError, subprocess.TimeoutExpired) as err:
        return Check("checkov", False, f"{found} does not run ({err})", INSTALL_HINT, needed=needed)
    version = (out.stdout.strip().splitlines() or ["?"])[-1].strip()
    if out.returncode != 0:
        return Check("checkov", False, f"{found} --version failed", fix, needed=needed)
    where = f"{version} at {found}"
    if version != CHECKOV_VERSION:
        return Check(
            "checkov",
            False,
            f"{where}, but tfgen's scans are made and tested with checkov {CHECKOV_VERSION}",
            f"unset TFGEN_CHECKOV to use tfgen's own (tfgen setup installs it), or point it at "
            f"a checkov {CHECKOV_VERSION}",
            found=where,
            needed=needed,
        )
    return Check("checkov", True, where, found=where, needed=needed)


def _missing(variable: str) -> str:
    """Why a scanner was not found: the variable points nowhere, or tfgen's own is not there yet."""
    import os

    value = os.environ.get(variable)
    return f"{variable} points at {value}, not an executable" if value else "not installed yet"


def check_trivy() -> Check:
    from .scan import TRIVY_INSTALL_HINT, TRIVY_VERSION, find_trivy
    from .scan.trivy import trivy_env

    fix = "tfgen setup (installs tfgen's pinned trivy into your cache folder), or set TFGEN_TRIVY"
    try:
        found = find_trivy(install=False)  # doctor reports; it does not install
    except TfgenError:
        return Check("trivy", False, _missing("TFGEN_TRIVY"), fix)
    try:
        out = subprocess.run(
            [str(found), "--version"], capture_output=True, text=True, timeout=60, env=trivy_env()
        )
    except (OSError, subprocess.TimeoutExpired) as err:
        return Check("trivy", False, f"{found} does not run ({err})", TRIVY_INSTALL_HINT)
    version = next(
        (line.split(":", 1)[1].strip() for line in out.stdout.splitlines() if line.startswith("Version:")),
        "?",
    )
    if out.returncode != 0:
        return Check("trivy", False, f"{found} --version failed", fix)
    if version != TRIVY_VERSION:
        return Check(
            "trivy", False, f"{version} at {found}, tfgen's templates are checked with {TRIVY_VERSION}", fix
        )
    return Check("trivy", True, f"{version} at {found}")


def check_aws(region: str | None = None) -> Check:
    """STS caller identity; `region` (the project's) when the environment names none."""
    fix = (
        "configure credentials: aws configure / aws sso login, or AWS_PROFILE, or "
        "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
    )
    try:
        import boto3
        from botocore.exceptions import BotoCoreError, ClientError
    except ImportError:
        return Check("AWS credentials", False, "boto3 is not installed", "pip install boto3")
    try:
        session = boto3.session.Session()
        ident = session.client("sts", region_name=session.region_name or region).get_caller_identity()
    except (BotoCoreError, ClientError) as err:
        return Check("AWS credentials", False, f"STS GetCallerIdentity failed: {err}", fix)
    who = f"{ident.get('Arn')} (account {ident.get('Account')})"
    return Check("AWS credentials", True, who, found=who)


def check_state_bucket(project: Project, env: str) -> Check:
    from .bootstrap import account_session, state_backend

    name = f"state bucket ({env})"
    try:
        backend = state_backend(project, env)
    except TfgenError as err:
        return Check(name, False, err.message, "render the project again (tfgen init)")
    try:
        from botocore.exceptions import BotoCoreError, ClientError

        session = account_session(backend)
        session.client("s3", region_name=backend.region).head_bucket(Bucket=backend.bucket)
    except (BotoCoreError, ClientError, TfgenError) as err:
        return Check(
            name,
            False,
            f"s3://{backend.bucket} not usable: {err}",
            f"tfgen bootstrap --env {env}",
            needed=f"s3://{backend.bucket}",
        )
    where = f"s3://{backend.bucket} ({backend.region})"
    return Check(name, True, where, found=where, needed=f"s3://{backend.bucket}")


def doctor(project: Path | str = ".", env: str | None = None) -> DoctorReport:
    """Run every check; a state bucket per environment (or just `env`)."""
    from .progress import step

    root = Path(project).resolve()
    proj = Project(root, read_manifest(root))
    envs = [env] if env else sorted(p.name for p in (root / "envs").glob("*") if p.is_dir())
    with step("checking terraform, checkov, trivy, AWS credentials and state buckets"):
        report = DoctorReport([check_terraform(), check_checkov(), check_trivy(), check_aws(proj.region())])
        aws_ok = report.checks[-1].ok
        for name in envs:
            if aws_ok:
                report.checks.append(check_state_bucket(proj, name))
            else:
                report.checks.append(
                    Check(f"state bucket ({name})", False, "not checked", "fix the AWS credentials first")
                )
    return report
