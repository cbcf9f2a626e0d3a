"""The spec's sections: one pydantic model per part of the app (what a user may write)."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import Field

from .fields import (
    ACM_ARN,
    AMI,
    DOMAIN,
    EMAIL,
    MAINT_WINDOW,
    POLICY_ARN,
    REGION,
    ROLE_ARN,
    WAF_ARN,
    WINDOW,
    Section,
)

DATABASE_DEFAULT_VERSIONS = {"postgres": "17", "mysql": "8.4"}
DATABASE_PORTS = {"postgres": 5432, "mysql": 3306}
CACHE_DEFAULT_VERSIONS = {"valkey": "8.0", "redis": "7.1"}
CACHE_PORT = 6379


class Network(Section):
    """The VPC: one CIDR split into public, private (app), database and cache tiers."""

    cidr: str = Field("10.0.0.0/16", description="VPC CIDR block, e.g. 10.0.0.0/16.")
    subnet_prefix_length: int | None = Field(
        None,
        ge=16,
        le=28,
        description="Prefix length of every subnet; default leaves room for 8 AZs per tier.",
    )
    nat: Literal["single", "per_az"] = Field(
        "single", description="NAT gateways: one shared (cheap) or one per AZ (HA). Profile key."
    )
    flow_log_retention_days: int = Field(
        365, description="CloudWatch retention of the VPC flow logs, in days."
    )
    interface_endpoints: bool = Field(
        False,
        description="Interface endpoints (SSM, SSM messages, EC2 messages, Secrets Manager, "
        "CloudWatch Logs, KMS) in the private subnets, so management and secret traffic does "
        "not cross the NAT; off keeps only the free S3 gateway endpoint. Profile key.",
    )
    flow_log_traffic: Literal["REJECT", "ALL"] = Field(
        "ALL",
        description="Flow logs record REJECT-ed traffic only (cheap: what the security groups "
        "refused) or ALL of it (every connection, for forensics). Profile key.",
    )


class LoadBalancer(Section):
    """The public Application Load Balancer that terminates TLS."""

    certificate_arn: str | None = Field(
        None,
        pattern=ACM_ARN,
        description="ACM certificate ARN (same region) for the HTTPS listener; required unless "
        "the spec has a `dns:` section (then tfgen issues one for domain_names).",
    )
    domain_names: list[Annotated[str, Field(pattern=DOMAIN)]] = Field(
        default_factory=list,
        description="DNS names served (the listener's host rules, outputs; with `dns:` the "
        "certificate's names and the alias records).",
    )
    health_check_path: str = Field(
        "/health", pattern=r"^/[A-Za-z0-9_./?=&-]*$", description="Target group health check path."
    )
    access_logs: bool = Field(True, description="Write ALB access logs to an S3 log bucket.")
    waf_web_acl_arn: str | None = Field(
        None, pattern=WAF_ARN, description="Optional WAFv2 web ACL (REGIONAL) to associate."
    )
    idle_timeout: int = Field(60, ge=1, le=4000, description="Idle timeout in seconds.")
    deletion_protection: bool = Field(False, description="ALB deletion protection. Profile key.")


class AppTier(Section):
    """The stateless app tier: an Auto Scaling group of EC2 instances behind the ALB."""

    ami: str = Field(
        "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64",
        pattern=AMI,
        description="An AMI id (ami-...) or an SSM parameter name (/...) that holds one.",
    )
    ami_owners: list[Annotated[str, Field(pattern=r"^(self|amazon|aws-marketplace|[0-9]{12})$")]] | None = (
        Field(
            None,
            min_length=1,
            description="The accounts the AMI may come from (account ids, self, amazon, aws-marketplace). "
            "Default: amazon for Amazon's public SSM parameters (/aws/service/...), Canonical's account "
            "for /aws/service/canonical/..., Debian's for /aws/service/debian/..., self for another "
            "parameter, self and amazon for an AMI id.",
        )
    )
    instance_type: str = Field(
        "t3.micro", pattern=r"^[a-z][a-z0-9-]*\.[a-z0-9]+$", description="EC2 instance type."
    )
    min_size: int = Field(1, ge=0, le=1000, description="ASG minimum size. Profile key.")
    desired_capacity: int = Field(1, ge=0, le=1000, description="ASG desired size. Profile key.")
    max_size: int = Field(2, ge=1, le=1000, description="ASG maximum size. Profile key.")
    cpu_target: int = Field(50, ge=10, le=90, description="Target average CPU % for scaling.")
    port: int = Field(8080, ge=1024, le=65535, description="Port the app listens on.")
    user_data: str | None = Field(
        None, description="Path (relative to the spec) of a shell script run at instance boot."
    )
    log_files: list[Annotated[str, Field(pattern=r"^/[A-Za-z0-9_./*?\[\]-]+$")]] = Field(
        default_factory=lambda: ["/var/log/app/*.log"],
        min_length=1,
        description="The app's log files (absolute paths, globs allowed) that the CloudWatch agent, "
        "installed at boot, ships to the app's log group (one stream per instance).",
    )
    iam_policy_arns: list[Annotated[str, Field(pattern=POLICY_ARN)]] = Field(
        default_factory=list, description="Extra IAM policy ARNs for the instance role."
    )
    root_volume_size: int = Field(20, ge=8, le=16384, description="Root EBS volume, GiB.")
    health_check_grace_period: int = Field(
        300, ge=0, le=3600, description="Seconds; also the instance warm-up (AWS allows 0-3600)."
    )


class Database(Section):
    """RDS in the database subnets, password managed by RDS in Secrets Manager."""

    engine: Literal["postgres", "mysql"] = Field(..., description="postgres or mysql.")
    engine_version: str | None = Field(
        None,
        pattern=r"^[0-9]+(\.[0-9]+){0,2}$",
        description="The major version, default 17 (postgres), 8.4 (mysql): RDS applies the minor "
        "versions itself (automatic minor upgrades), so a pinned minor would plan a downgrade.",
    )
    allow_major_version_upgrade: bool = Field(
        False, description="Let a new major engine_version upgrade the instance in place."
    )
    instance_class: str = Field(
        "db.t4g.micro", pattern=r"^db\.[a-z0-9]+\.[a-z0-9]+$", description="RDS instance class."
    )
    allocated_storage: int = Field(20, ge=20, le=65536, description="GiB.")
    max_allocated_storage: int = Field(100, ge=20, le=65536, description="Storage autoscaling cap.")
    db_name: str = Field("app", pattern=r"^[a-z][a-z0-9_]{0,62}$", description="Initial database.")
    username: str = Field("app_admin", pattern=r"^[a-z][a-z0-9_]{0,15}$", description="Master user.")
    iam_user: str = Field(
        "app",
        pattern=r"^[a-z][a-z0-9_]{0,15}$",
        description="Database user the app role may connect as with IAM authentication "
        "(rds-db:connect); create it once in the database (see the README).",
    )
    multi_az: bool = Field(False, description="Multi-AZ standby. Profile key.")
    read_replicas: int = Field(0, ge=0, le=5, description="Read replicas. Profile key.")
    backup_retention_days: int = Field(
        7,
        ge=1,
        le=35,
        description="Days of automated backups, 1-35 (the way back from a bad write). Profile key.",
    )
    backup_window: str = Field("03:00-04:00", pattern=WINDOW, description="UTC, hh:mm-hh:mm.")
    maintenance_window: str = Field(
        "sun:04:30-sun:05:30", pattern=MAINT_WINDOW, description="UTC, ddd:hh:mm-ddd:hh:mm."
    )
    deletion_protection: bool = Field(False, description="Profile key.")
    performance_insights: bool = Field(True, description="Performance Insights (7 days free).")

    @property
    def version(self) -> str:
        return self.engine_version or DATABASE_DEFAULT_VERSIONS[self.engine]

    @property
    def port(self) -> int:
        return DATABASE_PORTS[self.engine]


class Cache(Section):
    """ElastiCache replication group for sessions."""

    engine: Literal["valkey", "redis"] = Field("valkey", description="valkey or redis.")
    engine_version: str | None = Field(
        None, pattern=r"^[0-9]+(\.[0-9]+)?$", description="Default: 8.0 (valkey), 7.1 (redis)."
    )
    node_type: str = Field(
        "cache.t4g.micro", pattern=r"^cache\.[a-z0-9]+\.[a-z0-9]+$", description="Node type."
    )
    replicas: int = Field(0, ge=0, le=5, description="Replicas per shard. Profile key.")
    automatic_failover: bool = Field(False, description="Profile key; needs replicas >= 1.")
    snapshot_retention_days: int = Field(
        7, ge=0, le=35, description="Daily snapshots kept, 0-35 (0: none). Profile key."
    )
    auth_token_version: int = Field(
        1,
        ge=1,
        description="Version of the generated AUTH token, which is never in the Terraform state "
        "(write-only): raise it to rotate the token.",
    )

    @property
    def version(self) -> str:
        return self.engine_version or CACHE_DEFAULT_VERSIONS[self.engine]

    @property
    def port(self) -> int:
        return CACHE_PORT


class Static(Section):
    """The S3 bucket for static files (served through the CDN when there is one)."""

    versioning: bool = Field(True, description="Keep object versions.")
    noncurrent_version_expiration_days: int = Field(
        90, ge=1, le=3650, description="Delete old versions after this many days."
    )


class Cdn(Section):
    """CloudFront in front of the static bucket (and optionally the ALB)."""

    aliases: list[Annotated[str, Field(pattern=DOMAIN)]] = Field(
        default_factory=list, description="Alternate domain names."
    )
    certificate_arn: str | None = Field(
        None,
        pattern=ACM_ARN,
        description="ACM certificate in us-east-1; needed with aliases unless the spec has a "
        "`dns:` section (then tfgen issues one for the aliases).",
    )
    price_class: Literal["PriceClass_100", "PriceClass_200", "PriceClass_All"] = "PriceClass_100"
    dynamic_paths: list[Annotated[str, Field(pattern=r"^/[A-Za-z0-9_./*-]*$")]] = Field(
        default_factory=list, description="Path patterns sent to the ALB, e.g. /api/*."
    )
    waf_web_acl_arn: str | None = Field(
        None, pattern=WAF_ARN, description="Optional WAFv2 web ACL (CLOUDFRONT scope)."
    )
    hsts_preload: bool = Field(
        False,
        description="Add `preload` to the HSTS header: only for a registrable domain whose every "
        "subdomain serves HTTPS, submitted to hstspreload.org (hard to undo).",
    )
    lock_origin: bool = Field(
        False,
        description="Put the ALB behind CloudFront entirely: HTTPS in only from CloudFront's "
        "origin-facing prefix list, and only requests with the generated origin header "
        "forwarded (needs dynamic_paths; the app's names then point at CloudFront).",
    )
    origin_header_version: int = Field(
        1,
        ge=1,
        description="Version of the generated origin header secret (with lock_origin): raise it "
        "to rotate the secret.",
    )

    def locks_origin(self) -> bool:
        """Whether CloudFront is the ALB's only way in (lock_origin, with dynamic paths)."""
        return self.lock_origin and bool(self.dynamic_paths)


