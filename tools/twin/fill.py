"""Plausible values for what AWS would compute: ids, ARNs, DNS names, endpoints, timestamps.

`Filler.value(attr, type)` answers one attribute of one object being created (or read, for a
data source). Values are seeded by the resource type and the object's known arguments, so
applying the same configuration again gives the same ids.
"""

from __future__ import annotations

import hashlib
import json
import random
import string
import threading
import uuid
from typing import Any

from twin.cty import UNKNOWN, Dyn

MISSING = object()
TIMESTAMP = "2025-01-01T00:00:00Z"

# Real ELB account ids per region (aws_elb_service_account).
ELB_ACCOUNTS = {
    "us-east-1": "127311923021",
    "us-east-2": "033677994240",
    "us-west-1": "027434742980",
    "us-west-2": "797873946194",
    "af-south-1": "098369216593",
    "ca-central-1": "985666609251",
    "eu-central-1": "054676820928",
    "eu-west-1": "156460612806",
    "eu-west-2": "652711504416",
    "eu-south-1": "635631232127",
    "eu-west-3": "009996457667",
    "eu-north-1": "897822967062",
    "ap-east-1": "754344448648",
    "ap-northeast-1": "582318560864",
    "ap-northeast-2": "600734575887",
    "ap-northeast-3": "383597477331",
    "ap-southeast-1": "114774131450",
    "ap-southeast-2": "783225319266",
    "ap-southeast-3": "589379963580",
    "ap-south-1": "718504428378",
    "me-south-1": "076674570225",
    "sa-east-1": "507241528517",
    "us-gov-west-1": "048591011584",
    "us-gov-east-1": "190560391635",
    "cn-north-1": "638102146993",
    "cn-northwest-1": "037604701340",
}

# Availability zone letters per region (a small table of real counts; others get a, b, c).
AZ_LETTERS = {
    "us-east-1": "abcdef",
    "us-west-1": "ac",
    "us-west-2": "abcd",
    "us-east-2": "abc",
    "ap-northeast-1": "acd",
    "ap-northeast-2": "abcd",
    "ca-central-1": "abd",
    "sa-east-1": "abc",
    "eu-west-1": "abc",
    "eu-central-1": "abc",
    "eu-north-1": "abc",
    "ap-south-1": "abc",
    "cn-north-1": "abd",
    "us-gov-west-1": "abc",
}
AZ_ID_PREFIX = {
    "us-east-1": "use1",
    "us-east-2": "use2",
    "us-west-1": "usw1",
    "us-west-2": "usw2",
    "eu-west-1": "euw1",
    "eu-west-2": "euw2",
    "eu-west-3": "euw3",
    "eu-central-1": "euc1",
    "eu-north-1": "eun1",
    "eu-south-1": "eus1",
    "ap-south-1": "aps1",
    "ap-northeast-1": "apne1",
    "ap-northeast-2": "apne2",
    "ap-northeast-3": "apne3",
    "ap-southeast-1": "apse1",
    "ap-southeast-2": "apse2",
    "ca-central-1": "cac1",
    "sa-east-1": "sae1",
    "cn-north-1": "cnn1",
    "cn-northwest-1": "cnnw1",
    "us-gov-west-1": "usgw1",
    "us-gov-east-1": "usge1",
}
# Application/Network Load Balancer hosted zone ids per region (public AWS docs).
ELB_ZONES = {
    "us-east-1": "Z35SXDOTRQ7X7K",
    "us-east-2": "Z3AADJGX6KTTL2",
    "us-west-1": "Z368ELLRRE2KJ0",
    "us-west-2": "Z1H1FL5HABSF5",
    "eu-west-1": "Z32O12XQLNTSW2",
    "eu-west-2": "ZHURV8PSTC4K8",
    "eu-west-3": "Z3Q77PNBQS71R4",
    "eu-central-1": "Z215JYRZR1TBD5",
    "eu-north-1": "Z23TAZ7KEMFAWT",
    "ap-south-1": "ZP97RAFLXTNZK",
    "ap-northeast-1": "Z14GRHDCWA56QT",
    "ap-southeast-1": "Z1LMS91P8CMLE5",
    "ap-southeast-2": "Z1GM3OXH4ZPM65",
    "ca-central-1": "ZQSVJUPU6J1EY",
    "sa-east-1": "Z2P70J7HTTTPLU",
}
S3_ZONES = {
    "us-east-1": "Z3AQBSTGFYJSTF",
    "us-east-2": "Z2O1EMRO9K5GLX",
    "us-west-1": "Z2F56UZL2M1ACD",
    "us-west-2": "Z3BJ6K6RIION7M",
    "eu-west-1": "Z1BKCTXD74EZPE",
    "eu-west-2": "Z3GKZC51ZF0DB4",
    "eu-central-1": "Z21DNDUVLTQW6Q",
    "ap-southeast-1": "Z3O0J2DXBE1FTB",
}
CLOUDFRONT_ZONE = "Z2FDTNDATAQYW2"

