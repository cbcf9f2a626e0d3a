"""Names AWS constrains: S3 bucket names, RDS master user names, and tfgen's own name rules."""

from __future__ import annotations

import ipaddress
import re


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# SQL words PostgreSQL and MySQL reserve (RDS refuses them as master user names), plus the
# names RDS keeps for itself.
_SQL_RESERVED = _words("""
all analyse analyze and any array as asc asymmetric authorization between binary both case cast
check collate column constraint create cross current_catalog current_date current_role
current_time current_timestamp current_user default deferrable delete desc distinct do drop else
end except false fetch for foreign freeze from full grant group having ilike in initially inner
insert intersect into is isnull join lateral leading left like limit localtime localtimestamp
natural not notnull null offset on only or order outer overlaps placing primary references
returning right select session_user similar some symmetric table tablesample then to trailing
true union unique update user using variadic verbose when where window with
""")
_MYSQL_RESERVED = _words("""
accessible add alter before bigint blob by call cascade change char character condition continue
convert cursor database databases day_hour dec decimal declare delayed describe deterministic
div double dual each elseif enclosed escaped exists exit explain float force generated get
high_priority hour_minute if ignore index infile inout insensitive int integer interval iterate
key keys kill leave linear lines load lock long loop low_priority match mediumint minute_second
mod modifies no_write_to_binlog numeric optimize option optionally out outfile partition
precision procedure purge range read reads real regexp release rename repeat replace require
resignal restrict return revoke rlike schema schemas second_microsecond sensitive separator set
show signal smallint spatial specific sql sqlexception sqlstate sqlwarning ssl starting stored
straight_join terminated tinyint trigger undo unlock unsigned usage use utc_date utc_time
utc_timestamp values varchar varying virtual while write xor year_month zerofill
""")
_RDS_NAMES = frozenset(
    {"rdsadmin", "rdsrepladmin", "rds_superuser", "rdstopmgr", "mysql.sys", "postgres", "root"}
)


def reserved_usernames(engine: str) -> frozenset[str]:
    """Names RDS refuses as the master user of `engine`."""
    extra = _MYSQL_RESERVED if engine == "mysql" else frozenset()
    return _SQL_RESERVED | extra | _RDS_NAMES


def bucket_name_problem(name: str) -> str:
    """What breaks S3's naming rules in `name`, or "" when it is a valid bucket name."""
    if not 3 <= len(name) <= 63:
        return f"is {len(name)} characters; S3 bucket names are 3 to 63"
    if not re.fullmatch(r"[a-z0-9.-]+", name):
        return "S3 bucket names use only lowercase letters, digits, dots and dashes"
    if not (name[0].isalnum() and name[-1].isalnum()):
        return "S3 bucket names begin and end with a letter or digit"
    if ".." in name or ".-" in name or "-." in name:
        return "S3 bucket names have no two dots in a row, and no dot next to a dash"
    try:
        ipaddress.IPv4Address(name)
        return "S3 bucket names cannot look like an IP address"
    except ValueError:
        pass
    for prefix in ("xn--", "sthree-", "amzn-s3-demo-"):
        if name.startswith(prefix):
            return f"S3 reserves the prefix {prefix}"
    for suffix in ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"):
        if name.endswith(suffix):
            return f"S3 reserves the suffix {suffix}"
    return ""


def env_name_problem(name: str) -> str:
    """Why `name` is not an environment name (1-12 lowercase letters or digits, a letter first)."""
    if re.search(r"[A-Z]", name):
        return "has uppercase letters"
    bad = sorted({ch for ch in name if not re.match(r"[a-z0-9]", ch)})
    if bad:
        return f"has {', '.join(repr(ch) for ch in bad)}"
    if not name[:1].isalpha():
        return "must start with a letter"
    return f"is {len(name)} characters long"


def name_problem(name: str, what: str = "app names") -> str:
    """Why `name` is not a safe tfgen name (lowercase letters, digits, single dashes)."""
    if re.search(r"[A-Z]", name):
        return "has uppercase letters"
    if not re.fullmatch(r"[a-z0-9-]*", name):
        bad = sorted({ch for ch in name if not re.match(r"[a-z0-9-]", ch)})
        return f"has {', '.join(repr(ch) for ch in bad)}: {what} use lowercase letters, digits, dashes"
    if name[:1].isdigit() or name[:1] == "-":
        return "must start with a letter"
    if "--" in name:
        return "has two dashes in a row (RDS refuses them)"
    if name.endswith("-"):
        return "ends with a dash"
    return ""
