"""What docs/jupyterhub.md gives a hub administrator is valid for the tools that read it.

- every Zero to JupyterHub ``values`` block, merged over the chart's defaults, is valid for the chart's own
  values schema (Z2JH 4.4.0, ../shared/z2jh; jsonschema, Draft 7, as Helm validates it);
- the hub's database URL names the driver the chart's hub image ships;
- the learner image's Dockerfile is the file deploy/learner.Dockerfile, read by Docker's own parser
  (PyPI ``dockerfile``): every COPY source exists, the packages it installs are environment.yml's;
  it is built only where a container builder answers;
- every Kubernetes manifest (the sharded grading Job) is valid for the Kubernetes API schema shipped in
  the PyPI package ``kubernetes-validate`` (nothing is downloaded at test time).
"""
from __future__ import annotations

import copy
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
import yaml

from ebpm import course, dist
from tests.doccommands import DocBlock, doc_blocks

DOC = "docs/jupyterhub.md"
Z2JH = course.repo_root().parent / "shared" / "z2jh"  # ../shared/z2jh from the repository root
DOCKERFILE = Path("deploy/learner.Dockerfile")
# The database drivers in the chart's hub image (zero-to-jupyterhub-k8s 4.4.0, images/hub/unfrozen/
# requirements.txt: psycopg2 "# postgres", pymysql "# mysql"); SQLAlchemy's plain scheme means the same driver.
HUB_IMAGE_DRIVERS = {"postgres": {"postgresql", "postgresql+psycopg2"}, "mysql": {"mysql+pymysql"}}
# Packages the learner image installs besides the course's own (environment.yml), and why.
IMAGE_ONLY = {"nbgitpuller": "教材の配布リンク（docs/jupyterhub.md「教材を配る」）"}
KUBERNETES_VERSION = "1.33"  # a version kubernetes-validate ships; the Job uses only long-stable fields


def _yaml_blocks() -> list[tuple[DocBlock, dict]]:
    return [(block, yaml.safe_load(block.text)) for block in doc_blocks(DOC) if block.language in {"yaml", "yml"}]


def values_blocks() -> list[tuple[DocBlock, dict]]:
    """The Z2JH values blocks: YAML under a Zero to JupyterHub heading that is not a Kubernetes manifest."""
    return [(block, values) for block, values in _yaml_blocks()
            if any("Zero to JupyterHub" in h or "Z2JH" in h for h in block.headings) and "apiVersion" not in values]


def manifests() -> list[tuple[DocBlock, dict]]:
    return [(block, document) for block, document in _yaml_blocks() if "apiVersion" in document]


def merged(defaults: dict, values: dict) -> dict:
    """``values`` over ``defaults`` as Helm merges a values file: maps key by key, anything else replaced."""
    result = copy.deepcopy(defaults)
    for key, value in values.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = merged(result[key], value)
        else:
            result[key] = copy.deepcopy(value)
    return result


@pytest.fixture(scope="module")
def chart_errors():
    """values → the chart schema's complaints (empty when valid)."""
    if not (Z2JH / "values.schema.yaml").is_file():
        pytest.skip(f"{Z2JH} がありません（Zero to JupyterHub 4.4.0 の values スキーマ）。検証は省きます。")
    from jsonschema import Draft7Validator

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml reads the 130 kB schema ten times faster
    schema = yaml.load((Z2JH / "values.schema.yaml").read_text(encoding="utf-8"), Loader=loader)
    defaults = yaml.load((Z2JH / "values.yaml").read_text(encoding="utf-8"), Loader=loader)
    validator = Draft7Validator(schema)

    def errors(values: dict) -> list[str]:
        return [f"{'.'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}"
                for e in sorted(validator.iter_errors(merged(defaults, values)), key=str)]

    return errors


def test_docs_give_z2jh_values():
    assert len(values_blocks()) >= 2, [str(b) for b, _ in values_blocks()]


