"""Create the S3 bucket an environment's backend keeps its state in, safely and idempotently.

Versioning (recover an overwritten state), default encryption, a public access block and a
policy refusing non-TLS access. S3 native locking (`use_lockfile = true`) needs no DynamoDB
table. boto3 is imported inside the functions: `tfgen --help` must not pay for it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import TfgenError, ToolError, UsageError
from .project import Project, read_manifest


@dataclass(frozen=True)
class StateBackend:
    """Where an environment's state lives."""

    env: str
    bucket: str
    region: str
    key: str = ""


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
        return StateBackend(env, info["state_bucket"], info["region"], info.get("state_key", ""))
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
    try:
        import boto3
    except ImportError as err:
        raise ToolError("bootstrap needs boto3: pip install boto3") from err
    return boto3.client("s3", region_name=region)


def partition(region: str) -> str:
    """The ARN partition of a region (China and GovCloud have their own)."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


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
    """Create the state bucket when missing; set each protection that is not already set."""
    from botocore.exceptions import BotoCoreError, ClientError

    backend = state_backend(project, env)
    s3 = client or s3_client(backend.region)
    report = BootstrapReport(backend)
    try:
        report.created = _ensure_bucket(s3, backend)
        for step in (_ensure_versioning, _ensure_encryption, _ensure_public_access_block, _ensure_tls_only):
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


def _ensure_tls_only(s3: Any, backend: StateBackend) -> Step:
    from botocore.exceptions import ClientError

    try:
        policy = s3.get_bucket_policy(Bucket=backend.bucket)["Policy"]
    except ClientError:
        policy = ""
    if not policy:
        s3.put_bucket_policy(
            Bucket=backend.bucket, Policy=json.dumps(tls_only_policy(backend.bucket, backend.region))
        )
        return ("TLS-only policy", "set")
    if re.search(r'"aws:SecureTransport"\s*:\s*"?false', policy):
        return ("TLS-only policy", "ok")
    return (
        "TLS-only policy",
        "missing: the bucket has its own policy, add a Deny on aws:SecureTransport=false to it",
    )
