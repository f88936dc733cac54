"""The learner's JupyterLab in a real browser: Japanese, Run All, plots, widgets, Validate.

Playwright (Python, sync API) drives Debian's Chromium (/usr/bin/chromium, installed by
scripts/install_system_deps.sh; Playwright never downloads a browser here) headless, without a
sandbox and without background networking. JupyterLab is started with `make lab`'s command on a
copy of notebooks/ (so that running cells and autosave never write outputs into the repository).

For the first notebook of every assignment (found at run time) and the first notebook that uses
ipywidgets, the test runs every cell as a learner would (the 実行 menu, then "run from here" past
each stub error, because JupyterLab stops at the first error), saves, reads the notebook back through
the contents API and classifies every error output with nbgrader's cell metadata. Screenshots go to
test-artifacts/browser/.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
import requests

from ebpm import course
from tests.servers import free_port, stop, wait_until_up

# one pytest-xdist worker runs this whole module, so its expensive shared fixture is built once
pytestmark = pytest.mark.xdist_group("browser")

ROOT = course.repo_root()
BIN = Path(sys.executable).parent
CHROMIUM = Path(os.environ.get("EBPM_CHROMIUM", "/usr/bin/chromium"))
SHOTS = ROOT / "test-artifacts" / "browser"
TOKEN = "ebpm-browser-token"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic", "--disable-dev-shm-usage",
]
STUB_ERRORS = {"NotImplementedError"}


def _assertion_errors() -> set[str]:
    """AssertionError and the course's own subclasses of it (the feedback helpers' AnswerError)."""
    from ebpm import feedback

    return {"AssertionError"} | {name for name, value in vars(feedback).items()
                                  if isinstance(value, type) and issubclass(value, AssertionError)}


TEST_CELL_ERRORS = _assertion_errors() | {"NameError"}
TIMINGS: dict[str, float] = {}


def _code(cell) -> str:
    return cell.source if isinstance(cell.source, str) else "".join(cell.source)


def _uses(notebook: Path, words: tuple[str, ...]) -> bool:
    """Does a code cell that is not an answer cell mention one of ``words``?"""
    nb = nbformat.read(notebook, as_version=4)
    return any(cell.cell_type == "code" and not cell.metadata.get("nbgrader", {}).get("solution")
               and any(w in _code(cell) for w in words) for cell in nb.cells)


def _targets() -> list[str]:
    """First notebook of every assignment, plus the first that has widgets (paths under notebooks/)."""
    release = course.release_dir()
    chosen = []
    for assignment in course.assignment_ids():
        notebooks = sorted((release / assignment).glob("*.ipynb"))
        if notebooks:
            chosen.append(notebooks[0])
    if not any(_uses(nb, ("ipywidgets",)) for nb in chosen):
        with_widgets = [nb for a in course.assignment_ids() for nb in sorted((release / a).glob("*.ipynb"))
                        if _uses(nb, ("ipywidgets",))]
        chosen += with_widgets[:1]
    return [nb.relative_to(release).as_posix() for nb in chosen]


TARGETS = _targets()


def _require_browser() -> None:
    problems = []
    if not CHROMIUM.exists():
        problems.append(f"{CHROMIUM} がありません（scripts/install_system_deps.sh が Debian の chromium を入れます）")
    try:
        import playwright  # noqa: F401
    except ImportError:
        problems.append("Python パッケージ playwright がありません（`make setup`）")
    if not list(Path("/usr/share/fonts").rglob("NotoSansCJK*")):
        problems.append("日本語フォント fonts-noto-cjk がありません（scripts/install_system_deps.sh）")
    if problems:
        message = "ブラウザのテストに必要なものがありません: " + "; ".join(problems)
        if os.environ.get("EBPM_ALLOW_SKIP"):
            pytest.skip(message)
        pytest.fail(message)


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """`make lab`'s JupyterLab command, on a copy of notebooks/; yields the base URL."""
    _require_browser()
    served = tmp_path_factory.mktemp("lab") / "notebooks"
    shutil.copytree(course.release_dir(), served)
    port = free_port()
    command = [str(BIN / "jupyter"), "lab", f"--notebook-dir={served}", f"--port={port}", "--no-browser",
               "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={TOKEN}",
               "--LabApp.expose_app_in_browser=True"]  # lets the test ask JupyterLab for the kernel state
    if os.getuid() == 0:
        command.append("--allow-root")
    env = {**os.environ, "PATH": f"{BIN}:{os.environ.get('PATH', '')}", "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
    log = open(served.parent / "lab.log", "w")
    process = subprocess.Popen(command, cwd=served, stdout=log, stderr=subprocess.STDOUT, env=env,
                               start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(process, f"{base}/api/status", params={"token": TOKEN}, timeout=120,
                      describe_failure=lambda: (served.parent / "lab.log").read_text()[-3000:])
        yield base
    finally:
        stop(process)
        SHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copy2(served.parent / "lab.log", SHOTS / "jupyterlab.log")


@pytest.fixture(scope="module")
def browser():
    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # Playwright gives every launch a fresh, temporary --user-data-dir.
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def _contents(base: str, method: str, path: str, **kwargs) -> requests.Response:
    headers = {"Authorization": f"token {TOKEN}"}
    return requests.request(method, f"{base}/api/contents/{path}", headers=headers, timeout=60, **kwargs)


KERNEL_IDLE = """() => {
  const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
  return !!k && k.status === 'idle' && w.content && w.content.widgets.length > 0;
}"""

# Indices of code cells that have not run (no execution count), and whether any cell is running.
CELL_STATE = """() => {
  const nb = window.jupyterapp.shell.currentWidget.content;
  const pending = [], running = [];
  nb.widgets.forEach((cell, i) => {
    if (cell.model.type !== 'code') return;
    const count = cell.model.executionCount;
    if (count === null || count === undefined) pending.push(i);
    if (cell.promptNode && cell.promptNode.textContent.includes('*')) running.push(i);
  });
  const k = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
  return {pending, running, status: k ? k.status : 'none'};
}"""


def _open(page, base: str, path: str) -> None:
    page.goto(f"{base}/lab/tree/{path}?reset&token={TOKEN}")
    page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=90_000)
    page.wait_for_function(KERNEL_IDLE, timeout=90_000)


def _wait_until_settled(page, timeout: float = 180) -> dict:
    """Wait until the kernel is idle and no cell shows [*] for a moment."""
    deadline = time.monotonic() + timeout
    quiet_since = None
    while time.monotonic() < deadline:
        state = page.evaluate(CELL_STATE)
        if state["status"] == "idle" and not state["running"]:
            quiet_since = quiet_since or time.monotonic()
            if time.monotonic() - quiet_since > 1.0:
                return state
        else:
            quiet_since = None
        page.wait_for_timeout(200)
    raise AssertionError(f"the notebook did not finish within {timeout:.0f} s: {page.evaluate(CELL_STATE)}")


def _menu(page, menu: str, item: str) -> None:
    page.locator("#jp-menu-panel .lm-MenuBar-itemLabel", has_text=menu).first.click()
    page.locator(".lm-Menu-itemLabel", has_text=item).first.click()


def _run_everything(page) -> None:
    """実行 > すべてのセルを実行, then 選択したセル以降を実行 from each cell a stub error stopped."""
    _menu(page, "実行", "すべてのセルを実行")
    state = _wait_until_settled(page)
    for _ in range(100):
        if not state["pending"]:
            return
        page.evaluate(f"() => {{ window.jupyterapp.shell.currentWidget.content.activeCellIndex = {state['pending'][0]}; }}")
        before = state["pending"]
        page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-below')")
        state = _wait_until_settled(page)
        assert state["pending"] != before, f"cells {before[:5]} did not run"
    raise AssertionError("cells kept stopping")


def _save(page) -> None:
    page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")
    page.wait_for_function(
        "() => !window.jupyterapp.shell.currentWidget.context.model.dirty", timeout=30_000)


def _classify_errors(notebook: dict) -> list[str]:
    problems = []
    for index, cell in enumerate(notebook["cells"]):
        if cell["cell_type"] != "code":
            continue
        meta = cell.get("metadata", {}).get("nbgrader", {})
        for output in cell.get("outputs", []):
            if output.get("output_type") != "error":
                continue
            name = output.get("ename")
            if meta.get("solution") and name in STUB_ERRORS:
                continue
            if meta.get("grade") and not meta.get("solution") and name in TEST_CELL_ERRORS:
                continue
            problems.append(f"cell {index} ({meta.get('grade_id', 'no nbgrader id')}): {name}: {output.get('evalue')}")
    return problems


def _slug(path: str) -> str:
    return path.replace("/", "__").removesuffix(".ipynb")


@pytest.mark.slow
def test_japanese_renders_as_japanese(lab, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 900}, locale="ja-JP")
    try:
        _open(page, lab, TARGETS[0])
        labels = page.locator("#jp-menu-panel .lm-MenuBar-itemLabel").all_inner_texts()
        assert "ファイル" in labels and "編集" in labels and "カーネル" in labels, labels
        assert page.evaluate("""() => document.fonts.check('16px "Noto Sans CJK JP"')""")
        # Draw two different kanji and a code point with no glyph (U+0378) in the font the menu bar uses.
        # Tofu boxes are all the same picture, so distinct pictures prove real glyphs.
        pictures = page.evaluate("""() => {
          const label = document.querySelector('#jp-menu-panel .lm-MenuBar-itemLabel');
          const family = getComputedStyle(label).fontFamily;
          const draw = (text) => {
            const canvas = document.createElement('canvas');
            canvas.width = 64; canvas.height = 64;
            const ctx = canvas.getContext('2d');
            ctx.font = '40px ' + family;
            ctx.fillStyle = '#000';
            ctx.fillText(text, 4, 48);
            return Array.from(ctx.getImageData(0, 0, 64, 64).data).join(',');
          };
          return {family, a: draw('日'), b: draw('本'), tofu: draw('\\u0378'),
                  widthJa: (() => { const c = document.createElement('canvas').getContext('2d');
                                    c.font = '16px ' + family; return c.measureText('ファイル').width; })(),
                  widthTofu: (() => { const c = document.createElement('canvas').getContext('2d');
                                      c.font = '16px ' + family; return c.measureText('\\u0378\\u0378\\u0378\\u0378').width; })()};
        }""")
        assert pictures["a"] != pictures["b"], f"日 and 本 draw the same picture (tofu) in {pictures['family']}"
        assert pictures["a"] != pictures["tofu"] and pictures["b"] != pictures["tofu"]
        assert pictures["widthJa"] != pytest.approx(pictures["widthTofu"]), pictures
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.locator("#jp-menu-panel").screenshot(path=str(SHOTS / "menu_bar_ja.png"))
    finally:
        page.close()