# id prefixes per resource type (EC2 style ids).
ID_PREFIX = {
    "aws_vpc": "vpc",
    "aws_subnet": "subnet",
    "aws_internet_gateway": "igw",
    "aws_eip": "eipalloc",
    "aws_nat_gateway": "nat",
    "aws_route_table": "rtb",
    "aws_route_table_association": "rtbassoc",
    "aws_security_group": "sg",
    "aws_default_security_group": "sg",
    "aws_flow_log": "fl",
    "aws_vpc_endpoint": "vpce",
    "aws_launch_template": "lt",
    "aws_network_acl": "acl",
    "aws_default_network_acl": "acl",
    "aws_vpc_security_group_ingress_rule": "sgr",
    "aws_vpc_security_group_egress_rule": "sgr",
    "aws_ami": "ami",
    "aws_ec2_managed_prefix_list": "pl",
    "aws_route53_zone": "Z",
}
# Attribute name -> id prefix, for *_id attributes AWS computes.
ATTR_ID_PREFIX = {
    "default_security_group_id": "sg",
    "main_route_table_id": "rtb",
    "default_route_table_id": "rtb",
    "default_network_acl_id": "acl",
    "dhcp_options_id": "dopt",
    "network_interface_id": "eni",
    "allocation_id": "eipalloc",
    "association_id": "eipassoc",
    "ipv6_association_id": "vpc-cidr-assoc",
    "security_group_id": "sg",
    "vpc_id": "vpc",
    "subnet_id": "subnet",
    "route_table_id": "rtb",
    "security_group_rule_id": "sgr",
    "image_id": "ami",
    "prefix_list_id": "pl",
    "ipv6_cidr_block_association_id": "subnet-cidr-assoc",
    "instance_id": "i",
}
# Types whose id is one of their own arguments.
ID_FROM = {
    "aws_iam_role": "name",
    "aws_iam_instance_profile": "name",
    "aws_cloudwatch_log_group": "name",
    "aws_db_subnet_group": "name",
    "aws_db_parameter_group": "name",
    "aws_elasticache_subnet_group": "name",
    "aws_elasticache_parameter_group": "name",
    "aws_kms_alias": "name",
    "aws_s3_bucket": "bucket",
    "aws_autoscaling_group": "name",
    "aws_autoscaling_policy": "name",
    "aws_cloudwatch_metric_alarm": "alarm_name",
    "aws_ssm_parameter": "name",
    "aws_elasticache_replication_group": "replication_group_id",
    "aws_cloudwatch_dashboard": "dashboard_name",
    "aws_backup_vault": "name",
    "aws_elasticache_user": "user_id",
    "aws_elasticache_user_group": "user_group_id",
    "aws_db_event_subscription": "name",
    "aws_kms_key_policy": "key_id",
    "aws_s3_bucket_policy": "bucket",
    "aws_s3_bucket_public_access_block": "bucket",
    "aws_s3_bucket_ownership_controls": "bucket",
    "aws_s3_bucket_versioning": "bucket",
    "aws_s3_bucket_server_side_encryption_configuration": "bucket",
    "aws_s3_bucket_lifecycle_configuration": "bucket",
    "aws_s3_bucket_logging": "bucket",
    "aws_s3_bucket_notification": "bucket",
    "aws_sns_topic_policy": "arn",
    "aws_acm_certificate_validation": "certificate_arn",
    "aws_backup_vault_policy": "backup_vault_name",
    "aws_backup_vault_notifications": "backup_vault_name",
    "aws_backup_vault_lock_configuration": "backup_vault_name",
}
# Types whose id is their ARN.
ID_IS_ARN = {
    "aws_lb",
    "aws_lb_target_group",
    "aws_lb_listener",
    "aws_lb_listener_rule",
    "aws_sns_topic",
    "aws_sns_topic_subscription",
    "aws_secretsmanager_secret",
    "aws_iam_policy",
    "aws_acm_certificate",
    "aws_iam_openid_connect_provider",
}


