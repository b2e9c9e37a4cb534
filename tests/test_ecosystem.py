"""The GitOps ecosystem files: CI recipes, the composite action, pre-commit hooks, README recipes.

These files are never run by our own CI, so this module is their only guard. Each is parsed,
validated against SchemaStore's schemas (vendored by check-jsonschema, so offline), checked for
the behaviour users rely on (plan as markdown on pull requests, apply with the key and state
from secrets, nothing echoing the key), and where possible *executed*: the shell steps run with
the real `reconciler` against the sandbox on 127.0.0.1, the GitLab note script talks to a fake
GitLab API on 127.0.0.1, and the github-script comment code runs under node with a fake client.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.resources import files
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs

import jsonschema
import pytest
from helpers import API_KEY
from pg_server import database_of_its_own
from ruamel.yaml import YAML

from reconciler.sandbox import Sandbox

ROOT = Path(__file__).resolve().parent.parent
CI = ROOT / "examples" / "ci"
GITHUB_DRIFT = CI / "github-actions-drift.yml"
GITHUB_WORKFLOWS = [CI / "github-actions.yml", CI / "github-actions-run.yml", GITHUB_DRIFT]
ACTION = ROOT / "action.yml"
GITLAB = CI / "gitlab-ci.yml"
GITLAB_DRIFT = CI / "gitlab-ci-drift.yml"
HOOKS = ROOT / ".pre-commit-hooks.yaml"
README = ROOT / "README.md"
EXAMPLES = sorted((ROOT / "examples" / "schedules").glob("*.yaml"))
BIN = Path(sys.executable).parent
MARKER = "<!-- testsigma-reconciler-plan -->"
SECRET_KEY = "${{ secrets.TESTSIGMA_API_KEY }}"
SECRET_STATE = "${{ secrets.RECONCILER_STATE_URL }}"
BAD_YAML = "version: 1\nschedules:\n  - name: x\n    executionId: 1\n    scheduleTyp: DAILY\n"


def load(path: Path) -> Any:
    return YAML(typ="safe").load(path.read_text(encoding="utf-8"))


def schema_errors(doc: Any, schema_name: str) -> list[str]:
    """Problems of `doc` against the SchemaStore schema that check-jsonschema vendors."""
    vendor = files("check_jsonschema.builtin_schemas.vendor")
    schema = json.loads((vendor / f"{schema_name}.json").read_text(encoding="utf-8"))
    validator = jsonschema.validators.validator_for(schema)(schema)
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(doc)]


def github_steps(doc: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    if "runs" in doc:  # an action
        for step in doc["runs"]["steps"]:
            yield "action", step
        return
    for job_name, job in doc["jobs"].items():
        for step in job["steps"]:
            yield job_name, step


def github_scripts(doc: Any) -> list[str]:
    return [step["run"] for _, step in github_steps(doc) if "run" in step]


def gitlab_scripts(doc: Any) -> list[str]:
    return [
        "\n".join(job[key])
        for job in doc.values()
        if isinstance(job, dict)
        for key in ("before_script", "script", "after_script")
        if key in job
    ]


def step_using(doc: Any, command: str) -> tuple[str, dict[str, Any]]:
    (found,) = [
        (job, step)
        for job, step in github_steps(doc)
        if "testsigma-reconciler@" in step.get("uses", "")
        and step.get("with", {}).get("command") == command
    ]
    return found


def shell_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """A clean environment: the real `reconciler` and `python` first, no inherited secrets."""
    return {
        "PATH": f"{BIN}{os.pathsep}/usr/local/bin{os.pathsep}/usr/bin{os.pathsep}/bin",
        "HOME": str(tmp_path),
        "NO_COLOR": "1",
        "RECONCILER_STATE": f"sqlite:///{tmp_path / 'state.db'}",
        **extra,
    }


def bash(script: str, *, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", script],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def github_output(path: Path) -> dict[str, str]:
    """Parse a $GITHUB_OUTPUT file (name=value lines and name<<DELIMITER blocks)."""
    out: dict[str, str] = {}
    lines = iter(path.read_text(encoding="utf-8").splitlines())
    for line in lines:
        name, sep, value = line.partition("<<")
        if sep and "=" not in name:
            block = []
            for body in lines:
                if body == value:
                    break
                block.append(body)
            out[name] = "\n".join(block)
        else:
            key, _, val = line.partition("=")
            out[key] = val
    return out


# --- every file parses and matches its schema ------------------------------------------


@pytest.mark.parametrize(
    "path", [*GITHUB_WORKFLOWS, ACTION, GITLAB, GITLAB_DRIFT, HOOKS], ids=lambda p: p.name
)
def test_every_file_is_yaml_with_content(path: Path) -> None:
    assert load(path), f"{path} is empty"


@pytest.mark.parametrize("path", GITHUB_WORKFLOWS, ids=lambda p: p.name)
def test_github_workflows_match_the_workflow_schema(path: Path) -> None:
    doc = load(path)
    assert schema_errors(doc, "github-workflows") == []
    for job_name, job in doc["jobs"].items():
        assert "timeout-minutes" in job, f"job {job_name} has no timeout"


def test_action_matches_the_action_schema() -> None:
    doc = load(ACTION)
    assert schema_errors(doc, "github-actions") == []
    assert doc["runs"]["using"] == "composite"
    assert set(doc["inputs"]) == {"command", "paths", "args", "python-version", "version"}
    assert doc["inputs"]["paths"]["default"] == "testsigma/"
    assert doc["inputs"]["python-version"]["default"] == "3.11"
    assert set(doc["outputs"]) == {"exitcode", "plan"}


def test_gitlab_ci_matches_the_gitlab_schema() -> None:
    assert schema_errors(load(GITLAB), "gitlab-ci") == []
    assert schema_errors(load(GITLAB_DRIFT), "gitlab-ci") == []


# --- the behaviour users rely on ------------------------------------------------------


def test_pull_requests_get_a_markdown_plan_comment() -> None:
    doc = load(CI / "github-actions.yml")
    assert doc["permissions"] == {"contents": "read"}
    job_name, step = step_using(doc, "plan")
    job = doc["jobs"][job_name]
    assert "pull_request" in job["if"]
    assert job["permissions"] == {"contents": "read", "pull-requests": "write"}
    assert "--format markdown" in step["with"]["args"]
    assert step["env"] == {"TESTSIGMA_API_KEY": SECRET_KEY, "RECONCILER_STATE": SECRET_STATE}
    (script,) = [s["with"]["script"] for s in job["steps"] if "github-script" in s.get("uses", "")]
    assert MARKER in script and "updateComment" in script and "createComment" in script


def test_main_applies_with_key_and_state_from_secrets_one_at_a_time() -> None:
    doc = load(CI / "github-actions.yml")
    assert doc["on"]["push"]["branches"] == ["main"]
    job_name, step = step_using(doc, "apply")
    job = doc["jobs"][job_name]
    assert "refs/heads/main" in job["if"] and "pull_request" in job["if"]
    assert "--auto-approve" in shlex.split(step["with"]["args"])
    assert step["env"] == {"TESTSIGMA_API_KEY": SECRET_KEY, "RECONCILER_STATE": SECRET_STATE}
    assert job["concurrency"]["cancel-in-progress"] is False
    assert "OWNER" in step["uses"] and "replace OWNER" in (CI / "github-actions.yml").read_text()


def test_merges_trigger_the_smoke_run_and_keep_its_junit_report() -> None:
    doc = load(CI / "github-actions-run.yml")
    assert doc["on"]["push"]["branches"] == ["main"]
    job_name, step = step_using(doc, "run")
    args = shlex.split(step["with"]["args"])
    assert args[0] == "smoke-on-merge" and "--wait" in args
    assert args[args.index("--junit") + 1] == "junit.xml"
    (upload,) = [
        s for s in doc["jobs"][job_name]["steps"] if "upload-artifact" in s.get("uses", "")
    ]
    assert upload["if"] == "always()" and upload["with"]["path"] == "junit.xml"


def test_gitlab_plans_merge_requests_and_applies_the_default_branch_alone() -> None:
    doc = load(GITLAB)
    assert doc["variables"]["RECONCILER_STATE"] == "$RECONCILER_STATE_URL"
    plan, apply, run = doc["plan"], doc["apply"], doc["smoke-on-merge"]
    assert plan["rules"][0]["if"] == '$CI_PIPELINE_SOURCE == "merge_request_event"'
    plan_script = "\n".join(plan["script"])
    assert "--format markdown --detailed-exitcode" in plan_script
    assert "PRIVATE-TOKEN: $GITLAB_TOKEN" in plan_script and MARKER in plan_script
    assert all("$CI_DEFAULT_BRANCH" in rule["if"] for rule in apply["rules"])
    assert apply["resource_group"]
    assert "reconciler apply $RECONCILER_PATHS --auto-approve" in "\n".join(apply["script"])
    assert "--junit junit.xml" in "\n".join(run["script"])
    assert run["artifacts"]["reports"]["junit"] == "junit.xml"
    assert run["artifacts"]["when"] == "always"


def all_scripts() -> list[tuple[str, str]]:
    scripts = [(p.name, s) for p in [*GITHUB_WORKFLOWS, ACTION] for s in github_scripts(load(p))]
    return scripts + [
        (path.name, s) for path in (GITLAB, GITLAB_DRIFT) for s in gitlab_scripts(load(path))
    ]


@pytest.mark.parametrize(("name", "script"), all_scripts(), ids=lambda v: str(v)[:40])
def test_scripts_are_valid_bash_that_never_shows_the_key(name: str, script: str) -> None:
    result = subprocess.run(["bash", "-n", "-c", script], capture_output=True, text=True)
    assert result.returncode == 0, f"{name}: {result.stderr}"
    assert "${{" not in script, f"{name}: expressions go through env, never into shell code"
    assert not re.search(r"set -[a-z]*x|set -o xtrace", script), f"{name} traces commands"
    for line in script.splitlines():
        assert "TESTSIGMA_API_KEY" not in line, f"{name} handles the key itself: {line}"


def test_the_key_only_ever_travels_in_env() -> None:
    for path in [*GITHUB_WORKFLOWS, ACTION]:
        for _, step in github_steps(load(path)):
            for key, value in step.get("with", {}).items():
                assert "TESTSIGMA_API_KEY" not in str(value), f"{path.name}: input {key}"


# --- the shell steps, run for real ------------------------------------------------------


def action_step(tmp_path: Path, *, command: str, paths: str, args: str, **env: str) -> Any:
    (step,) = [s for s in load(ACTION)["runs"]["steps"] if s.get("id") == "reconciler"]
    output = tmp_path / "github_output"
    output.write_text("")
    result = bash(
        step["run"],
        env=shell_env(
            tmp_path,
            GITHUB_OUTPUT=str(output),
            RECONCILER_COMMAND=command,
            RECONCILER_PATHS=paths,
            RECONCILER_ARGS=args,
            **env,
        ),
        cwd=tmp_path,
    )
    assert API_KEY not in result.stdout + result.stderr + output.read_text()
    return result, github_output(output)


def test_action_plans_applies_and_runs_against_the_sandbox(
    tmp_path: Path, sandbox: Sandbox
) -> None:
    live = {"TESTSIGMA_API_URL": sandbox.url, "TESTSIGMA_API_KEY": API_KEY}
    folder = str(ROOT / "examples" / "schedules")

    result, out = action_step(
        tmp_path, command="plan", paths=folder, args="--format markdown", **live
    )
    assert result.returncode == 0, result.stderr  # exit 2 (changes) is not a failure
    assert out["exitcode"] == "2"
    assert out["plan"].startswith("### testsigma-reconciler plan")
    assert "` checkout-nightly `" in out["plan"]

    result, out = action_step(
        tmp_path, command="apply", paths=folder, args="--auto-approve", **live
    )
    assert (result.returncode, out["exitcode"]) == (0, "0"), result.stderr
    assert "plan" not in out

    result, out = action_step(
        tmp_path, command="plan", paths=folder, args="--format markdown", **live
    )
    assert (result.returncode, out["exitcode"]) == (0, "0"), result.stderr
    assert "No changes" in out["plan"]

    args = "smoke-on-merge --wait --poll-interval 0.01 --junit junit.xml"
    result, out = action_step(tmp_path, command="run", paths=folder, args=args, **live)
    assert (result.returncode, out["exitcode"]) == (0, "0"), result.stderr
    assert "<testsuite" in (tmp_path / "junit.xml").read_text()


def test_action_keeps_quoted_args_together_and_fails_on_errors(tmp_path: Path) -> None:
    folder = str(ROOT / "examples" / "schedules")
    result, out = action_step(
        tmp_path, command="plan", paths=folder, args="--target 'checkout-nightly'"
    )
    assert result.returncode == 0 and out["exitcode"] == "2", result.stderr
    assert "checkout-nightly" in out["plan"] and "checkout-weekly-full" not in out["plan"]

    # A typo in `args:` is a usage error: exit 1, a red step, never "changes pending" (2).
    result, out = action_step(tmp_path, command="plan", paths=folder, args="--formt markdown")
    assert (result.returncode, out["exitcode"]) == (1, "1"), result.stderr
    assert "No such option: --formt" in result.stderr

    bad = tmp_path / "bad dir" / "bad.yaml"
    bad.parent.mkdir()
    bad.write_text(BAD_YAML)
    result, out = action_step(tmp_path, command="validate", paths=shlex.quote(str(bad)), args="")
    assert (result.returncode, out["exitcode"]) == (1, "1")
    assert "bad.yaml:5:5" in result.stderr

    result, out = action_step(tmp_path, command="destroy", paths=folder, args="")
    assert result.returncode == 1 and "::error::" in result.stdout and out == {}


class FakeGitLab(BaseHTTPRequestHandler):
    """The merge-request notes endpoints of the GitLab API, enough for the plan job."""

    notes: ClassVar[list[dict[str, Any]]]
    calls: ClassVar[list[tuple[str, str, str | None]]]

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _reply(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _form(self) -> str:
        raw = self.rfile.read(int(self.headers["Content-Length"])).decode()
        return parse_qs(raw)["body"][0]

    def _handle(self) -> None:
        self.calls.append((self.command, self.path, self.headers.get("PRIVATE-TOKEN")))
        if self.headers.get("PRIVATE-TOKEN") != "glpat-test":
            return self._reply(401, {"message": "401 Unauthorized"})
        base = "/api/v4/projects/42/merge_requests/7/notes"
        if self.command == "GET" and self.path.startswith(base + "?"):
            return self._reply(200, self.notes)
        if self.command == "POST" and self.path == base:
            self.notes.append({"id": 100 + len(self.notes), "body": self._form()})
            return self._reply(201, self.notes[-1])
        for note in self.notes:
            if self.command == "PUT" and self.path == f"{base}/{note['id']}":
                note["body"] = self._form()
                return self._reply(200, note)
        return self._reply(404, {"message": "404 Not found"})

    do_GET = do_POST = do_PUT = _handle


def test_gitlab_plan_job_posts_one_note_then_updates_it(tmp_path: Path) -> None:
    if shutil.which("curl") is None:
        pytest.fail("curl is needed to run the GitLab recipe: apt-get install -y curl")

    class Api(FakeGitLab):
        notes: ClassVar[list[dict[str, Any]]] = [{"id": 1, "body": "LGTM"}]  # a reviewer's
        calls: ClassVar[list[tuple[str, str, str | None]]] = []

    handler = Api
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    script = "\n".join(load(GITLAB)["plan"]["script"])
    env = shell_env(
        tmp_path,
        RECONCILER_PATHS=str(ROOT / "examples" / "schedules"),
        CI_API_V4_URL=f"http://127.0.0.1:{server.server_address[1]}/api/v4",
        CI_PROJECT_ID="42",
        CI_MERGE_REQUEST_IID="7",
        CI_COMMIT_SHORT_SHA="abc1234",
        GITLAB_TOKEN="glpat-test",
    )
    try:
        first = bash(script, env=env, cwd=tmp_path)
        second = bash(script, env=env, cwd=tmp_path)
    finally:
        server.shutdown()
        server.server_close()
    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    assert [c[0] for c in handler.calls] == ["GET", "POST", "GET", "PUT"]
    assert handler.calls[-1][1].endswith("/notes/101")
    assert "glpat-test" not in first.stdout + first.stderr + second.stdout + second.stderr
    ours = [n for n in handler.notes if MARKER in n["body"]]
    assert len(ours) == 1 and len(handler.notes) == 2
    assert "` checkout-nightly `" in ours[0]["body"] and "Changes pending" in ours[0]["body"]


NODE_HARNESS = """
const calls = [];
const existing = JSON.parse(process.env.EXISTING);
const github = {
  paginate: async (fn, params) => { calls.push(['list', params.issue_number]); return existing; },
  rest: { issues: {
    listComments: 'listComments',
    updateComment: async (p) => { calls.push(['update', p.comment_id, p.body]); },
    createComment: async (p) => { calls.push(['create', p.issue_number, p.body]); },
  } },
};
const context = { repo: { owner: 'o', repo: 'r' }, issue: { number: 7 },
  payload: { pull_request: { head: { sha: 'abcdef0123456789' } } } };
