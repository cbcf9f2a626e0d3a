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

    def line(self) -> str:
        mark = "ok  " if self.ok else "FAIL"
        text = f"{mark} {self.name}: {self.detail}"
        return text if self.ok or not self.fix else f"{text}\n     -> {self.fix}"


@dataclass
class DoctorReport:
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    def lines(self) -> list[str]:
        return [c.line() for c in self.checks]


def check_terraform() -> Check:
    from .terraform import INSTALL_HINT, Terraform, find_terraform

    try:
        binary = find_terraform()
        version = Terraform(Path.cwd(), binary=binary).version()
    except TfgenError as err:
        return Check("terraform", False, err.message.split(":")[0], INSTALL_HINT)
    return Check("terraform", True, f"{version} at {binary}")


def check_checkov() -> Check:
    from .scan import INSTALL_HINT, checkov_env, find_checkov

    fix = "make setup (checkov in its own venv), or set TFGEN_CHECKOV=/path/to/checkov"
    try:
        found = find_checkov()
    except TfgenError:
        return Check("checkov", False, "not found", fix)
    try:
        out = subprocess.run(
            [str(found), "--version"], capture_output=True, text=True, timeout=60, env=checkov_env()
        )
    except (OSError, subprocess.TimeoutExpired) as err:
        return Check("checkov", False, f"{found} does not run ({err})", INSTALL_HINT)
    version = (out.stdout.strip().splitlines() or ["?"])[-1]
    if out.returncode != 0:
        return Check("checkov", False, f"{found} --version failed", fix)
    return Check("checkov", True, f"{version} at {found}")


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
    return Check("AWS credentials", True, f"{ident.get('Arn')} (account {ident.get('Account')})")


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
        return Check(name, False, f"s3://{backend.bucket} not usable: {err}", f"tfgen bootstrap --env {env}")
    return Check(name, True, f"s3://{backend.bucket} ({backend.region})")


def doctor(project: Path | str = ".", env: str | None = None) -> DoctorReport:
    """Run every check; a state bucket per environment (or just `env`)."""
    root = Path(project).resolve()
    proj = Project(root, read_manifest(root))
    report = DoctorReport([check_terraform(), check_checkov(), check_aws(proj.region())])
    aws_ok = report.checks[-1].ok
    envs = [env] if env else sorted(p.name for p in (root / "envs").glob("*") if p.is_dir())
    for name in envs:
        if aws_ok:
            report.checks.append(check_state_bucket(proj, name))
        else:
            report.checks.append(
                Check(f"state bucket ({name})", False, "not checked", "fix the AWS credentials first")
            )
    return report
