"""The GitHub Pages workflow (.github/workflows/pages.yml) cannot run here, so its shape is checked: it
builds with `make book` on Python 3.11+ and Node 20, uploads _build/html with the official Pages actions
(pinned to a major version) and deploys it with the permissions Pages needs."""

import re

import yaml
from book_files import ROOT

WORKFLOW = yaml.safe_load((ROOT / ".github" / "workflows" / "pages.yml").read_text())


def steps(job):
    return WORKFLOW["jobs"][job]["steps"]


def uses(step):
    return step.get("uses", "").split("@")[0]


def test_it_runs_on_pushes_to_main_and_by_hand():
    triggers = WORKFLOW.get("on", WORKFLOW.get(True))  # YAML 1.1 reads the key `on` as True
    assert triggers["push"]["branches"] == ["main"] and "workflow_dispatch" in triggers


def test_the_build_job_runs_make_book_then_uploads_the_site():
    build = steps("build")
    names = [uses(s) or s.get("run") for s in build]
    assert names.index("actions/checkout") < names.index("make book")
    assert names.index("make book") < names.index("actions/upload-pages-artifact")
    assert "actions/configure-pages" in names
    upload = next(s for s in build if uses(s) == "actions/upload-pages-artifact")
    assert upload["with"]["path"] == "_build/html"
    python = next(s for s in build if uses(s) == "actions/setup-python")["with"]["python-version"]
    assert tuple(map(int, str(python).split("."))) >= (3, 11)
    assert str(next(s for s in build if uses(s) == "actions/setup-node")["with"]["node-version"]) == "20"


def test_the_deploy_job_deploys_what_the_build_uploaded():
    deploy = WORKFLOW["jobs"]["deploy"]
    assert deploy["needs"] == "build"
    assert deploy["environment"]["name"] == "github-pages"
    assert [uses(s) for s in deploy["steps"]] == ["actions/deploy-pages"]
    assert WORKFLOW["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}


def test_every_action_is_an_official_one_pinned_to_a_major_version():
    for job in WORKFLOW["jobs"]:
        for step in steps(job):
            if "uses" in step:
                assert re.fullmatch(r"actions/[a-z-]+@v\d+", step["uses"]), step["uses"]