ZONE_ID = r"^Z[A-Z0-9]{1,31}$"
ZONE_NAME = r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"


class Dns(Section):
    """A public Route 53 hosted zone: tfgen issues the ACM certificates (DNS validation) and
    points load_balancer.domain_names and cdn.aliases at the ALB and CloudFront (alias records)."""

    zone: str = Field(
        ...,
        pattern=rf"{ZONE_ID}|{ZONE_NAME}",
        description="The public hosted zone that holds the app's names, by name (example.com: "
        "looked up, and every name must be inside it) or by ID (Z0123456789ABCDEFGHIJ: not "
        "checked at render time). The zone itself is not managed here.",
    )

    @property
    def zone_id(self) -> str | None:
        """The zone's ID when the spec gives one, else None (then it is looked up by name)."""
        return self.zone if re.match(ZONE_ID, self.zone) else None

    @property
    def zone_name(self) -> str | None:
        """The zone's name when the spec gives one (no trailing dot), else None."""
        return None if self.zone_id else self.zone.rstrip(".")


BACKUP_SCHEDULE = r"^cron\([^()\s]+( [^()\s]+){5}\)$"  # AWS cron: six fields, UTC
IAM_PRINCIPAL_ARN = r"^arn:aws[a-z-]*:iam::[0-9]{12}:(role|user)/[A-Za-z0-9_+=,.@/-]+$"
BACKUP_VAULT_ARN = r"^arn:aws[a-z-]*:backup:[a-z0-9-]+:[0-9]{12}:backup-vault:[A-Za-z0-9_.-]{2,50}$"


