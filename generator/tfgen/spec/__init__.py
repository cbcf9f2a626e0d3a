"""The app spec: what a user writes, validated and resolved per environment.

- `yaml_lines`: YAML with the line of every key;
- `fields`, `sections`: the section models (one per part of the app);
- `profiles`: what each profile decides, and the merge defaults < base < profile < environment;
- `checks`: cross-field checks, one function per tier, and the search for literal secrets;
- `problems`: every problem with its spec path and line;
- `load`: `load_spec(path) -> AppSpec`, and the spec file's JSON Schema.
"""

from __future__ import annotations

from .fields import Section
from .load import json_schema, load_spec, resolve, resolve_with_profile, spec_file_model
from .model import AppSpec, Environment, default_subnet_prefix
from .profiles import PROFILE_KEYS, PROFILES, SHARED_KEYS
from .sections import (
    AppTier,
    Backup,
    Cache,
    Cdn,
    Database,
    LoadBalancer,
    Monitoring,
    Network,
    State,
    Static,
    Usage,
)

__all__ = [
    "PROFILES",
    "PROFILE_KEYS",
    "SHARED_KEYS",
    "AppSpec",
    "AppTier",
    "Backup",
    "Cache",
    "Cdn",
    "Database",
    "Environment",
    "LoadBalancer",
    "Monitoring",
    "Network",
    "Section",
    "State",
    "Static",
    "Usage",
    "default_subnet_prefix",
    "json_schema",
    "load_spec",
    "resolve",
    "resolve_with_profile",
    "spec_file_model",
]
