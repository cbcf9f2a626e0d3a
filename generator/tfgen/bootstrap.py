"""Create the S3 bucket an environment's backend keeps its state in, safely and idempotently.

Versioning (recover an overwritten state), default encryption, a public access block and a
policy refusing non-TLS access. S3 native locking (`use_lockfile = true`) needs no DynamoDB
table. boto3 is imported inside the functions: `tfgen --help` must not pay for it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import TfgenError, ToolError, UsageError
from .project import Project, read_manifest
from .regions import partition


@dataclass(frozen=True)
class StateBackend:
    """Where an environment's state lives."""

    env: str
    bucket: str
    region: str
    key: str = ""
    account_id: str | None = None
    """The account the bucket must be created in (the environment's `account_id`)."""
    assume_role: dict[str, str] | None = None
    """role_arn, external_id, session_name: the role to create it with."""


@dataclass
class BootstrapReport:
    """What bootstrap found and did, one line per setting."""

    backend: StateBackend
    created: bool = False
    steps: list[tuple[str, str]] = field(default_factory=list)  # (setting, "set" | "ok" | note)

    def lines(self) -> list[str]:
        b = self.backend
        head = "created" if self.created else "exists"
        lines = [f"bootstrap {b.env}: s3://{b.bucket} ({b.region}) {head}"]
        lines += [f"  {setting}: {status}" for setting, status in self.steps]
        return lines


def _unquote(value: Any) -> str:
    text = str(value[0] if isinstance(value, list) and value else value)
    return text.strip().strip('"')


def state_backend(project: Project | Path | str, env: str) -> StateBackend:
    """The env's bucket and region: the manifest, else envs/<env>/backend.tf (python-hcl2)."""
    if not isinstance(project, Project):
        root = Path(project).resolve()
        project = Project(root, read_manifest(root))
    try:
        env_dir = project.env_dir(env)
    except UsageError as err:
        raise UsageError(f"bootstrap: {err.message}") from None
    info = project.env_info(env)
    if info.get("state_bucket") and info.get("region"):
        role = info.get("assume_role")
        return StateBackend(
            env,
            info["state_bucket"],
            info.get("state_region") or info["region"],
            info.get("state_key", ""),
            account_id=info.get("account_id") or None,
            assume_role=dict(role) if isinstance(role, dict) else None,
        )
    import hcl2

    for tf in sorted(env_dir.glob("*.tf")):
        if "backend" not in tf.read_text():
            continue
        with tf.open() as handle:
            doc = hcl2.load(handle)
        for block in doc.get("terraform", []):
            for backend in block.get("backend", []):
                s3 = backend.get("s3") or backend.get('"s3"')
                if s3:
                    return StateBackend(
                        env,
                        _unquote(s3["bucket"]),
                        _unquote(s3["region"]),
                        _unquote(s3.get("key", "")),
                    )
    raise TfgenError(f'bootstrap {env}: no manifest entry and no backend "s3" block in {env_dir}')


def s3_client(region: str) -> Any:
    """A boto3 S3 client (AWS_ENDPOINT_URL, e.g. a moto server, is honoured by boto3)."""
    return _boto3().client("s3", region_name=region)


def _boto3() -> Any:
    try:
        import boto3
    except ImportError as err:
        raise ToolError("bootstrap needs boto3: pip install boto3") from err
    return boto3


def account_session(backend: StateBackend) -> Any:
    """A boto3 session in the environment's account: its role assumed when it names one, and the
    account checked against `account_id` before anything is created (like allowed_account_ids)."""
    boto3 = _boto3()
    session = boto3.Session(region_name=backend.region)
    role = backend.assume_role
    if role:
        ask: dict[str, Any] = {
            "RoleArn": role["role_arn"],
            "RoleSessionName": role.get("session_name") or "tfgen-bootstrap",
        }
        if role.get("external_id"):
            ask["ExternalId"] = role["external_id"]
        creds = session.client("sts").assume_role(**ask)["Credentials"]
        session = boto3.Session(
            aws_access_key_id=creds["AccessKeyId"],
            aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds["SessionToken"],
            region_name=backend.region,
        )
    if backend.account_id:
        account = session.client("sts").get_caller_identity()["Account"]
        if account != backend.account_id:
            raise TfgenError(
                f"bootstrap {backend.env}: these credentials are for account {account}, but "
                f"environment {backend.env} is in account {backend.account_id} (its account_id): "
                "use credentials (or an assume_role) of that account"
            )
    return session


def tls_only_policy(bucket: str, region: str = "us-east-1") -> dict[str, Any]:
    arn = f"arn:{partition(region)}:s3:::{bucket}"
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [arn, f"{arn}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        ],
    }


PUBLIC_ACCESS_BLOCK = {
    k: True for k in ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
}
Step = tuple[str, str]
"""(setting, what happened): "ok", "set", or what is missing."""


def bootstrap(project: Project | Path | str, env: str, *, client: Any = None) -> BootstrapReport:
    """Create the state bucket when missing; set each protection that is not already set.

    The bucket is created in the environment's account: with its role when it has one, and
    never with credentials of another account than its `account_id`.
    """
    from botocore.exceptions import BotoCoreError, ClientError

    backend = state_backend(project, env)
    report = BootstrapReport(backend)
    try:
        s3 = client or account_session(backend).client("s3", region_name=backend.region)
        report.created = _ensure_bucket(s3, backend)
        for step in (
            _ensure_region,
            _ensure_versioning,
            _ensure_encryption,
            _ensure_public_access_block,
            _ensure_tls_only,
        ):
            report.steps.append(step(s3, backend))
    except (ClientError, BotoCoreError) as err:
        raise ToolError(f"bootstrap {env}: S3 call failed for bucket {backend.bucket}: {err}") from err
    return report


