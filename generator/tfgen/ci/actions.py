"""The third-party actions the rendered GitHub workflows use, each pinned by full commit SHA.

A tag can be moved; a commit cannot. Each pin is the commit its release tag points to, read
from the action's own repository (`git rev-parse <tag>^{commit}` on a mirror of it); the
version goes into a comment next to the SHA so a reader (and Dependabot/Renovate) knows
what it is. Update a pin here, never in a rendered file.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Action:
    repo: str
    version: str
    sha: str

    def uses(self, path: str = "") -> str:
        """The `uses:` value with its version comment, e.g. `actions/checkout@<sha> # v7.0.1`."""
        return f"{self.repo}{path}@{self.sha} # {self.version}"


# Keyed by the repository's name: "checkout" is actions/checkout.
ACTIONS = {
    repo.split("/")[1]: Action(repo, version, sha)
    for repo, version, sha in (
        ("actions/checkout", "v7.0.1", "3d3c42e5aac5ba805825da76410c181273ba90b1"),
        ("actions/setup-python", "v7.0.0", "5fda3b95a4ea91299a34e894583c3862153e4b97"),
        ("actions/cache", "v5.0.5", "27d5ce7f107fe9357f9df03efb73ab90386fccae"),
        ("actions/upload-artifact", "v7.0.0", "bbbca2ddaa5d8feaa63e36b76fdaad77386f024f"),
        ("actions/download-artifact", "v8.0.1", "3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c"),
        ("hashicorp/setup-terraform", "v4.0.1", "dfe3c3f87815947d99a8997f908cb6525fc44e9e"),
        ("aws-actions/configure-aws-credentials", "v6.2.3", "e6de054238d6b7531b4efff3b6587d9aade6a06c"),
        ("github/codeql-action", "v4.36.2", "8aad20d150bbac5944a9f9d289da16a4b0d87c1e"),
    )
}