class Backup(Section):
    """AWS Backup: a plan into a locked, KMS-encrypted vault, copied to a second region."""

    vault: bool = Field(
        False,
        description="An AWS Backup plan into a locked vault with a copy in copy_region, failed-job "
        "alarms and a restore test; false keeps only RDS's automated backups. Profile key.",
    )
    schedule: str = Field(
        "cron(0 5 * * ? *)",
        pattern=BACKUP_SCHEDULE,
        description="When the plan backs up and copies, an AWS cron expression in UTC (default "
        "daily 05:00, after the database's backup window).",
    )
    retention_days: int = Field(
        35, ge=1, le=36500, description="Days each recovery point, and each copy, is kept."
    )
    static_bucket: bool = Field(
        False,
        description="Back up the static bucket too: set it when users upload content to it "
        "(needs static.versioning).",
    )
    copy_region: str | None = Field(
        None,
        pattern=REGION,
        description="The second region every recovery point is copied to (not the spec's region).",
    )
    copy_vault_arn: str | None = Field(
        None,
        pattern=BACKUP_VAULT_ARN,
        description="Optional vault in a second account that gets a copy too (its access policy "
        "must allow backup:CopyIntoBackupVault from this account).",
    )
    lock_mode: Literal["governance", "compliance"] = Field(
        "governance",
        description="Vault Lock mode: governance (only a principal allowed "
        "backup:DeleteBackupVaultLockConfiguration can lift it) or compliance (nobody can, once "
        "lock_changeable_days have passed).",
    )
    lock_min_retention_days: int = Field(
        7,
        ge=1,
        le=36500,
        description="Vault Lock: no recovery point can be deleted before this many days "
        "(at most retention_days).",
    )
    lock_max_retention_days: int | None = Field(
        None,
        ge=1,
        le=36500,
        description="Vault Lock: optional longest retention the vault accepts (at least retention_days).",
    )
    lock_changeable_days: int = Field(
        3,
        ge=3,
        le=36500,
        description="Compliance mode: days after the apply during which the lock can still be removed.",
    )
    break_glass_principals: list[Annotated[str, Field(pattern=IAM_PRINCIPAL_ARN)]] = Field(
        default_factory=list,
        description="IAM roles or users that may assume the break-glass role (with MFA), the only "
        "principal allowed to delete recovery points; default: the account (its IAM policies decide).",
    )
    restore_testing: bool = Field(
        True,
        description="AWS Backup restore testing: restore the latest database recovery point on "
        "restore_test_schedule, check it, delete it.",
    )
    restore_test_schedule: str = Field(
        "cron(0 6 ? * SAT *)",
        pattern=BACKUP_SCHEDULE,
        description="When the restore test runs, an AWS cron expression in UTC (default Saturdays 06:00).",
    )


