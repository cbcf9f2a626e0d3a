"""The rendered GitHub workflows' `run:` steps, run in order, locally, on the null-provider project.

Each job's steps are read from the rendered workflow and run with bash as a runner would (its
GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, RUNNER_TEMP, the step's env). What only GitHub has is
stood in for, and said so: `uses:` steps are not run (checkout is the copied project; the
artifact actions copy the listed files to a folder and back; configure-aws-credentials gets no
cloud: the null provider needs none), and `gh` is a small script on PATH that records the API
calls and answers with the comments posted so far (there is no GitHub here). terraform, tfgen,
checkov and the null provider are real.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from helpers import RUN_FIXTURE, render_inline

SPEC = """\
name: shop
region: eu-west-1
load_balancer:
  certificate_arn: arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-4b5a-6978
ci:
  repository: acme/shop
environments:
  dev:
    profile: low-power
  staging:
    profile: low-power
  prod:
    profile: high-power
"""

# A stand-in for the GitHub CLI: `gh api` over a JSON file of comments (no GitHub here).
FAKE_GH = r"""#!/usr/bin/env python3
import json, os, sys
store = os.environ["FAKE_GH_STORE"]
comments = json.load(open(store)) if os.path.exists(store) else []
args = sys.argv[1:]
with open(store + ".log", "a") as log:
    log.write(" ".join(a for a in args if not a.startswith("body=")) + "\n")
method = args[args.index("--method") + 1] if "--method" in args else "GET"
path = next(a for a in args[1:] if a.startswith("repos/"))
if method == "GET":
    import subprocess
    jq = args[args.index("--jq") + 1]
    found = subprocess.run(["jq", "-r", jq], input=json.dumps(comments), capture_output=True, text=True)
    print(found.stdout, end="")
    sys.exit(0)
body = open(next(a for a in args if a.startswith("body=@"))[6:]).read()
if method == "POST":
    comments.append({"id": len(comments) + 100, "user": {"login": "github-actions[bot]"}, "body": body})
else:
    cid = int(path.rsplit("/", 1)[1])
    next(c for c in comments if c["id"] == cid)["body"] = body
