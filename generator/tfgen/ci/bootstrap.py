"""`tfgen bootstrap --ci --env E`: the cloud side of the pipelines, in that environment's account.

Created idempotently (a second run changes nothing, a drifted trust policy is put back):

- the IAM OIDC identity provider of the CI: token.actions.githubusercontent.com (audience
  sts.amazonaws.com), or the GitLab instance (audience: its URL, as the id_tokens ask);
- `tfgen-<app>-<env>-plan`: ReadOnlyAccess plus the state object's read and its lock file's
  write (a plan takes the lock); trusted by pull-request jobs and by jobs on the default branch
  (the plan before an apply, the drift check);
- `tfgen-<app>-<env>-apply`: AdministratorAccess (the stack creates IAM roles, KMS keys, ...)
  plus state read/write; trusted only by jobs that run in the GitHub environment `<env>` (whose
  reviewers gate it), on GitLab only by the default branch's pipelines.

The trust binds the `sub` claim. GitHub's default subject is `repo:<owner>/<repo>:...` for older
repositories and carries immutable IDs (`repo:<owner>-<id>/<repo>-<id>:...`) for repositories
created or renamed after 2026-06-18: the prefix is `ci.oidc_subject_prefix` when the spec sets
it, else `repo:<repository>`; never guessed. The roles' ARNs are written to
`.tfgen/ci-roles.json`, which the workflows read (commit it: ARNs are not secrets).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import TfgenError, ToolError, UsageError
from ..project import Project
from ..regions import partition

GITHUB_ISSUER = "token.actions.githubusercontent.com"
GITHUB_AUDIENCE = "sts.amazonaws.com"
# GitHub's intermediate certificate thumbprints: IAM no longer checks them for GitHub, but older
# API versions (and moto) want a list.
GITHUB_THUMBPRINTS = ["6938fd4d98bab03faadb97b34396831e3780aea1", "1c58a3a8518e8759bf075b76b750d4f2df264fcd"]
ROLES_FILE = ".tfgen/ci-roles.json"


@dataclass
class CiBootstrapReport:
    env: str
    steps: list[tuple[str, str]] = field(default_factory=list)
    roles: dict[str, str] = field(default_factory=dict)

    def lines(self) -> list[str]:
        out = [f"bootstrap --ci {self.env}:"]
        out += [f"  {what}: {status}" for what, status in self.steps]
        return out


@dataclass(frozen=True)
class CiTarget:
    """Who may assume the roles: the CI's issuer and the subjects of its tokens."""

    provider: str
    issuer: str  # host (and path) of the OIDC provider, no scheme
    audience: str
    plan_subjects: tuple[str, ...]
    apply_subjects: tuple[str, ...]


def ci_target(spec: Any, env: str) -> CiTarget:
    ci = spec.ci
    if ci.provider in ("none", "atlantis"):
        raise UsageError(
            f"bootstrap --ci: ci.provider is {ci.provider}: "
            + (
                "Atlantis runs with its server's own AWS credentials (give them to the server)"
                if ci.provider == "atlantis"
                else "set ci.provider to github or gitlab in the spec"
            )
        )
    if not ci.repository:
        raise UsageError(
            "bootstrap --ci: the spec has no ci.repository: set it (owner/name) and run tfgen init"
        )
    branch = ci.default_branch
    if ci.provider == "github":
        prefix = ci.oidc_subject_prefix or f"repo:{ci.repository}"
        return CiTarget(
            "github",
            GITHUB_ISSUER,
            GITHUB_AUDIENCE,
            (f"{prefix}:pull_request", f"{prefix}:ref:refs/heads/{branch}"),
            (f"{prefix}:environment:{env}",),
        )
    host = ci.gitlab_url.removeprefix("https://")
    path = f"project_path:{ci.repository}"
    return CiTarget(
        "gitlab",
        host,
        ci.gitlab_url,
        (f"{path}:ref_type:branch:ref:*",),
        (f"{path}:ref_type:branch:ref:{branch}",),
    )


def trust_policy(provider_arn: str, target: CiTarget, subjects: tuple[str, ...]) -> dict[str, Any]:
    """Web identity from the CI's provider, for its audience and exactly these subjects."""
    condition: dict[str, dict[str, Any]] = {"StringEquals": {f"{target.issuer}:aud": target.audience}}
    operator = "StringLike" if any("*" in s for s in subjects) else "StringEquals"
    condition.setdefault(operator, {})[f"{target.issuer}:sub"] = list(subjects)
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": provider_arn},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": condition,
            }
        ],
    }


def state_policy(bucket: str, key: str, region: str, *, write: bool) -> dict[str, Any]:
    arn = f"arn:{partition(region)}:s3:::{bucket}"
    state_actions = ["s3:GetObject", "s3:PutObject"] if write else ["s3:GetObject"]
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "StateBucket", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": arn},
            {"Sid": "State", "Effect": "Allow", "Action": state_actions, "Resource": f"{arn}/{key}"},
            {
                "Sid": "StateLock",
                "Effect": "Allow",
                "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                "Resource": f"{arn}/{key}.tflock",
            },
        ],
    }


