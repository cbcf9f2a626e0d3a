"""The AWS regions tfgen knows: each one's partition and availability zones.

Zone names are the ones every account of the region can use (AWS maps names to physical zones
per account, but a name that exists exists everywhere). Where a region has more zones than
listed (older zones closed to new accounts), only the open ones are here. A region AWS adds
later needs a line here before a spec can use it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Region:
    name: str
    partition: str
    zones: tuple[str, ...]

    @property
    def az_count(self) -> int:
        return len(self.zones)


def _region(name: str, letters: str, partition: str = "aws") -> Region:
    return Region(name, partition, tuple(f"{name}{letter}" for letter in letters))


REGIONS: dict[str, Region] = {
    r.name: r
    for r in (
        _region("us-east-1", "abcdef"),
        _region("us-east-2", "abc"),
        _region("us-west-1", "bc"),  # accounts see two of a/b/c; b and c for most
        _region("us-west-2", "abcd"),
        _region("af-south-1", "abc"),
        _region("ap-east-1", "abc"),
        _region("ap-east-2", "abc"),
        _region("ap-south-1", "abc"),
        _region("ap-south-2", "abc"),
        _region("ap-southeast-1", "abc"),
        _region("ap-southeast-2", "abc"),
        _region("ap-southeast-3", "abc"),
        _region("ap-southeast-4", "abc"),
        _region("ap-southeast-5", "abc"),
        _region("ap-southeast-6", "abc"),
        _region("ap-southeast-7", "abc"),
        _region("ap-northeast-1", "acd"),  # 1b is closed to new accounts
        _region("ap-northeast-2", "abcd"),
        _region("ap-northeast-3", "abc"),
        _region("ca-central-1", "abd"),
        _region("ca-west-1", "abc"),
        _region("eu-central-1", "abc"),
        _region("eu-central-2", "abc"),
        _region("eu-west-1", "abc"),
        _region("eu-west-2", "abc"),
        _region("eu-west-3", "abc"),
        _region("eu-north-1", "abc"),
        _region("eu-south-1", "abc"),
        _region("eu-south-2", "abc"),
        _region("il-central-1", "abc"),
        _region("me-south-1", "abc"),
        _region("me-central-1", "abc"),
        _region("mx-central-1", "abc"),
        _region("sa-east-1", "abc"),
        _region("cn-north-1", "ab", "aws-cn"),
        _region("cn-northwest-1", "abc", "aws-cn"),
        _region("us-gov-east-1", "abc", "aws-us-gov"),
        _region("us-gov-west-1", "abc", "aws-us-gov"),
    )
}


def partition(region: str) -> str:
    """The ARN partition of a region (China and GovCloud have their own)."""
    if region in REGIONS:
        return REGIONS[region].partition
    if region.startswith("cn-"):
        return "aws-cn"
    return "aws-us-gov" if region.startswith("us-gov-") else "aws"