json.dump(comments, open(store, "w"))
"""


def workflow(tree: Path, name: str) -> dict:
    return yaml.safe_load((tree / ".github/workflows" / name).read_text())


class Runner:
    """Runs one job's steps like a GitHub runner, in `workdir`."""

    def __init__(self, base: Path, workdir: Path, env_name: str, artifacts: Path) -> None:
        self.workdir, self.artifacts = workdir, artifacts
        self.temp = base / f"runner-temp-{workdir.name}"
        self.temp.mkdir(exist_ok=True)
        self.summary = self.temp / "summary.md"
        self.bin = base / "bin"
        self.bin.mkdir(exist_ok=True)
        gh = self.bin / "gh"
        gh.write_text(FAKE_GH)
        gh.chmod(gh.stat().st_mode | stat.S_IXUSR)
        self.env = dict(
            os.environ,
            PATH=f"{self.bin}:{Path(sys.executable).parent}:{os.environ['PATH']}",
            CI="true",
            RUNNER_TEMP=str(self.temp),
            GITHUB_STEP_SUMMARY=str(self.summary),
            GITHUB_REPOSITORY="acme/shop",
            TFGEN_ENV=env_name,
            FAKE_GH_STORE=str(base / "comments.json"),
        )
        self.outputs: dict[str, dict[str, str]] = {}
        self.exit_codes: list[tuple[str, int]] = []

    def expand(self, text: str, matrix_env: str) -> str:
        values = {
            "matrix.env": matrix_env,
            "github.token": "fake-token",
            "github.event.pull_request.number": "7",
            "github.run_id": "1",
        }
        return re.sub(r"\$\{\{\s*([^}]+?)\s*\}\}", lambda m: values.get(m.group(1), m.group(0)), text)

    def run_job(self, job: dict, matrix_env: str, *, stop_on_failure: bool = True) -> None:
        for step in job["steps"]:
            uses = step.get("uses", "")
            if uses:
                self.stand_in(
                    uses.split("@")[0],
                    {k: self.expand(str(v), matrix_env) for k, v in step.get("with", {}).items()},
                )
                continue
            name = step["name"]
            if name == "Install tfgen":
                continue  # tfgen is installed in this venv already (the step is pip install)
            if "if" in step and not self.condition(step["if"]):
                continue
            output = self.temp / f"output-{len(self.exit_codes)}"
            output.write_text("")
            env = dict(self.env, GITHUB_OUTPUT=str(output))
            env.update({k: self.expand(str(v), matrix_env) for k, v in step.get("env", {}).items()})
            script = step["run"]
            assert "${{" not in script  # nothing GitHub substitutes into a script
            proc = subprocess.run(
                ["bash", "-e", "-c", script],
                cwd=self.workdir,
                env=env,
                capture_output=True,
                text=True,
                timeout=600,
            )
            self.exit_codes.append((name, proc.returncode))
            values = dict(line.split("=", 1) for line in output.read_text().splitlines() if "=" in line)
            if "id" in step:
                self.outputs[step["id"]] = values
            if proc.returncode != 0 and stop_on_failure:
                raise AssertionError(
                    f"step {name!r} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
                )

    def condition(self, expression: str) -> bool:
        match = re.fullmatch(r"steps\.(\w+)\.outputs\.(\w+) (==|!=) '([^']*)'", expression.strip())
        assert match, expression
        step, key, op, value = match.groups()
        actual = self.outputs.get(step, {}).get(key, "")
        return (actual == value) if op == "==" else (actual != value)

    def stand_in(self, action: str, inputs: dict[str, str]) -> None:
        if action == "actions/upload-artifact":
            target = self.artifacts / inputs["name"]
            for line in inputs["path"].split():
                source = self.workdir / line
                assert source.is_file(), f"artifact file missing: {line}"
                (target / line).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target / line)
        elif action == "actions/download-artifact":
            source = self.artifacts / inputs["name"]
            for file in source.rglob("*"):
                if file.is_file():
                    dest = self.workdir / inputs["path"] / file.name
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(file, dest)
        elif action == "github/codeql-action/upload-sarif":
            sarif = json.loads((self.workdir / inputs["sarif_file"]).read_text())
            assert sarif["version"] == "2.1.0"
        # checkout, setup-python, setup-terraform, cache, configure-aws-credentials: nothing here


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return render_inline(tmp_path_factory.mktemp("workflows"), SPEC)


def checkout(base: Path, name: str) -> Path:
    """A runner's checkout: the null-provider project, with the roles file bootstrap writes."""
    root = base / name
    shutil.copytree(RUN_FIXTURE, root)
    (root / ".tfgen").mkdir(exist_ok=True)
    roles = {
        env: {
            "plan_role_arn": f"arn:aws:iam::123456789012:role/tfgen-shop-{env}-plan",
            "apply_role_arn": f"arn:aws:iam::123456789012:role/tfgen-shop-{env}-apply",
        }
        for env in ("dev", "staging", "prod")
    }
    (root / ".tfgen/ci-roles.json").write_text(json.dumps(roles))
    return root


