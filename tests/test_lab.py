"""`make lab` serves the course in JupyterLab, with Japanese menus and the learner tools."""
from __future__ import annotations

import json
import subprocess

import pytest
import requests

from ebpm import course
from tests.servers import free_port, stop, wait_until_up

# one pytest-xdist worker runs this whole module, so its expensive shared fixture is built once
pytestmark = pytest.mark.xdist_group("lab")

TOKEN = "ebpm-test-token"


@pytest.fixture(scope="module")
def lab():
    port = free_port()
    args = f"--no-browser --ServerApp.ip=127.0.0.1 --IdentityProvider.token={TOKEN}"
    process = subprocess.Popen(
        ["make", "lab", f"LAB_PORT={port}", f"LAB_ARGS={args}"],
        cwd=course.repo_root(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(process, f"{base}/api/status", params={"token": TOKEN},
                      describe_failure=lambda: process.stdout.read() if process.poll() is not None else "")
        yield base
    finally:
        stop(process)


def _get(base: str, path: str) -> dict:
    response = requests.get(f"{base}{path}", params={"token": TOKEN}, timeout=10)
    assert response.ok, (path, response.status_code, response.text[:200])
    return response.json()


@pytest.mark.slow
def test_lab_lists_every_learner_notebook(lab):
    for assignment in course.assignment_ids():
        listing = _get(lab, f"/api/contents/{assignment}")
        served = {item["name"] for item in listing["content"]}
        expected = {p.name for p in (course.release_dir() / assignment).glob("*.ipynb")}
        assert expected and expected <= served


@pytest.mark.slow
def test_lab_speaks_japanese(lab):
    settings = _get(lab, "/lab/api/settings/@jupyterlab/translation-extension:plugin")
    assert settings["schema"]["properties"]["locale"]["default"] == "ja_JP"  # from overrides.json
    pack = _get(lab, "/lab/api/translations/ja_JP")
    assert pack["data"], "the ja_JP language pack is not installed"


@pytest.mark.slow
def test_lab_hides_instructor_tools(lab):
    assert requests.get(f"{lab}/formgrader", params={"token": TOKEN}, timeout=10).status_code == 404
    page = requests.get(f"{lab}/lab", params={"token": TOKEN}, timeout=10).text
    disabled = page.split('"disabledExtensions"', 1)[1].split("]", 1)[0]
    assert "@jupyter/nbgrader:create-assignment" in disabled
    assert "@jupyter/nbgrader:formgrader" in disabled
    assert "@jupyter/nbgrader:validate-assignment" not in disabled


@pytest.mark.slow
def test_validate_button_backend_fails_stubs_and_passes_a_solved_notebook(lab):
    headers = {"Authorization": f"token {TOKEN}"}
    learner = course.solution_notebooks()[0]
    relative = learner.relative_to(course.solutions_dir()).as_posix()
    blank = requests.post(f"{lab}/assignments/validate", data={"path": relative}, headers=headers, timeout=120).json()
    assert blank["success"] and blank["value"].get("failed"), blank
    solved_path = f"{learner.parent.name}/_solved_by_test.ipynb"
    content = json.loads(learner.read_text(encoding="utf-8"))
    put = requests.put(f"{lab}/api/contents/{solved_path}", headers=headers, timeout=30,
                       json={"type": "notebook", "format": "json", "content": content})
    assert put.ok, put.text
    try:
        solved = requests.post(f"{lab}/assignments/validate", data={"path": solved_path}, headers=headers,
                               timeout=120).json()
        assert solved == {"success": True, "value": {}}, solved
    finally:
        requests.delete(f"{lab}/api/contents/{solved_path}", headers=headers, timeout=30)