@pytest.mark.parametrize("block", [b for b, _ in values_blocks()], ids=str)
def test_z2jh_values_in_the_docs_are_valid_for_the_chart(chart_errors, block):
    assert chart_errors(yaml.safe_load(block.text)) == []


def test_the_chart_schema_check_catches_misspelt_keys_and_wrong_words(chart_errors):
    """A test of the check itself: the docs' own values with one key or word changed must fail."""
    _, values = values_blocks()[-1]
    assert chart_errors(values) == []
    for path, wrong_key, value in [(("cull",), "timout", 5400), (("singleuser", "memory"), "guarantees", "512M"),
                                   (("hub",), "extraEnvs", {})]:
        changed = copy.deepcopy(values)
        parent = changed
        for key in path:
            parent = parent.setdefault(key, {})
        parent[wrong_key] = value
        assert any(wrong_key in e for e in chart_errors(changed)), (path, wrong_key)
    changed = copy.deepcopy(values)
    changed["hub"]["db"]["type"] = "postgresql"  # the chart's word is "postgres"
    assert any(e.startswith("hub.db.type") for e in chart_errors(changed))


def test_hub_database_driver_is_in_the_hub_image():
    """hub.db names a driver that the chart's hub image ships (the docs keep the chart's hub image)."""
    checked = 0
    for block, values in values_blocks():
        hub = values.get("hub", {})
        db = hub.get("db")
        if not db or db.get("type") in (None, "sqlite-pvc", "sqlite-memory"):
            continue
        assert "image" not in hub, f"{block}: 独自のハブイメージには、そのドライバーの確認が要ります"
        scheme = db["url"].split("://", 1)[0]
        assert scheme in HUB_IMAGE_DRIVERS[db["type"]], (
            f"{block}: hub.db.url のドライバー {scheme} はハブのイメージにありません（{HUB_IMAGE_DRIVERS[db['type']]}）")
        checked += 1
    assert checked >= 1


# ---- the learner image -------------------------------------------------------------------------

def _instructions():
    import dockerfile

    return dockerfile.parse_string((course.repo_root() / DOCKERFILE).read_text(encoding="utf-8"))


def test_the_docs_show_the_dockerfile_in_deploy():
    shown = [b.text for b in doc_blocks(DOC) if b.language == "dockerfile"]
    assert shown == [(course.repo_root() / DOCKERFILE).read_text(encoding="utf-8").rstrip("\n")]
    assert f"docker build -f {DOCKERFILE.as_posix()} ." in (course.repo_root() / DOC).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def context(tmp_path_factory) -> Path:
    """The build context's part that is not in the repository: the documented `ebpm dist --out dist/learner`."""
    documented = re.search(r"ebpm dist --out (\S+?)`", (course.repo_root() / DOC).read_text(encoding="utf-8"))
    assert documented, "the docs must say how dist/learner is made"
    folder = tmp_path_factory.mktemp("context")
    dist.build_dist(folder / documented.group(1), check_fresh=False)
    return folder / documented.group(1)


def test_every_copy_source_of_the_learner_image_exists(context):
    """COPY sources, from the build context: the repository, and dist/learner made by `ebpm dist`."""
    made = Path(*context.parts[-2:])
    copies = [c for c in _instructions() if c.cmd.upper() in {"COPY", "ADD"}]
    assert copies
    for command in copies:
        for source in command.value[:-1]:
            where = context.parent.parent if Path(*Path(source).parts[:2]) == made else course.repo_root()
            assert (where / source).exists(), f"{DOCKERFILE}:{command.start_line}: COPY {source} がありません"
    assert (context / "pyproject.toml").is_file()


