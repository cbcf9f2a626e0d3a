"""What every spec section shares: the strict base model, value patterns and AWS's fixed lists."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..project import ENV_NAME as ENV_NAME_RE

SAFE_NAME = r"^[a-z]([a-z0-9]|-[a-z0-9])+$"  # no "--" or trailing dash: RDS refuses them
ENV_NAME = rf"^{ENV_NAME_RE.pattern}$"
REGION = r"^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-[0-9]$"
ACM_ARN = r"^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/[0-9a-f-]+$"
WAF_ARN = r"^arn:aws[a-z-]*:wafv2:[a-z0-9-]+:[0-9]{12}:(regional|global)/webacl/.+$"
POLICY_ARN = r"^arn:aws[a-z-]*:iam::([0-9]{12}|aws):policy/.+$"
DOMAIN = r"^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"
WINDOW = r"^([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-3]):[0-5][0-9]$"
MAINT_WINDOW = (
    r"^(mon|tue|wed|thu|fri|sat|sun):([01][0-9]|2[0-3]):[0-5][0-9]-"
    r"(mon|tue|wed|thu|fri|sat|sun):([01][0-9]|2[0-3]):[0-5][0-9]$"
)
ACCOUNT_ID = r"^[0-9]{12}$"
ROLE_ARN = r"^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]{1,512}$"
AMI = r"^(ami-[0-9a-f]{8,17}|/[A-Za-z0-9_./-]+)$"
EMAIL = r"""^[^@\s"'\\]+@[^@\s"'\\]+\.[a-z]{2,}$"""  # valid as an ECMA-262 (unicode) regex too
TAG_KEY = r"^[A-Za-z0-9 _.:/=+@-]{1,128}$"
RESERVED_TAGS = ("App", "Environment", "Profile", "ManagedBy")
CLOUDWATCH_RETENTION = [
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
]

TIERS = ("public", "private", "database", "cache")
MAX_AZ_SLOTS = 8  # subnets per tier are laid out for up to 8 AZs so adding an AZ never moves CIDRs

ProfileName = Literal["low-power", "high-power"]

Tags = dict[Annotated[str, Field(pattern=TAG_KEY)], Annotated[str, Field(max_length=256)]]


class Section(BaseModel):
    """Base of every spec section: unknown keys are errors, not silently ignored."""

    # strict: a YAML `true` or `"3"` is not a number, `2.0` is not an integer.
    model_config = ConfigDict(extra="forbid", populate_by_name=True, strict=True)