# Types whose unset name AWS/the provider makes up (terraform-2025...).
NAMED = {
    "aws_iam_role",
    "aws_iam_policy",
    "aws_iam_instance_profile",
    "aws_lb",
    "aws_lb_target_group",
    "aws_security_group",
    "aws_launch_template",
    "aws_secretsmanager_secret",
    "aws_sns_topic",
    "aws_cloudwatch_log_group",
    "aws_db_subnet_group",
    "aws_db_parameter_group",
    "aws_autoscaling_group",
    "aws_kms_alias",
    "aws_default_security_group",
}


def partition_of(region: str) -> str:
    """The ARN partition of a region."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def dns_suffix(region: str) -> str:
    """The DNS suffix of a region's partition."""
    return "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"


def az_names(region: str) -> list[str]:
    """Availability zone names of a region."""
    return [region + c for c in AZ_LETTERS.get(region, "abc")]


def az_ids(region: str) -> list[str]:
    """Availability zone ids of a region (use1-az1, ...)."""
    prefix = AZ_ID_PREFIX.get(region, region.replace("-", "")[:6])
    return [f"{prefix}-az{i + 1}" for i in range(len(az_names(region)))]


def _plain(v: Any) -> Any:
    if v is UNKNOWN:
        return None
    if isinstance(v, Dyn):
        return _plain(v.value)
    if isinstance(v, list):
        return [_plain(x) for x in v]
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in sorted(v.items())}
    return v


_issued: set[str] = set()
_issued_lock = threading.Lock()