def test_pull_request_plan_posts_one_comment_per_env_and_keeps_the_plan(
    tree: Path, tmp_path: Path, provider_mirror: Path, checkov: Path
) -> None:
    job = workflow(tree, "tfgen-plan.yml")["jobs"]["plan"]
    artifacts = tmp_path / "artifacts"
    for push in (1, 2):  # two pushes to the pull request: the comment is updated, not repeated
        for env in ("dev", "prod"):
            runner = Runner(tmp_path, checkout(tmp_path, f"push{push}-{env}"), env, artifacts)
            runner.run_job(job, env)
            assert runner.outputs["role"] == {"arn": f"arn:aws:iam::123456789012:role/tfgen-shop-{env}-plan"}
            assert runner.outputs["plan"] == {"exitcode": "2"}
            summary = runner.summary.read_text()
            assert "create" in summary.lower() and env in summary
            assert (artifacts / f"tfgen-plan-{env}/envs/{env}/.tfgen/{env}.tfplan").is_file()
    comments = json.loads((tmp_path / "comments.json").read_text())
    assert [c["body"].splitlines()[0] for c in comments] == [
        "<!-- tfgen-plan:dev -->",
        "<!-- tfgen-plan:prod -->",
    ]
    calls = (tmp_path / "comments.json.log").read_text().splitlines()
    methods = [c.split()[2] if "--method" in c else "GET" for c in calls]
    assert methods == ["GET", "POST", "GET", "POST", "GET", "PATCH", "GET", "PATCH"]
    assert comments[0]["body"].split("\n", 1)[1] == (tmp_path / "runner-temp-push2-dev/plan.md").read_text()

    # The scan job on the rendered AWS project itself (no provider needed to scan it).
    scan = workflow(tree, "tfgen-plan.yml")["jobs"]["scan"]
    shutil.copytree(tree, tmp_path / "scan")
    runner = Runner(tmp_path, tmp_path / "scan", "dev", artifacts)
    runner.run_job(scan, "dev")
    assert runner.outputs["scan"] == {"exitcode": "0"}
    assert ("Fail on findings", 0) not in runner.exit_codes  # skipped: nothing found
    sarif = json.loads((tmp_path / "scan/tfgen.sarif").read_text())
    results = sarif["runs"][0]["results"]
    assert sarif["version"] == "2.1.0" and results  # the skips, each with its reason
    assert [r["ruleId"] for r in results if not r.get("suppressions")] == []  # nothing failed
    assert all(s["justification"].strip() for r in results for s in r["suppressions"])


def test_push_applies_the_plan_shown_in_the_run_then_drift_is_clean(
    tree: Path, tmp_path: Path, provider_mirror: Path
) -> None:
    jobs = workflow(tree, "tfgen-apply.yml")["jobs"]
    artifacts = tmp_path / "artifacts"
    planner = Runner(tmp_path, checkout(tmp_path, "plan-runner"), "dev", artifacts)
    planner.run_job(jobs["plan-dev"], "dev")
    assert planner.outputs["plan"] == {"changes": "true"}
    shown = planner.summary.read_text()
    # A fresh runner: a new checkout, the plan artifact, the apply role.
    applier = Runner(tmp_path, checkout(tmp_path, "apply-runner"), "dev", artifacts)
    applier.run_job(jobs["apply-dev"], "dev")
    assert applier.outputs["role"] == {"arn": "arn:aws:iam::123456789012:role/tfgen-shop-dev-apply"}
    assert applier.exit_codes[-1] == ("Apply that saved plan", 0)
    state = json.loads((tmp_path / "apply-runner/envs/dev/terraform.tfstate").read_text())
    assert {r["type"] for r in state["resources"]} >= {"null_resource"}
    assert not (tmp_path / "apply-runner/envs/dev/.tfgen/dev.tfplan").exists()  # used up
    assert "dev" in shown

    drift = workflow(tree, "tfgen-drift.yml")["jobs"]["drift"]
    runner = Runner(tmp_path, tmp_path / "apply-runner", "dev", artifacts)
    runner.run_job(drift, "dev")
    assert runner.exit_codes[-1] == ("Drift (exit 0 none, 2 drift, 1 error)", 0)
    assert "No drift: every object matches the state." in runner.summary.read_text()


def test_a_plan_that_fails_fails_the_step(tree: Path, tmp_path: Path, provider_mirror: Path) -> None:
    job = workflow(tree, "tfgen-plan.yml")["jobs"]["plan"]
    root = checkout(tmp_path, "broken")
    (root / "envs/dev/main.tf").write_text('module "app" {\n')
    runner = Runner(tmp_path, root, "dev", tmp_path / "artifacts")
    with pytest.raises(AssertionError, match="step 'Plan' failed"):
        runner.run_job(job, "dev")
    assert runner.outputs["plan"] == {"exitcode": "1"}
    assert not (tmp_path / "comments.json").exists()