(async () => { SCRIPT })().then(() => console.log(JSON.stringify(calls)));
"""


@pytest.mark.parametrize(
    ("existing", "expected"),
    [
        ([{"id": 5, "user": {"type": "User"}, "body": "nice"}], ["create", 7]),
        ([{"id": 9, "user": {"type": "Bot"}, "body": f"{MARKER}\nold"}], ["update", 9]),
    ],
)
def test_github_comment_script_updates_its_own_comment(
    tmp_path: Path, existing: list[dict[str, Any]], expected: list[Any]
) -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the github-script code cannot be run")
    doc = load(CI / "github-actions.yml")
    (script,) = [
        s["with"]["script"] for _, s in github_steps(doc) if "github-script" in s.get("uses", "")
    ]
    harness = tmp_path / "harness.js"
    harness.write_text(NODE_HARNESS.replace("SCRIPT", script))
    env = {"PATH": os.environ["PATH"], "EXISTING": json.dumps(existing)}
    result = subprocess.run(
        [node, str(harness)],
        env={**env, "PLAN": "### plan", "EXITCODE": "2"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    calls = json.loads(result.stdout)
    assert calls[0] == ["list", 7] and calls[1][:2] == expected and len(calls) == 2
    assert calls[1][2].startswith(MARKER) and "### plan" in calls[1][2]
    assert "Changes pending" in calls[1][2] and "abcdef0" in calls[1][2]


# --- pre-commit -----------------------------------------------------------------------


def hook(hook_id: str) -> dict[str, Any]:
    (found,) = [h for h in load(HOOKS) if h["id"] == hook_id]
    assert isinstance(found, dict)
    return found


def run_entry(entry: str, *args: str) -> subprocess.CompletedProcess[str]:
    argv = shlex.split(entry)
    assert argv[:2] == ["reconciler", "validate"]
    return subprocess.run(
        [str(BIN / "reconciler"), *argv[1:], *args], capture_output=True, text=True, timeout=60
    )


def test_pre_commit_hook_validates_changed_yaml_under_testsigma() -> None:
    found = hook("reconciler-validate")
    assert found["language"] == "python" and found["pass_filenames"] is True
    pattern = re.compile(found["files"])
    assert pattern.search("testsigma/checkout.yaml") and pattern.search("testsigma/a/b.yml")
    assert not pattern.search("docs/checkout.yaml") and not pattern.search("testsigma/a.json")
    assert hook("reconciler-validate-all")["pass_filenames"] is False


def test_pre_commit_hook_entry_passes_good_files_and_names_line_of_bad(tmp_path: Path) -> None:
    entry = hook("reconciler-validate")["entry"]
    good = run_entry(entry, *map(str, EXAMPLES))
    assert good.returncode == 0, good.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD_YAML)
    result = run_entry(entry, str(EXAMPLES[0]), str(bad))
    assert result.returncode == 1
    assert f"{bad}:5:5:" in result.stderr or "bad.yaml:5:5:" in result.stderr
    folder = run_entry(hook("reconciler-validate-all")["entry"], str(tmp_path))
    assert folder.returncode == 1 and "bad.yaml:5:5:" in folder.stderr


# --- the README recipes -----------------------------------------------------------------


def readme_blocks(title: str, lang: str) -> list[str]:
    text = README.read_text(encoding="utf-8")
    section = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    if section is None:
        pytest.fail(f"README.md has no section '## {title}'", pytrace=False)
    return re.findall(rf"^```{lang}\n(.*?)^```", section.group(1), re.M | re.S)


def test_readme_ci_recipe_plans_and_applies(tmp_path: Path, sandbox: Sandbox) -> None:
    (workflow,) = readme_blocks("Running in CI", "yaml")
    doc = YAML(typ="safe").load(workflow)
    assert schema_errors(doc, "github-workflows") == []
    steps = {s.get("name"): s for _, s in github_steps(doc)}
    shutil.copytree(ROOT / "examples" / "schedules", tmp_path / "testsigma")
    summary = tmp_path / "summary.md"
    env = shell_env(
        tmp_path,
        TESTSIGMA_API_URL=sandbox.url,
        TESTSIGMA_API_KEY=API_KEY,
        GITHUB_STEP_SUMMARY=str(summary),
    )
    runs = [bash(steps[name]["run"], env=env, cwd=tmp_path) for name in ("Plan", "Apply", "Plan")]
    assert [r.returncode for r in runs] == [0, 0, 0], [r.stderr for r in runs]
    first, second = summary.read_text().split("### testsigma-reconciler plan")[1:]
    assert "3 to create" in first and "No changes" in second
    assert all(API_KEY not in r.stdout + r.stderr for r in runs)
    (tmp_path / "testsigma" / "bad.yaml").write_text(BAD_YAML)
    assert bash(steps["Plan"]["run"], env=env, cwd=tmp_path).returncode == 1


def test_readme_shared_state_recipe_lets_a_second_runner_send_nothing(
    tmp_path: Path, sandbox: Sandbox
) -> None:
    postgres = os.environ.get("RECONCILER_TEST_POSTGRES")
    if not postgres:
        message = "PostgreSQL not available: set RECONCILER_TEST_POSTGRES (.ci/start-postgres)"
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    (recipe,) = readme_blocks("Sharing state across runners", "sh")
    url = re.search(r"'(postgresql://[^'?]+)\?workspace=prod'", recipe)
    assert url is not None and "--lock-timeout" in recipe
    # A database of its own: other workspaces of a shared one may record the same names.
    with database_of_its_own(postgres) as database:
        recipe = recipe.replace(url.group(0), shlex.quote(f"{database}?workspace=prod"))
        env = shell_env(tmp_path, TESTSIGMA_API_URL=sandbox.url, TESTSIGMA_API_KEY=API_KEY)
        del env["RECONCILER_STATE"]
        for runner in ("one", "two"):  # two runners that share nothing but the database
            shutil.copytree(ROOT / "examples" / "schedules", tmp_path / runner / "testsigma")
            sandbox.clear_requests()
            result = bash(recipe, env=env, cwd=tmp_path / runner)
            assert result.returncode == 0, result.stderr
    assert [r for r in sandbox.requests() if r.method in ("POST", "PUT", "DELETE")] == []


def test_readme_editor_recipes_point_at_the_schema_and_the_hook() -> None:
    comment, pre_commit = readme_blocks("Editor support", "yaml")
    (settings,) = readme_blocks("Editor support", "json")
    schema = "schemas/reconciler-v1.schema.json"
    assert comment.startswith("# yaml-language-server: $schema=") and schema in comment
    mapping = json.loads(settings)["yaml.schemas"]
    assert [k for k in mapping if k.endswith(schema)] and "testsigma/" in next(
        iter(mapping.values())
    )
    hooks = YAML(typ="safe").load(pre_commit)["repos"][0]["hooks"]
    assert {h["id"] for h in hooks} <= {h["id"] for h in load(HOOKS)}
    assert (ROOT / schema).is_file(), f"{schema} is not committed"


# --- the nightly drift check ---------------------------------------------------------


def test_drift_checks_run_nightly_and_fail_only_on_drift() -> None:
    github = load(GITHUB_DRIFT)
    assert [t["cron"] for t in github["on"]["schedule"]] and "workflow_dispatch" in github["on"]
    step = github_scripts(github)[-1]
    assert "--detailed-exitcode" in step and "GITHUB_STEP_SUMMARY" in step
    gitlab = load(GITLAB_DRIFT)["drift-check"]
    assert '$CI_PIPELINE_SOURCE == "schedule"' in gitlab["rules"][0]["if"]
    assert gitlab["artifacts"]["paths"] == ["drift.md"] and gitlab["artifacts"]["when"] == "always"


@pytest.mark.parametrize("recipe", ["github", "gitlab"])
def test_drift_check_passes_in_sync_and_fails_with_the_plan_on_drift(
    tmp_path: Path, sandbox: Sandbox, recipe: str
) -> None:
    folder = str(ROOT / "examples" / "schedules")
    summary = tmp_path / "summary.md"
    env = shell_env(
        tmp_path,
        TESTSIGMA_API_URL=sandbox.url,
        TESTSIGMA_API_KEY=API_KEY,
        RECONCILER_PATHS=folder,
        GITHUB_STEP_SUMMARY=str(summary),
    )
    script = (
        github_scripts(load(GITHUB_DRIFT))[-1]
        if recipe == "github"
        else gitlab_scripts(load(GITLAB_DRIFT))[0].split("\n", 1)[1]  # after pip install
    )
    applied = bash(f"reconciler apply {folder} --auto-approve", env=env, cwd=tmp_path)
    assert applied.returncode == 0, applied.stderr

    in_sync = bash(script, env=env, cwd=tmp_path)
    assert in_sync.returncode == 0, in_sync.stderr
    assert "No changes" in in_sync.stdout

    edited = sandbox.schedules()[0]
    sandbox.edit_schedule(edited["id"], comments="edited in the UI")
    drift = bash(script, env=env, cwd=tmp_path)
    assert drift.returncode == 1, drift.stderr
    assert "### testsigma-reconciler plan" in drift.stdout
    assert "edited in the UI" in drift.stdout
    assert API_KEY not in drift.stdout + drift.stderr
    if recipe == "github":
        assert "edited in the UI" in summary.read_text(encoding="utf-8")
        assert "::error::" in drift.stdout
    else:
        assert (tmp_path / "drift.md").is_file()


def test_readme_adoption_recipe_adopts_an_account_and_plans_no_change(
    tmp_path: Path, sandbox: Sandbox
) -> None:
    for i, zone in enumerate(("IST", "America/New_York", "UTC")):
        sandbox.add_schedule_outside(
            {
                "name": f"made-in-the-ui-{i}",
                "executionId": 3857 + i,
                "scheduleType": "DAILY",
                "nextInterval": "2027-03-01T09:00:00.000",
                "timezone": zone,
                "status": "ACTIVE",
            }
        )
    (recipe,) = readme_blocks("Bring an existing account under management", "sh")
    env = shell_env(tmp_path, TESTSIGMA_API_URL=sandbox.url, TESTSIGMA_API_KEY=API_KEY)
    sandbox.clear_requests()
    result = bash(recipe, env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr  # the last line: plan --detailed-exitcode
    assert "Adopted 3 schedule(s)" in result.stdout and "No changes" in result.stdout
    assert [r for r in sandbox.requests() if r.method in ("POST", "PUT", "DELETE")] == []