class Filler:
    """Makes up the values AWS would return for one object."""

    def __init__(
        self,
        tname: str,
        obj: dict[str, Any],
        prov: Any,
        salt: str = "",
        nested: bool = False,
        prior: Any = None,
    ) -> None:
        self.tname = tname
        self.prior = prior if isinstance(prior, dict) else {}
        self.nested = nested
        self.obj = obj
        self.prov = prov
        seed = json.dumps([tname, _plain(obj), salt, _plain(self.prior)], sort_keys=True, default=str)
        self.rng = random.Random(hashlib.sha256(seed.encode()).hexdigest())
        self.region = obj.get("region") if isinstance(obj.get("region"), str) else prov.region
        self.partition = partition_of(self.region)
        self.account = prov.account_id

    # -- small makers ---------------------------------------------------------------------------
    def hex(self, n: int) -> str:
        """n random lowercase hex digits."""
        return "".join(self.rng.choice("0123456789abcdef") for _ in range(n))

    def upper(self, n: int, alphabet: str = string.ascii_uppercase + string.digits) -> str:
        """n random characters of an alphabet."""
        return "".join(self.rng.choice(alphabet) for _ in range(n))

    def uuid(self) -> str:
        """A random (seeded) UUID."""
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def unique(self, make: Any) -> str:
        """make() until the value was not issued before in this process."""
        for _ in range(50):
            v = make()
            with _issued_lock:
                if v not in _issued:
                    _issued.add(v)
                    return v
        return v

    def arn(self, service: str, resource: str, region: bool = True, account: bool = True) -> str:
        """An ARN in this object's partition."""
        r = self.region if region else ""
        a = self.account if account else ""
        return f"arn:{self.partition}:{service}:{r}:{a}:{resource}"

    def get(self, name: str) -> Any:
        """A known argument of the object (None when unknown or unset)."""
        v = self.obj.get(name)
        return None if v is UNKNOWN else v

    def prefixed_name(self, prefix_attr: str = "name_prefix", fallback: str = "terraform-") -> str:
        """terraform's PrefixedUniqueId: prefix + 26 digits."""
        prefix = self.get(prefix_attr) or fallback
        return self.unique(lambda: prefix + "2025010100000000000000" + self.upper(4, string.digits))

    # -- the object's main identifiers ------------------------------------------------------------
    def ident(self) -> str:
        """The object's id (also the base of its ARN)."""
        v = self.get("id")
        if isinstance(v, str) and v:
            return v
        t = self.tname
        if t in ID_FROM and self.get(ID_FROM[t]):
            return str(self.get(ID_FROM[t]))
        if t in ID_IS_ARN:
            return self.value("arn", "string")
        if t in ID_PREFIX:
            return self.unique(lambda: f"{ID_PREFIX[t]}-0{self.hex(16)}")
        special = {
            "aws_db_instance": lambda: "db-" + self.upper(26, string.ascii_uppercase + string.digits),
            "aws_kms_key": self.uuid,
            "aws_kms_replica_key": self.uuid,
            "aws_cloudfront_distribution": lambda: "E" + self.upper(13),
            "aws_cloudfront_origin_access_control": lambda: "E" + self.upper(13),
            "aws_cloudfront_response_headers_policy": self.uuid,
            "aws_backup_plan": self.uuid,
            "aws_backup_selection": self.uuid,
            "aws_route": lambda: (
                f"r-{self.get('route_table_id') or 'rtb-0' + self.hex(16)}{self.upper(10, string.digits)}"
            ),
            "aws_iam_role_policy": lambda: f"{self.get('role')}:{self.get('name')}",
            "aws_iam_role_policy_attachment": lambda: f"{self.get('role')}-{self.upper(26, string.digits)}",
            "aws_budgets_budget": lambda: f"{self.account}:{self.get('name')}",
            "aws_secretsmanager_secret_version": lambda: (
                f"{self.get('secret_id')}|{self.value('version_id', 'string')}"
            ),
            "aws_wafv2_web_acl_association": lambda: f"{self.get('web_acl_arn')},{self.get('resource_arn')}",
            "aws_route53_record": lambda: f"{self.get('zone_id')}_{self.get('name')}_{self.get('type')}",
            "aws_security_group_rule": lambda: "sgrule-" + self.upper(10, string.digits),
            "random_password": lambda: "none",
        }
        if t in special:
            return self.unique(special[t])
        return self.unique(lambda: self.hex(20))

    def arn_for(self) -> str:
        """The ARN of the object, in the format of its type."""
        t, g = self.tname, self.get
        name = g("name") or g("bucket") or ""
        simple_ec2 = {
            "aws_vpc": "vpc",
            "aws_subnet": "subnet",
            "aws_internet_gateway": "internet-gateway",
            "aws_eip": "elastic-ip",
            "aws_nat_gateway": "natgateway",
            "aws_route_table": "route-table",
            "aws_security_group": "security-group",
            "aws_default_security_group": "security-group",
            "aws_flow_log": "vpc-flow-log",
            "aws_vpc_endpoint": "vpc-endpoint",
            "aws_launch_template": "launch-template",
            "aws_network_acl": "network-acl",
            "aws_default_network_acl": "network-acl",
            "aws_vpc_security_group_ingress_rule": "security-group-rule",
            "aws_vpc_security_group_egress_rule": "security-group-rule",
        }
        if t in simple_ec2:
            return self.arn("ec2", f"{simple_ec2[t]}/{self.ident()}")
        iam_path = g("path") or "/"
        iam = {
            "aws_iam_role": "role",
            "aws_iam_policy": "policy",
            "aws_iam_instance_profile": "instance-profile",
        }
        if t in iam:
            nm = g("name") or self.value("name", "string")
            return self.arn("iam", f"{iam[t]}{iam_path}{nm}", region=False)
        if t == "aws_iam_openid_connect_provider":
            url = str(g("url") or "oidc.example.com").removeprefix("https://")
            return self.arn("iam", f"oidc-provider/{url}", region=False)
        if t == "aws_cloudwatch_log_group":
            return self.arn("logs", f"log-group:{self.ident()}")
        if t in ("aws_kms_key", "aws_kms_replica_key"):
            return self.arn("kms", f"key/{self.ident()}")
        if t == "aws_kms_alias":
            return self.arn("kms", str(g("name") or "alias/" + self.hex(8)))
        if t in ("aws_lb", "aws_lb_target_group"):
            kind = {"network": "net", "gateway": "gwy"}.get(g("load_balancer_type") or "", "app")
            nm = g("name") or self.value("name", "string")
            path = f"loadbalancer/{kind}/{nm}" if t == "aws_lb" else f"targetgroup/{nm}"
            return self.arn("elasticloadbalancing", f"{path}/{self.hex(16)}")
        if t == "aws_lb_listener":
            lb = str(g("load_balancer_arn") or self.arn("elasticloadbalancing", "loadbalancer/app/x/0"))
            return lb.replace(":loadbalancer/", ":listener/") + "/" + self.hex(16)
        if t == "aws_lb_listener_rule":
            ls = str(g("listener_arn") or self.arn("elasticloadbalancing", "listener/app/x/0/0"))
            return ls.replace(":listener/", ":listener-rule/") + "/" + self.hex(16)
        if t == "aws_autoscaling_group":
            return self.arn("autoscaling", f"autoScalingGroup:{self.uuid()}:autoScalingGroupName/{name}")
        if t == "aws_autoscaling_policy":
            return self.arn(
                "autoscaling",
                f"scalingPolicy:{self.uuid()}:autoScalingGroupName/"
                f"{g('autoscaling_group_name')}:policyName/{name}",
            )
        rds = {
            "aws_db_instance": "db",
            "aws_db_subnet_group": "subgrp",
            "aws_db_parameter_group": "pg",
            "aws_db_event_subscription": "es",
        }
        if t in rds:
            nm = g("identifier") or name or self.value("identifier", "string")
            return self.arn("rds", f"{rds[t]}:{nm}")
        ec = {
            "aws_elasticache_replication_group": ("replicationgroup", "replication_group_id"),
            "aws_elasticache_subnet_group": ("subnetgroup", "name"),
            "aws_elasticache_parameter_group": ("parametergroup", "name"),
            "aws_elasticache_user": ("user", "user_id"),
            "aws_elasticache_user_group": ("usergroup", "user_group_id"),
        }
        if t in ec:
            return self.arn("elasticache", f"{ec[t][0]}:{g(ec[t][1])}")
        if t == "aws_secretsmanager_secret":
            nm = g("name") or self.value("name", "string")
            return self.arn("secretsmanager", f"secret:{nm}-{self.upper(6, string.ascii_letters)}")
        if t == "aws_secretsmanager_secret_version":
            return (
                str(g("secret_id"))
                if str(g("secret_id")).startswith("arn:")
                else self.arn(
                    "secretsmanager", f"secret:{g('secret_id')}-{self.upper(6, string.ascii_letters)}"
                )
            )
        if t.startswith("aws_s3_bucket"):
            return self.arn("s3", str(g("bucket") or self.ident()), region=False, account=False)
        cf = {
            "aws_cloudfront_distribution": "distribution",
            "aws_cloudfront_origin_access_control": "origin-access-control",
            "aws_cloudfront_response_headers_policy": "response-headers-policy",
        }
        if t in cf:
            return self.arn("cloudfront", f"{cf[t]}/{self.ident()}", region=False)
        if t == "aws_cloudwatch_metric_alarm":
            return self.arn("cloudwatch", f"alarm:{g('alarm_name')}")
        if t == "aws_cloudwatch_dashboard":
            return self.arn("cloudwatch", f"dashboard/{g('dashboard_name')}", region=False)
        if t == "aws_sns_topic":
            nm = g("name") or self.value("name", "string")
            return self.arn("sns", str(nm))
        if t == "aws_sns_topic_subscription":
            return f"{g('topic_arn')}:{self.uuid()}"
        if t == "aws_budgets_budget":
            return self.arn("budgets", f"budget/{name}", region=False)
        if t == "aws_ssm_parameter":
            return self.arn("ssm", f"parameter/{str(name).lstrip('/')}")
        if t == "aws_acm_certificate":
            return self.arn("acm", f"certificate/{self.uuid()}")
        if t == "aws_backup_vault":
            return self.arn("backup", f"backup-vault:{name}")
        if t == "aws_backup_plan":
            return self.arn("backup", f"backup-plan:{self.ident()}")
        if t == "aws_backup_restore_testing_plan":
            return self.arn("backup", f"restore-testing-plan:{name}-{self.uuid()}")
        if t == "aws_route53_zone":
            return self.arn("route53", f"hostedzone/{self.ident()}", region=False, account=False)
        service = t.removeprefix("aws_").split("_", 1)[0]
        kind = t.removeprefix("aws_").split("_", 1)[-1].replace("_", "-")
        return self.arn(service, f"{kind}/{self.ident()}")

    # -- any attribute --------------------------------------------------------------------------
    def value(self, name: str, ty: Any, computed_only: bool = True) -> Any:
        """A value for one unknown attribute of the object; the result is also stored on it."""
        v = MISSING if self.nested else self._special(name, ty)
        if v is MISSING:
            v = self._generic(name, ty, computed_only)
        if isinstance(v, str) and ty not in ("string", "dynamic"):
            v = (
                {"number": lambda s: float(s) if "." in s else int(s), "bool": lambda s: s == "true"}.get(
                    ty, lambda s: s
                )(v)
                if isinstance(ty, str)
                else v
            )
        if name in self.obj and self.obj.get(name) is UNKNOWN:
            self.obj[name] = v
        return v

    def _special(self, name: str, ty: Any) -> Any:
        t, g, r = self.tname, self.get, self.region
        dns = dns_suffix(r)
        if name == "id":
            return self.ident()
        if name == "arn":
            return self.arn_for()
        if name in ("owner_id", "owner", "account_id", "customer_aws_id", "instance_owner_id"):
            return self.account
        if name in ("region", "bucket_region"):
            return r
        if name == "name" and t in NAMED:
            if t == "aws_default_security_group":
                return "default"
            if t in ("aws_lb", "aws_lb_target_group"):
                return self.unique(lambda: (g("name_prefix") or "tf-") + self.hex(20))[:32]
            return self.prefixed_name()
        if name == "bucket" and t == "aws_s3_bucket":
            return self.prefixed_name("bucket_prefix")
        if name == "identifier" and t == "aws_db_instance":
            return self.prefixed_name("identifier_prefix", "terraform-")
        if name == "name_prefix" and t == "aws_default_security_group":
            return ""
        if name == "description" and t == "aws_default_security_group":
            return "default VPC security group"
        if name == "unique_id":
            return ("AROA" if t == "aws_iam_role" else "AIPA") + self.upper(17)
        if name == "policy_id":
            return "ANPA" + self.upper(17)
        if name in ("arn_suffix",) and t in ("aws_lb", "aws_lb_target_group"):
            arn = self.obj.get("arn") if self.obj.get("arn") is not UNKNOWN else None
            arn = arn or self.value("arn", "string")
            return str(arn).split(":", 5)[5].split("/", 1)[1] if t == "aws_lb" else str(arn).split(":", 5)[5]
        if t == "aws_lb":
            lb_name = g("name") or "tf-lb"
            if name == "dns_name":
                internal = "internal-" if g("internal") else ""
                return f"{internal}{lb_name}-{self.upper(10, string.digits)}.{r}.elb.{dns}"
            if name == "zone_id":
                return ELB_ZONES.get(r, "Z" + self.upper(13))
        if t == "aws_db_instance":
            engine = str(g("engine") or "postgres")
            port = g("port") or (3306 if "mysql" in engine or "maria" in engine else 5432)
            ident = g("identifier") or self.value("identifier", "string")
            address = f"{ident}.{self.upper(12, string.ascii_lowercase + string.digits)}.{r}.rds.{dns}"
            if name == "address":
                return address
            if name == "endpoint":
                addr = self.obj.get("address")
                addr = addr if isinstance(addr, str) else self.value("address", "string")
                return f"{addr}:{port}"
            if name == "port":
                return port
            if name == "engine_version_actual":
                return g("engine_version") or "16.4"
            if name == "resource_id":
                return self.ident()
            if name == "hosted_zone_id":
                return "Z" + self.upper(13)
            if name == "status":
                return "available"
            if name == "master_user_secret":
                kms = g("master_user_secret_kms_key_id") or self.arn("kms", f"key/{self.uuid()}")
                return [
                    {
                        "kms_key_id": kms,
                        "secret_status": "active",
                        "secret_arn": self.arn(
                            "secretsmanager",
                            f"secret:rds!db-{self.uuid()}-{self.upper(6, string.ascii_letters)}",
                        ),
                    }
                ]
            if name == "listener_endpoint":
                return []
            if name in ("replicas",):
                return []
        if t == "aws_elasticache_replication_group":
            rg = g("replication_group_id") or "rg"
            code = self.upper(6, string.ascii_lowercase + string.digits)
            short = r.replace("-", "")[:4] + r.rsplit("-", 1)[-1]
            if name == "primary_endpoint_address":
                return f"master.{rg}.{code}.{short}.cache.{dns}"
            if name == "reader_endpoint_address":
                return f"replica.{rg}.{code}.{short}.cache.{dns}"
            if name == "configuration_endpoint_address":
                return None
            if name == "member_clusters":
                n = g("num_cache_clusters") or 2
                return [f"{rg}-{i + 1:03d}" for i in range(int(n))]
            if name == "engine_version_actual":
                return str(g("engine_version") or "7.1") + ".0"
            if name == "cluster_enabled":
                return False
            if name == "port":
                return 6379
        if t == "aws_cloudfront_distribution":
            if name == "domain_name":
                return f"d{self.upper(13, string.ascii_lowercase + string.digits)}.cloudfront.net"
            if name == "hosted_zone_id":
                return CLOUDFRONT_ZONE
            if name == "status":
                return "Deployed"
            if name == "caller_reference":
                return f"terraform-{self.upper(26, string.digits)}"
            if name in ("trusted_key_groups", "trusted_signers"):
                return [{"enabled": False, "items": []}]
        if t == "aws_s3_bucket":
            b = g("bucket") or self.value("bucket", "string")
            if name == "bucket_domain_name":
                return f"{b}.s3.{dns}"
            if name == "bucket_regional_domain_name":
                return f"{b}.s3.{r}.{dns}"
            if name == "hosted_zone_id":
                return S3_ZONES.get(r, "Z" + self.upper(13))
            if name in ("website_domain", "website_endpoint"):
                return None
        if t == "aws_eip":
            if name == "public_ip":
                return f"203.0.113.{self.rng.randint(1, 254)}"
            if name == "public_dns":
                ip = self.obj.get("public_ip")
                ip = ip if isinstance(ip, str) else self.value("public_ip", "string")
                return f"ec2-{ip.replace('.', '-')}.{r}.compute.{dns}"
            if name == "allocation_id":
                return self.ident()
            if name in (
                "association_id",
                "carrier_ip",
                "customer_owned_ip",
                "private_dns",
                "private_ip",
                "ptr_record",
            ):
                return ""
            if name == "domain":
                return "vpc"
        if t == "aws_nat_gateway" and name == "public_ip":
            return f"203.0.113.{self.rng.randint(1, 254)}"
        if t == "aws_nat_gateway" and name == "private_ip":
            return f"10.0.{self.rng.randint(0, 255)}.{self.rng.randint(4, 254)}"
        if t == "aws_launch_template" and name in ("latest_version", "default_version"):
            return int(self.prior.get(name) or 0) + 1 if name == "latest_version" else 1
        if t == "aws_kms_key" and name == "key_id":
            return self.ident()
        if t == "aws_kms_alias" and name == "target_key_arn":
            k = g("target_key_id") or self.uuid()
            return k if str(k).startswith("arn:") else self.arn("kms", f"key/{k}")
        if t == "aws_secretsmanager_secret_version":
            if name == "version_id":
                return self.uuid()
            if name == "secret_arn":
                return self.arn_for()
            if name == "version_stages":
                return ["AWSCURRENT"]
            if name == "has_secret_string_wo":
                return g("secret_string_wo_version") is not None
        if t == "aws_route" and name in ("instance_id", "instance_owner_id", "network_interface_id"):
            return ""  # AWS fills these only for routes through an instance or an interface
        if t == "aws_route" and name == "state":
            return "active"
        if t == "aws_route" and name == "origin":
            return "CreateRoute"
        if t == "aws_sns_topic_subscription":
            if name == "pending_confirmation":
                return g("protocol") in ("email", "email-json", "http", "https")
            if name == "confirmation_was_authenticated":
                return False
        if t == "aws_vpc_endpoint":
            if name == "dns_entry":
                svc = str(g("service_name") or "com.amazonaws.x.s3").rsplit(".", 1)[-1]
                return [
                    {
                        "dns_name": f"vpce-{self.hex(17)}.{svc}.{r}.vpce.{dns}",
                        "hosted_zone_id": "Z" + self.upper(13),
                    }
                ]
            if name == "state":
                return "available"
            if name == "prefix_list_id":
                return "pl-" + self.hex(8) if g("vpc_endpoint_type") == "Gateway" else None
            if name == "requester_managed":
                return False
        if t == "aws_db_subnet_group" and name == "supported_network_types":
            return ["IPV4"]
        if t == "aws_iam_role" and name == "max_session_duration":
            return 3600
        if t == "aws_iam_policy" and name == "attachment_count":
            return 0
        if t == "aws_subnet" and name == "availability_zone":
            return az_names(r)[0]
        if t == "aws_route53_record" and name == "fqdn":
            return str(g("name") or "")
        if t == "aws_acm_certificate":
            if name == "status":
                return "ISSUED"
            if name == "domain_validation_options":
                dn = g("domain_name") or "example.com"
                names = [dn, *(g("subject_alternative_names") or [])]
                return [
                    {
                        "domain_name": n,
                        "resource_record_name": f"_{self.hex(32)}.{n}.",
                        "resource_record_type": "CNAME",
                        "resource_record_value": f"_{self.hex(32)}.acm-validations.aws.",
                    }
                    for n in dict.fromkeys(names)
                ]
        return MISSING

    def _generic(self, name: str, ty: Any, computed_only: bool) -> Any:
        if ty == "string":
            if not computed_only:
                known = self._optional_default(name)
                if known is not MISSING:
                    return known
            return self._string(name)
        if ty == "number":
            if name.endswith("port"):
                return 443
            if "version" in name:
                return 1
            return 0
        if ty == "bool":
            return False
        if ty == "dynamic":
            return None
        kind = ty[0]
        if kind in ("list", "set"):
            elem = ty[1]
            if computed_only and isinstance(elem, list) and elem[0] == "object":
                return [self.object(elem)]
            return []
        if kind == "map":
            return {}
        if kind == "object":
            return self.object(ty)
        return None

    def _optional_default(self, name: str) -> Any:
        """What AWS picks for an optional argument left unset (strings only)."""
        t, g, r = self.tname, self.get, self.region
        engine = str(g("engine") or "")
        if name == "availability_zone":
            return az_names(r)[0]
        if name.endswith("_prefix"):
            return ""
        if name in ("kms_key_id", "kms_key_arn", "kms_master_key_id") and t != "aws_kms_alias":
            return self.arn("kms", f"key/{self.uuid()}")
        if name == "engine_version":
            if t == "aws_db_instance":
                return {"mysql": "8.0.39", "mariadb": "10.11.9"}.get(engine, "16.4")
            return "7.1"
        if name in ("backup_window", "preferred_backup_window", "snapshot_window"):
            return "03:00-03:30"
        if name in ("maintenance_window", "preferred_maintenance_window"):
            return "sun:05:00-sun:05:30"
        if name == "db_subnet_group_name":
            return "default"
        if name == "parameter_group_name":
            if t == "aws_db_instance":
                return f"default.{engine or 'postgres'}{(g('engine_version') or '16').split('.')[0]}"
            return "default.redis7"
        if name == "ca_cert_identifier":
            return "rds-ca-rsa2048-g1"
        if name == "license_model":
            return "general-public-license" if "mysql" in engine else "postgresql-license"
        if name == "storage_type":
            return "gp3" if t == "aws_db_instance" else ""
        if name == "option_group_name":
            return f"default:{engine or 'postgres'}-16"
        if name == "network_type":
            return "IPV4"
        if name in ("ip_address_type",):
            return "ipv4"
        simple = {
            "mfa_delete": "Disabled",
            "http_protocol_ipv6": "disabled",
            "http_endpoint": "enabled",
            "http_tokens": "optional",
            "instance_metadata_tags": "disabled",
        }
        if name in simple:
            return simple[name]
        if name == "instance_tenancy":
            return "default"
        if name in ("description",):
            return "Managed by Terraform"
        return ""

    def object(self, ty: Any) -> dict[str, Any]:
        """An object of type ty with every attribute made up."""
        return {
            k: self._generic(k, t, True) if self._special(k, t) is MISSING else self._special(k, t)
            for k, t in ty[1].items()
        }

    def _string(self, name: str) -> str:
        if name.endswith("_arn") or name == "arn":
            base = name.removesuffix("_arn") or "resource"
            service = {
                "kms_key": "kms",
                "role": "iam",
                "target_key": "kms",
                "secret": "secretsmanager",
                "topic": "sns",
                "certificate": "acm",
                "backup_vault": "backup",
                "dashboard": "cloudwatch",
                "log_group": "logs",
            }.get(base, "ec2")
            res = {"kms_key": "key/", "target_key": "key/", "role": "role/"}.get(
                base, base.replace("_", "-") + "/"
            )
            tail = self.uuid() if service == "kms" else self.hex(17)
            return self.arn(service, res + tail, region=service != "iam")
        if name in ATTR_ID_PREFIX:
            return f"{ATTR_ID_PREFIX[name]}-0{self.hex(16)}"
        if (
            name.endswith("_date")
            or name.endswith("_time")
            or name in ("created_at", "not_after", "not_before", "created")
        ):
            return TIMESTAMP
        if name == "etag":
            return "E" + self.upper(13)
        if name in ("status", "state"):
            return "available"
        if name == "key_id":
            return self.uuid()
        if name.endswith("_id"):
            return self.hex(17)
        if name.endswith("dns_name") or name.endswith("domain_name"):
            kind = self.tname.removeprefix("aws_").replace("_", "-")
            return f"{kind}-{self.hex(8)}.{self.region}.{dns_suffix(self.region)}"
        if name in ("cidr_block",):
            return "10.0.0.0/16"
        if name in ("ipv6_cidr_block", "description", "policy", "ipv6_cidr_block_network_border_group"):
            return ""
        if name.endswith("version"):
            return "1"
        return f"twin-{self.hex(12)}"