def _ensure_bucket(s3: Any, backend: StateBackend) -> bool:
    """Create the bucket unless it exists; True when created."""
    from botocore.exceptions import ClientError

    try:
        s3.head_bucket(Bucket=backend.bucket)
        return False
    except ClientError as err:
        code = str(err.response.get("Error", {}).get("Code"))
        if code in ("403", "AccessDenied", "Forbidden"):
            raise TfgenError(
                f"bootstrap {backend.env}: bucket {backend.bucket} exists but these credentials "
                "cannot use it (owned by another account?): choose another state bucket name in "
                "the spec"
            ) from err
        if code not in ("404", "NoSuchBucket", "NotFound"):
            raise
    create: dict[str, Any] = {"Bucket": backend.bucket}
    if backend.region != "us-east-1":
        create["CreateBucketConfiguration"] = {"LocationConstraint": backend.region}
    s3.create_bucket(**create)
    return True


def _ensure_versioning(s3: Any, backend: StateBackend) -> Step:
    if s3.get_bucket_versioning(Bucket=backend.bucket).get("Status") == "Enabled":
        return ("versioning", "ok")
    s3.put_bucket_versioning(Bucket=backend.bucket, VersioningConfiguration={"Status": "Enabled"})
    return ("versioning", "enabled")


def _ensure_encryption(s3: Any, backend: StateBackend) -> Step:
    from botocore.exceptions import ClientError

    try:
        s3.get_bucket_encryption(Bucket=backend.bucket)
        return ("encryption", "ok")
    except ClientError:
        pass
    rule = {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}, "BucketKeyEnabled": True}
    s3.put_bucket_encryption(Bucket=backend.bucket, ServerSideEncryptionConfiguration={"Rules": [rule]})
    return ("encryption", "set (AES256)")


def _ensure_public_access_block(s3: Any, backend: StateBackend) -> Step:
    from botocore.exceptions import ClientError

    try:
        current = s3.get_public_access_block(Bucket=backend.bucket)["PublicAccessBlockConfiguration"]
    except ClientError:
        current = {}
    if all(current.get(k) for k in PUBLIC_ACCESS_BLOCK):
        return ("public access block", "ok")
    s3.put_public_access_block(Bucket=backend.bucket, PublicAccessBlockConfiguration=PUBLIC_ACCESS_BLOCK)
    return ("public access block", "set")


def is_tls_only(policy: dict[str, Any]) -> bool:
    """Whether a bucket policy denies every request not made over TLS.

    That is a Deny statement for everyone (`"*"`), on all S3 actions, conditioned on
    `aws:SecureTransport` being false; an Allow with that condition is not one.
    """
    for statement in policy.get("Statement", []) if isinstance(policy, dict) else []:
        if not isinstance(statement, dict) or statement.get("Effect") != "Deny":
            continue
        principal = statement.get("Principal")
        if principal not in ("*", {"AWS": "*"}, {"AWS": ["*"]}):
            continue
        actions = statement.get("Action")
        if (actions if isinstance(actions, list) else [actions]) != ["s3:*"]:
            continue
        condition = statement.get("Condition", {}).get("Bool", {})
        if str(condition.get("aws:SecureTransport", "")).lower() == "false":
            return True
    return False


def _ensure_tls_only(s3: Any, backend: StateBackend) -> Step:
    from botocore.exceptions import ClientError

    wanted = tls_only_policy(backend.bucket, backend.region)
    try:
        text = s3.get_bucket_policy(Bucket=backend.bucket)["Policy"]
    except ClientError:
        text = ""
    if not text:
        s3.put_bucket_policy(Bucket=backend.bucket, Policy=json.dumps(wanted))
        return ("TLS-only policy", "set")
    try:
        policy = json.loads(text)
    except ValueError:
        raise TfgenError(
            f"bootstrap {backend.env}: the policy of bucket {backend.bucket} is not "
            "JSON; fix it, then run bootstrap again"
        ) from None
    if is_tls_only(policy):
        return ("TLS-only policy", "ok")
    # The bucket has a policy of its own: keep every statement and add the Deny.
    policy.setdefault("Statement", []).extend(wanted["Statement"])
    s3.put_bucket_policy(Bucket=backend.bucket, Policy=json.dumps(policy))
    return (
        "TLS-only policy",
        "added (a Deny on aws:SecureTransport=false, next to the bucket's own statements)",
    )


def _ensure_region(s3: Any, backend: StateBackend) -> Step:
    """The bucket must be in the backend's region: terraform would fail to reach it otherwise."""
    location = s3.get_bucket_location(Bucket=backend.bucket).get("LocationConstraint")
    region = location or "us-east-1"  # S3 reports us-east-1 as no constraint
    if region == "EU":
        region = "eu-west-1"
    if region != backend.region:
        raise TfgenError(
            f"bootstrap {backend.env}: bucket {backend.bucket} is in {region}, but the backend "
            f"says {backend.region}: set state.region to {region} in the spec (or choose another "
            "bucket name) and run tfgen init"
        )
    return ("region", f"ok ({region})")