@pytest.mark.slow
@pytest.mark.parametrize("path", TARGETS)
def test_learner_notebook_runs_in_the_browser(lab, browser, path):
    start = time.perf_counter()
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="ja-JP")
    try:
        _open(page, lab, path)
        _run_everything(page)
        _save(page)
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{_slug(path)}.png"))

        saved = _contents(lab, "GET", path, params={"content": 1}).json()["content"]
        problems = _classify_errors(saved)
        assert not problems, f"{path}: errors outside the exercise stubs:\n" + "\n".join(problems)
        stubs = [c for c in saved["cells"] if c.get("metadata", {}).get("nbgrader", {}).get("solution")
                 and c["cell_type"] == "code"]
        for cell in stubs:
            assert any(o.get("ename") == "NotImplementedError" for o in cell.get("outputs", [])), \
                f"{path}: a stub did not raise NotImplementedError"

        pngs = sum(1 for c in saved["cells"] for o in c.get("outputs", []) if "image/png" in o.get("data", {}))
        images = page.evaluate("""() => Array.from(document.querySelectorAll('.jp-OutputArea-output img'))
                                    .filter(img => img.complete && img.naturalWidth > 0).length""")
        if _uses(course.release_dir() / path, ("plotting.", "plt.", ".plot(", "maps.")):
            assert pngs > 0, f"{path} plots, but no cell produced an image"
        assert images >= pngs, f"{path}: {pngs} images in the outputs, {images} shown in the page"

        if _uses(course.release_dir() / path, ("ipywidgets",)):
            widgets = page.locator(".jp-OutputArea-output .jupyter-widgets, .jp-OutputArea-output .widget-slider")
            assert widgets.count() > 0, f"{path}: ipywidgets controls did not render"
            area = page.locator(".jp-OutputArea-output .jupyter-widgets").first.locator(
                "xpath=ancestor::div[contains(@class, 'jp-Cell')][1]")
            area.scroll_into_view_if_needed()
            page.wait_for_timeout(500)
            area.screenshot(path=str(SHOTS / f"{_slug(path)}_widgets.png"))
            assert "Loading widget" not in page.locator(".jp-OutputArea-output").all_inner_texts().__str__()
    finally:
        page.close()
    TIMINGS[path] = round(time.perf_counter() - start, 1)
    SHOTS.mkdir(parents=True, exist_ok=True)
    (SHOTS / "timings.json").write_text(json.dumps(TIMINGS, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _solved(path: str) -> dict:
    """The learner notebook with its answer cells written in (the instructor's answers)."""
    learner = nbformat.read(course.release_dir() / path, as_version=4)
    answers = {c.metadata["nbgrader"]["grade_id"]: c.source
               for c in nbformat.read(course.solutions_dir() / path, as_version=4).cells
               if c.metadata.get("nbgrader", {}).get("solution")}
    for cell in learner.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            cell.source = answers[meta["grade_id"]].replace("### BEGIN SOLUTION\n", "").replace("### END SOLUTION", "")
    return json.loads(nbformat.writes(learner))


@pytest.mark.slow
def test_validate_button_on_a_solved_notebook(lab, browser):
    path = TARGETS[0]
    solved_path = f"{path.rsplit('/', 1)[0]}/_solved_by_browser_test.ipynb"
    put = _contents(lab, "PUT", solved_path, json={"type": "notebook", "format": "json", "content": _solved(path)})
    assert put.status_code in (200, 201), put.text[:300]
    page = browser.new_page(viewport={"width": 1400, "height": 900}, locale="ja-JP")
    try:
        _open(page, lab, solved_path)
        page.locator(".jp-NotebookPanel-toolbar").get_by_text("Validate", exact=True).first.click()
        dialog = page.locator(".jp-Dialog")
        dialog.wait_for(timeout=240_000)
        page.wait_for_function("() => !document.querySelector('.jp-Dialog').innerText.includes('Validating...')",
                               timeout=240_000)
        text = dialog.inner_text()
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "validate_solved.png"))
        assert "Success! Your notebook passes all the tests." in text, text[:2000]
    finally:
        page.close()