def bootstrap_ci(project_dir: Path | str, env: str, *, iam: Any = None, sts: Any = None) -> CiBootstrapReport:
    """Create (or put back) the OIDC provider and the env's plan and apply roles."""
    from botocore.exceptions import BotoCoreError, ClientError

    from ..bootstrap import state_backend
    from ..spec import load_spec

    project = Project.load(project_dir)
    project.env_dir(env)
    spec_ref = project.manifest.get("spec") or "tfgen.yaml"
    spec_path = project.root / str(spec_ref)
    if not spec_path.is_file():
        raise UsageError(f"bootstrap --ci: the project's spec {spec_path} is missing: run tfgen init")
    spec = load_spec(spec_path)
    target = ci_target(spec, env)
    backend = state_backend(project, env)
    key = backend.key or f"{env}/terraform.tfstate"
    report = CiBootstrapReport(env)
    try:
        import boto3

        iam = iam or boto3.client("iam", region_name=backend.region)
        sts = sts or boto3.client("sts", region_name=backend.region)
        account = sts.get_caller_identity()["Account"]
        aws = partition(spec.region)
        provider_arn = _ensure_oidc_provider(iam, aws, account, target, report)
        for kind, subjects, managed in (
            ("plan", target.plan_subjects, "ReadOnlyAccess"),
            ("apply", target.apply_subjects, "AdministratorAccess"),
        ):
            name = f"tfgen-{spec.name}-{env}-{kind}"
            report.roles[f"{kind}_role_arn"] = _ensure_role(
                iam,
                name,
                trust_policy(provider_arn, target, subjects),
                f"arn:{aws}:iam::aws:policy/{managed}",
                state_policy(backend.bucket, key, backend.region, write=kind == "apply"),
                report,
            )
    except (ClientError, BotoCoreError) as err:
        raise ToolError(f"bootstrap --ci {env}: IAM call failed: {err}") from err
    _record_roles(project.root, env, report.roles)
    report.steps.append(("roles file", f"{ROLES_FILE} (commit it: the workflows read the ARNs there)"))
    return report


def _ensure_oidc_provider(
    iam: Any, aws: str, account: str, target: CiTarget, report: CiBootstrapReport
) -> str:
    arn = f"arn:{aws}:iam::{account}:oidc-provider/{target.issuer}"
    existing = {p["Arn"] for p in iam.list_open_id_connect_providers().get("OpenIDConnectProviderList", [])}
    if arn not in existing:
        thumbprints = {"ThumbprintList": GITHUB_THUMBPRINTS} if target.provider == "github" else {}
        iam.create_open_id_connect_provider(
            Url=f"https://{target.issuer}", ClientIDList=[target.audience], **thumbprints
        )
        report.steps.append((f"OIDC provider {target.issuer}", "created"))
        return arn
    clients = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn).get("ClientIDList", [])
    if target.audience in clients:
        report.steps.append((f"OIDC provider {target.issuer}", "ok"))
    else:
        iam.add_client_id_to_open_id_connect_provider(OpenIDConnectProviderArn=arn, ClientID=target.audience)
        report.steps.append((f"OIDC provider {target.issuer}", f"audience {target.audience} added"))
    return arn


def _ensure_role(
    iam: Any,
    name: str,
    trust: dict[str, Any],
    managed_arn: str,
    state: dict[str, Any],
    report: CiBootstrapReport,
) -> str:
    from botocore.exceptions import ClientError

    try:
        role = iam.get_role(RoleName=name)["Role"]
        current = role["AssumeRolePolicyDocument"]
        if isinstance(current, str):
            from urllib.parse import unquote

            current = json.loads(unquote(current))
        if current == trust:
            status = "ok"
        else:
            iam.update_assume_role_policy(RoleName=name, PolicyDocument=json.dumps(trust))
            status = "trust policy put back"
    except ClientError as err:
        if err.response.get("Error", {}).get("Code") != "NoSuchEntity":
            raise
        role = iam.create_role(
            RoleName=name,
            AssumeRolePolicyDocument=json.dumps(trust),
            Description="tfgen CI role (tfgen bootstrap --ci)",
            MaxSessionDuration=3600,
            Tags=[{"Key": "ManagedBy", "Value": "tfgen"}],
        )["Role"]
        status = "created"
    attached = {p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]}
    if managed_arn not in attached:
        iam.attach_role_policy(RoleName=name, PolicyArn=managed_arn)
    iam.put_role_policy(RoleName=name, PolicyName="tfgen-state", PolicyDocument=json.dumps(state))
    report.steps.append((f"role {name}", status))
    return str(role["Arn"])


def _record_roles(root: Path, env: str, roles: dict[str, str]) -> None:
    path = root / ROLES_FILE
    try:
        data = json.loads(path.read_text()) if path.is_file() else {}
    except ValueError:
        raise TfgenError(f"{path} is not JSON: fix or delete it, then run bootstrap --ci again") from None
    if not isinstance(data, dict):
        data = {}
    data[env] = dict(sorted(roles.items()))
    path.parent.mkdir(exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(dict(sorted(data.items())), indent=2) + "\n")
    tmp.replace(path)