class Monitoring(Section):
    """CloudWatch alarms to an SNS topic and an optional monthly cost budget."""

    alarm_email: str | None = Field(None, pattern=EMAIL, description="Email subscribed to alarms.")
    monthly_budget_usd: int | None = Field(
        None, ge=1, le=100_000_000, description="Monthly AWS Budgets amount."
    )
    log_retention_days: int = Field(365, description="Retention of the app's CloudWatch logs.")
    error_rate_percent: int | float = Field(
        5,
        gt=0,
        le=100,
        description="The 5xx error rate (percent of requests over 5 minutes) at which the load "
        "balancer's and CloudFront's error-rate alarms fire; they count only from 50 requests on. "
        "Profile key.",
    )


class State(Section):
    """Where Terraform state lives: one S3 bucket, one key per environment."""

    bucket: str | None = Field(
        None, pattern=r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", description="Default: <name>-tfstate."
    )
    region: str | None = Field(None, pattern=REGION, description="Default: the spec's region.")


class AssumeRole(Section):
    """The IAM role Terraform assumes for one environment (the provider and the state backend)."""

    role_arn: str = Field(..., pattern=ROLE_ARN, description="ARN of the role to assume.")
    external_id: str | None = Field(
        None,
        min_length=2,
        max_length=1224,
        pattern=r"^[A-Za-z0-9+=,.@:/_-]+$",
        description="External id the role's trust policy asks for (an identifier, not a secret).",
    )
    session_name: str | None = Field(
        None,
        min_length=2,
        max_length=64,
        pattern=r"^[A-Za-z0-9+=,.@_-]+$",
        description="Role session name (CloudTrail shows it). Default: the provider's.",
    )


ACCOUNT_ID_DOC = (
    "The AWS account this environment lives in (12 digits): the provider refuses any other "
    "(allowed_account_ids), and environments in different accounts get one state bucket each."
)


class Usage(Section):
    """Monthly traffic and data volumes: what `tfgen cost` prices the usage-based items with.

    Every key has a stated default, printed next to each figure it drives; set it at the top
    level for every environment, or under `environments.<env>.usage` for one.
    """

    requests_per_month: int = Field(
        10_000_000,
        ge=0,
        le=10**13,
        description="HTTP requests viewers make per month (CloudFront with a CDN, the ALB "
        "otherwise); also drives the ALB's LCUs.",
    )
    egress_gb: float = Field(
        50.0,
        ge=0,
        le=10**8,
        description="GB per month sent to the internet (CloudFront with a CDN, EC2 data "
        "transfer out otherwise); also drives the ALB's LCUs.",
    )
    nat_gb: float = Field(
        20.0, ge=0, le=10**8, description="GB per month the NAT gateway(s) process (app egress)."
    )
    log_gb: float = Field(
        5.0,
        ge=0,
        le=10**8,
        description="GB per month of app, database and cache logs ingested by CloudWatch Logs.",
    )
    flow_log_gb: float = Field(
        5.0, ge=0, le=10**8, description="GB per month of VPC flow logs ingested by CloudWatch Logs."
    )
    static_storage_gb: float = Field(5.0, ge=0, le=10**8, description="GB stored in the static-files bucket.")
    static_requests_per_month: int = Field(
        1_000_000,
        ge=0,
        le=10**13,
        description="GET requests per month to the static bucket (CloudFront cache misses).",
    )
    db_change_gb_per_day: float = Field(
        0.5,
        ge=0,
        le=10**6,
        description="GB of database data changed per day: the incremental backups kept for "
        "the retention period.",
    )