def test_learner_image_installs_environment_yml_packages(context):
    """The image's Python is environment.yml's; it installs the learner distribution (whose dependencies are
    environment.yml's pip list) and only the image-only packages in IMAGE_ONLY besides."""
    environment = yaml.safe_load((course.repo_root() / "environment.yml").read_text(encoding="utf-8"))
    python = next(d for d in environment["dependencies"] if isinstance(d, str) and d.startswith("python="))
    base = next(c for c in _instructions() if c.cmd.upper() == "FROM").value[0]
    assert base.endswith(f":{python.replace('=', '-')}"), (base, python)
    pip = next(item["pip"] for item in environment["dependencies"] if isinstance(item, dict))
    wanted = {r.replace(" ", "").lower() for r in pip if not r.startswith("-e")}
    shipped = tomllib.loads((context / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    assert {r.replace(" ", "").lower() for r in shipped} == wanted
    installs = [c.value[0] for c in _instructions() if c.cmd.upper() == "RUN" and "pip install" in c.value[0]]
    assert len(installs) == 1
    words = installs[0].split("&&")[0].split()
    packages = [w.strip("\"'") for w in words[words.index("install") + 1:] if not w.startswith("-")]
    assert packages[0] == "/opt/ebpm-learner"
    extra = {re.split(r"[<>=!\[]", p)[0].lower() for p in packages[1:]}
    assert extra <= set(IMAGE_ONLY), extra - set(IMAGE_ONLY)
    assert all(re.search(r"[<>=]", p) for p in packages[1:]), "image-only packages carry a version range"


def _container_builder() -> str | None:
    docker = shutil.which("docker")
    if docker and subprocess.run([docker, "info"], capture_output=True, timeout=30).returncode == 0:
        return docker
    return None


def test_learner_image_builds(tmp_path):
    """Slow where it runs (pulls the base image): the only proof that pip resolves the image's packages."""
    builder = _container_builder()
    if builder is None:
        pytest.skip("コンテナーを作れる環境（docker と動いているデーモン）がないので、イメージは作りません。")
    context = tmp_path / "context"
    shutil.copytree(course.repo_root(), context, ignore=shutil.ignore_patterns(".venv", ".node", "_grading", ".git"))
    dist.build_dist(context / "dist" / "learner", check_fresh=False)
    done = subprocess.run([builder, "build", "-f", DOCKERFILE.as_posix(), "-t", "ebpm-learner:test", "."],
                          cwd=context, capture_output=True, text=True, timeout=3600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


# ---- the sharded grading Job ---------------------------------------------------------------------

def test_docs_give_a_kubernetes_job_for_sharded_grading():
    jobs = [(block, doc) for block, doc in manifests() if doc.get("kind") == "Job"]
    assert jobs, "docs/jupyterhub.md gives the Indexed Job of `ebpm grade --shard`"
    for block, job in jobs:
        spec = job["spec"]
        assert spec["completionMode"] == "Indexed", block
        command = " ".join(spec["template"]["spec"]["containers"][0]["args"])
        # the index (0 … completions-1) + 1 is K, and N is the number of completions
        assert f'--shard "$((JOB_COMPLETION_INDEX + 1))/{spec["completions"]}"' in command, command
        assert "--no-feedback" in command and "--no-report" in command


@pytest.mark.parametrize("block", [b for b, _ in manifests()], ids=str)
def test_kubernetes_manifests_in_the_docs_are_valid(block):
    import kubernetes_validate

    kubernetes_validate.validate(yaml.safe_load(block.text), KUBERNETES_VERSION, strict=True)


def test_the_kubernetes_check_catches_a_misspelt_field():
    import kubernetes_validate

    _, job = next((b, d) for b, d in manifests() if d.get("kind") == "Job")
    for change in (lambda j: j["spec"].update(completionsMode="Indexed"),
                   lambda j: j["spec"]["template"]["spec"]["containers"][0].update(workDir="/srv/course"),
                   lambda j: j["spec"].update(completions="ten")):
        wrong = copy.deepcopy(job)
        change(wrong)
        with pytest.raises(kubernetes_validate.ValidationError):
            kubernetes_validate.validate(wrong, KUBERNETES_VERSION, strict=True)
