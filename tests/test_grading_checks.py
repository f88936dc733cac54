"""The tamper checks of `ebpm grade` without running a batch: the reading of the learner's own code,
the guard of data/ inside a kernel, and the hidden-test leak check (each in seconds)."""
from __future__ import annotations

import os
import shutil

import nbformat
import pytest

from ebpm import course
from ebpm.grading import codecheck, dataguard, feedback, runner
from ebpm.grading.layout import CourseLayout

# What the released notebook already has: the imports a learner's answer can rely on, and a stub.
RELEASED = [
    "import math\nimport numpy as np\nimport pandas as pd\nfrom ebpm import datasets, feedback\n"
    "facilities = pd.read_csv(datasets.path('facilities'))",
    "# ここにコードを書いてください\nraise NotImplementedError()",
]


def _kinds(code: str, writes_expected: bool = False) -> set[str]:
    found = codecheck.read_code([code], RELEASED, [*RELEASED, code], writes_expected=writes_expected)
    return {f.kind for f in found}


@pytest.mark.parametrize("code, kind", [
    ("feedback._fail = lambda *a, **k: None", "monkeypatch"),
    ('setattr(feedback, "_fail", print)', "monkeypatch"),
    ("import ebpm.feedback as fb\nfb._fail = print", "monkeypatch"),
    ("from ebpm.feedback import _fail\n_fail.__code__ = (lambda: 0).__code__", "monkeypatch"),
    ("math.isclose = lambda *a, **k: True", "monkeypatch"),
    ("import builtins\nbuiltins.len = lambda x: 40", "monkeypatch"),
    ("__builtins__.len = print", "monkeypatch"),
    ("def len(x):\n    return 1", "monkeypatch"),
    ("np.isclose = lambda *a, **k: True", "monkeypatch"),
    ("del np.isclose", "monkeypatch"),
    ("vars(math)['isclose'] = 1", "monkeypatch"),
    ("import sys\nsys.modules['math'] = None", "monkeypatch"),
    ("pd.testing.assert_frame_equal = lambda *a, **k: None", "monkeypatch"),
    ("pd.DataFrame.equals = lambda *a: True", "monkeypatch"),
    ("feedback = None", "monkeypatch"),
    ("import unittest.mock as mock\nmock.patch.object(math, 'isclose').start()", "monkeypatch"),
    ("from IPython.core.interactiveshell import InteractiveShell\nInteractiveShell.showtraceback = print", "monkeypatch"),
    ("get_ipython().showtraceback = lambda *a, **k: None", "grader_hooks"),
    ("shell = get_ipython()\nshell.display_formatter.formatters = {}", "grader_hooks"),
    ("get_ipython().events.register('pre_run_cell', print)", "grader_hooks"),
    ("import sys\nsys.excepthook = print", "grader_hooks"),
    ("import sys\nsys.settrace(None)", "grader_hooks"),
    ("import os\nos._exit(0)", "process_exit"),
    ("import ctypes", "process_exit"),
    ("facilities.to_csv(datasets.path('facilities'))", "file_writes"),
    ("from pathlib import Path\nPath('x.csv').open('w')", "file_writes"),
    ("from pathlib import Path\nPath('x.txt').write_text('x')", "file_writes"),
    ("with open('x.csv', 'a') as f:\n    f.write('x')", "file_writes"),
    ("import shutil\nshutil.copy('a', 'data/x.csv')", "file_writes"),
    ("import os\nos.remove('x')", "file_writes"),
    ("!rm -rf data", "file_writes"),
    ("%%writefile x.py\nprint(1)", "file_writes"),
])
def test_tampering_in_the_learners_code_is_flagged(code, kind):
    assert kind in _kinds(code), code


@pytest.mark.parametrize("code", [
    "import re\nnames = [c for c in facilities.columns if re.fullmatch('施設名', c)]",
    "pd.options.display.max_rows = 5",
    "import matplotlib.pyplot as plt\nplt.rcParams['font.size'] = 12\nplt.rcParams.update({'font.size': 12})",
    "table = facilities.copy()\ntable.columns = ['a'] * len(table.columns)",
    "max = facilities['年間利用者数'].max()",
    "text = facilities.to_csv()\nsummary = facilities.describe().to_string()",
    "import zipfile\nzipfile.ZipFile('a.zip').open('data.csv')",
    "with open(datasets.path('facilities'), encoding='utf-8') as handle:\n    first = handle.readline()",
    "%matplotlib inline\ncount = len(facilities)",
    "facilities = facilities.rename(columns={'施設名': 'name'}).replace({'学校': '小学校'})",
    "shell = get_ipython()",
])
def test_ordinary_answers_raise_no_flag(code):
    assert _kinds(code) == set(), code


def test_a_name_the_tests_import_again_themselves_may_be_reused():
    """Test cells that import `datasets` themselves cannot be fooled by a learner's variable of that name;
    a helper the tests take from the notebook can."""
    tests = ["from ebpm import datasets\nimport pandas as pd\nexpect_rows(pd.read_csv(datasets.path('x')), 3)"]
    code = "datasets = ['住基', '国勢調査']"
    assert codecheck.read_code([code], RELEASED, [*RELEASED, code], test_cells=tests) == []
    helper = "from ebpm.feedback import expect_rows"
    cheat = "def expect_rows(*args, **kwargs):\n    pass"
    found = codecheck.read_code([cheat], [*RELEASED, helper], [*RELEASED, helper, cheat], test_cells=tests)
    assert [f.kind for f in found] == ["monkeypatch"]


def test_statements_of_the_released_notebook_are_never_flagged():
    demo = "facilities.to_csv('wrong_encoding.csv', encoding='cp932', index=False)"
    assert codecheck.read_code([demo], [*RELEASED, demo], [*RELEASED, demo]) == []
    # the same cell edited by the learner: only the new statement is read
    edited = demo + "\nimport os\nos.remove('x')"
    found = codecheck.read_code([edited], [*RELEASED, demo], [*RELEASED, edited])
    assert [f.statement for f in found] == ["os.remove('x')"]


def test_a_write_the_exercise_asks_for_is_flagged_only_when_it_leaves_the_working_folder():
    assert _kinds("figure.savefig('kpi.png', dpi=150)", writes_expected=True) == set()
    assert _kinds("from pathlib import Path\nPath(BRIEF_FILE).write_text(page)", writes_expected=True) == set()
    assert _kinds("figure.savefig('../../data/kpi.png')", writes_expected=True) == {"file_writes"}
    assert _kinds("facilities.to_csv(datasets.path('facilities'))", writes_expected=True) == {"file_writes"}
    assert _kinds("figure.savefig('kpi.png')") == {"file_writes"}


def test_the_course_solutions_that_write_files_are_known():
    writing = set()
    for path in sorted(course.solutions_dir().glob("*/*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("solution") \
                    and codecheck.writes_files(cell.source):
                writing.add(grade_id)
    assert {"ws4-2-png", "ws4-3-write", "ws4-4-page"} <= writing


def test_a_kernel_with_the_guard_refuses_writes_to_data_and_changes_nothing_else(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "a.csv").write_text("x\n", encoding="utf-8")
    before = dataguard._fingerprint(data)
    ipython = runner.prepare_ipython_dir(tmp_path / "ipython")
    dataguard.install_guard(ipython / "profile_default", [data], tmp_path / "writes.log")
    plain = _run_kernel(tmp_path, {}, ["sorted(globals())"])
    guarded = _run_kernel(tmp_path, {"IPYTHONDIR": str(ipython)}, [
        "sorted(globals())",
        "open('data/a.csv', encoding='utf-8').read()",
        "import pandas as pd\npd.DataFrame({'a': [1]}).to_csv('data/a.csv')",
        "from pathlib import Path\nPath('data/b.txt').write_text('x')",
        "import os\nos.remove('data/a.csv')",
        "import shutil\nshutil.copy('data/a.csv', 'data/c.csv')",
        "open('elsewhere.txt', 'w').write('ok')",
    ])
    assert guarded[0] == plain[0], "the guard must leave the learner's namespace as stock has it"
    assert guarded[1] == ("ok", "'x\\n'")
    assert [kind for kind, _ in guarded[2:6]] == ["PermissionError"] * 4
    assert guarded[6] == ("ok", "2")
    assert dataguard.refused_writes(tmp_path / "writes.log") == ["data/a.csv", "data/b.txt", "data/c.csv"]
    assert dataguard.touched_files(data, before) == []
    # a write around Python, put back at once, is still seen (status change time)
    text = (data / "a.csv").read_bytes()
    (data / "a.csv").write_bytes(text)
    assert dataguard.touched_files(data, before) == ["a.csv"]


def _run_kernel(folder, extra_env, cells) -> list[tuple[str, str]]:
    from jupyter_client.manager import start_new_kernel

    env = {**os.environ, **extra_env}
    manager, client = start_new_kernel(env=env, cwd=str(folder))
    results = []
    try:
        for code in cells:
            outcome: list[tuple[str, str]] = []

            def hook(message, outcome=outcome):
                content = message["content"]
                if message["msg_type"] == "execute_result":
                    outcome.append(("ok", content["data"]["text/plain"]))
                elif message["msg_type"] == "error":
                    outcome.append((content["ename"], content["evalue"]))

            client.execute_interactive(code, output_hook=hook, timeout=60)
            results.append(outcome[0] if outcome else ("ok", ""))
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    return results


def test_the_leak_check_compares_whole_hidden_statements(tmp_path):
    """ws4/03's hidden tests contain `import re`: a learner's own `import re` is no leak; a hidden
    statement shown by a test cell is."""
    assignment, name = "ws4_policy_and_data_quality", "03_machine_readable_and_open_data"
    source = tmp_path / "solutions"
    (source / assignment).mkdir(parents=True)
    shutil.copy(course.solutions_dir() / assignment / f"{name}.ipynb", source / assignment)
    # hidden tests that import a module a learner may import too (ws4/03's once had `import re`)
    copied = nbformat.read(source / assignment / f"{name}.ipynb", as_version=4)
    test_cell = next(c for c in copied.cells if "### BEGIN HIDDEN TESTS" in c.source)
    test_cell.source = test_cell.source.replace("### BEGIN HIDDEN TESTS\n", "### BEGIN HIDDEN TESTS\nimport re\n", 1)
    nbformat.write(copied, source / assignment / f"{name}.ipynb")
    secrets = feedback.hidden_statements(source / assignment / f"{name}.ipynb")
    assert "import re" in secrets.values()
    released = nbformat.read(course.repo_root() / "notebooks" / assignment / f"{name}.ipynb", as_version=4)
    answer = next(c for c in released.cells if c.metadata.get("nbgrader", {}).get("solution")
                  and c.cell_type == "code")
    answer.source = "import re\nfacility_file = re.sub('x', 'y', 'x.csv')"
    layout = CourseLayout(root=tmp_path, course_id="ebpm", source=source, release=tmp_path / "notebooks",
                          submitted=tmp_path / "submitted", autograded=tmp_path / "autograded",
                          feedback=tmp_path / "feedback", db_path=tmp_path / "gradebook.db",
                          db_url=f"sqlite:///{tmp_path / 'gradebook.db'}")
    for learner in ("own", "shown"):
        folder = layout.autograded / learner / assignment
        folder.mkdir(parents=True)
        nbformat.write(released, folder / f"{name}.ipynb")
        (layout.feedback / learner / assignment).mkdir(parents=True)
    page = "<html><body><pre>import re\nfacility_file = re.sub(&#39;x&#39;, &#39;y&#39;, &#39;x.csv&#39;)</pre>{}</body></html>"
    (layout.feedback / "own" / assignment / f"{name}.html").write_text(page.format(""), encoding="utf-8")
    hidden = next(code for code in secrets.values() if len(code) > 20)
    shown = page.format(f"<pre><span>{hidden}</span></pre>".replace("'", "&#39;"))
    (layout.feedback / "shown" / assignment / f"{name}.html").write_text(shown, encoding="utf-8")
    problems = feedback.leaked_hidden_tests(layout, assignment)
    assert len(problems) == 1 and problems[0].startswith(f"shown/{assignment}/"), problems


def test_a_runs_ipython_folder_starts_from_the_graders_profile(tmp_path, monkeypatch):
    """Kernels must start as under stock nbgrader, which uses the grader's IPython profile: its settings
    and startup files are copied into the run's own folder (whatever the run writes stays there)."""
    grader = tmp_path / "grader"
    (grader / "profile_default" / "startup").mkdir(parents=True)
    (grader / "profile_default" / "ipython_kernel_config.py").write_text("c.InlineBackend.rc = {}\n", encoding="utf-8")
    (grader / "profile_default" / "startup" / "10-grader.py").write_text("pass\n", encoding="utf-8")
    (grader / "profile_default" / "history.sqlite").write_bytes(b"")
    monkeypatch.setenv("IPYTHONDIR", str(grader))
    run = runner.prepare_ipython_dir(tmp_path / "run" / "ipython") / "profile_default"
    assert sorted(p.relative_to(run).as_posix() for p in run.rglob("*") if p.is_file()) == [
        "ipython_kernel_config.py", "startup/10-grader.py"]


def test_the_grading_environment_is_the_graders_own():
    """Nothing that can change a score is added to the kernels' environment (issue 15: MPLBACKEND=Agg
    kept figures open between cells and cost the reference answers 3 points on prestudy)."""
    env = runner.nbgrader_env()
    added = {name for name in env if name not in os.environ}
    assert added <= {"PATH"}, added
    changed = {name for name in os.environ if env[name] != os.environ[name]}
    assert changed <= {"PATH"}, changed



def test_a_batch_killed_by_a_submission_resumes_without_it_and_names_it(tmp_path):
    """Without isolation (a PC where bubblewrap cannot run), a kernel that kills its parent kills the batch
    itself: the next batch sets that submission aside with a Japanese reason and grades everyone else.
    (With bubblewrap the kill never reaches the batch: the corpus case kill-parent in tests/test_grading.py.)
    Two small batches in subprocesses (about 20 s): only a real process death shows what the journal keeps."""
    import subprocess
    import sys

    from ebpm.grading import journal, sandbox
    from tests.grading_cases import ASSIGNMENT, NOTEBOOK, make_course

    root = make_course(tmp_path)
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / '_grading' / 'gradebook.db'}", "ebpm") as gradebook:
        gradebook.update_or_create_assignment(ASSIGNMENT)
    for student, prefix in (("a-honest", ""), ("b-killer", "import os\nos.kill(os.getppid(), 9)\n"),
                            ("c-honest", "")):
        notebook = nbformat.read(root / "solutions" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", as_version=4)
        answer = next(c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("solution")
                      and c.cell_type == "code")
        answer.source = prefix + answer.source
        (root / "_grading" / "submitted" / student / ASSIGNMENT).mkdir(parents=True)
        nbformat.write(notebook, root / "_grading" / "submitted" / student / ASSIGNMENT / f"{NOTEBOOK}.ipynb")
    env = {**os.environ, sandbox.OFF_ENV: "off"}
    command = [sys.executable, "-m", "ebpm.cli", "grade", "--root", str(root), "--jobs", "1", "--no-feedback",
               "--no-report"]
    first = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert first.returncode == -9, (first.returncode, first.stdout[-2000:], first.stderr[-2000:])
    marks = journal.unfinished(root / "_grading" / "grade_journal.jsonl")
    assert list(marks) == [f"{ASSIGNMENT}/b-killer"] and marks[f"{ASSIGNMENT}/b-killer"].alone
    second = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert second.returncode == 0, (second.stdout[-2000:], second.stderr[-2000:])
    entries = journal.read(root / "_grading" / "grade_journal.jsonl")
    assert {key: e.status for key, e in entries.items()} == {
        f"{ASSIGNMENT}/a-honest": "graded", f"{ASSIGNMENT}/b-killer": "failed", f"{ASSIGNMENT}/c-honest": "graded"}
    killer = entries[f"{ASSIGNMENT}/b-killer"]
    assert killer.reason_kind == "batch_killed" and "途中で止まりました" in killer.reason
    assert "採点できず prestudy/b-killer" in second.stdout and "要確認（不正の疑い） prestudy/b-killer" in second.stdout
    assert "隔離せずに採点しました" in second.stdout and sandbox.OFF_ENV in second.stdout


_FORMGRADER_PROBE = r"""
import json, sys
from nbconvert.exporters import HTMLExporter
from nbgrader.apps import NbGrader
from nbgrader.apps.api import NbGraderAPI
from nbgrader.auth import Authenticator
from nbgrader.coursedir import CourseDirectory
from nbgrader.server_extensions.formgrader import handlers

# the exporter the formgrader's notebook view uses, and the API its assignment page asks
exporter = HTMLExporter(template_name="formgrade", extra_template_basedirs=[handlers.template_path])
mathjax = exporter.environment.from_string("{% from 'mathjax.html.j2' import mathjax %}{{ mathjax() }}").render()
app = NbGrader()
app.load_config_file()
api = NbGraderAPI(CourseDirectory(parent=app), Authenticator(parent=app), parent=app)
print(json.dumps({"mathjax": mathjax, "exchange_missing": api.exchange_missing}))
"""


def test_the_formgrader_loads_no_script_from_the_internet_and_needs_no_exchange_on_a_pc(tmp_path):
    """`ebpm formgrader`'s server environment: nbconvert's MathJax macro (a CDN script in the formgrader's
    notebook view) renders nothing, and nbgrader finds an exchange folder (no "exchange directory does not
    exist" warning) where the hub's does not exist; the same probe without it shows both problems."""
    import json
    import subprocess
    import sys

    from ebpm.grading import formgrader

    root = tmp_path / "course"
    root.mkdir()
    shutil.copy(course.repo_root() / course.CONFIG_FILE, root / course.CONFIG_FILE)
    planned = formgrader.server(root)
    if formgrader.HUB_EXCHANGE.is_dir() or os.environ.get("EBPM_EXCHANGE"):
        pytest.fail("this check needs a machine without the hub's exchange folder, as an instructor's PC")

    def probe(env):
        done = subprocess.run([sys.executable, "-c", _FORMGRADER_PROBE], cwd=root, env=env, capture_output=True,
                              text=True, timeout=120)
        assert done.returncode == 0, done.stderr[-2000:]
        return json.loads(done.stdout.strip().splitlines()[-1])

    ours = probe(planned.env)
    assert "http" not in ours["mathjax"] and ours["exchange_missing"] is False
    stock = probe(runner.nbgrader_env())
    assert "https://cdnjs" in stock["mathjax"] and stock["exchange_missing"] is True


def test_the_hr_files_state_the_pass_mark_the_date_and_the_assignments_counted(tmp_path):
    import pandas as pd
    from nbgrader.api import Gradebook

    from ebpm import catalog
    from ebpm.evaluation import is_evaluation
    from ebpm.grading import completion, layout as layouts

    root = tmp_path / "course"
    root.mkdir()
    shutil.copy(course.repo_root() / course.CONFIG_FILE, root / course.CONFIG_FILE)
    layout = layouts.load(root)
    layout.grading.mkdir(parents=True, exist_ok=True)
    with Gradebook(layout.db_url, layout.course_id) as gradebook:
        for assignment in ("prestudy", "ws1_problem_and_data"):
            gradebook.update_or_create_assignment(assignment)
        gradebook.update_or_create_student("tanaka01", last_name="田中", first_name="花子")
    result = completion.completion(layout, ["prestudy", "ws1_problem_and_data"], pass_mark=70)
    csv_path, xlsx_path = completion.write(layout, result)
    counted = f"{catalog.assignment('prestudy').title}、{catalog.assignment('ws1_problem_and_data').title}"
    table = pd.read_csv(csv_path, encoding="utf-8-sig")
    row = table.iloc[0]
    assert row["修了の基準（得点率 %）"] == 70 and row["数えた課題"] == counted
    assert row["判定日"] == completion.today().isoformat()
    sheet = pd.read_excel(xlsx_path, sheet_name="判定の条件", engine="openpyxl").set_index("項目")["内容"]
    assert "70% 以上" in sheet["修了の基準"] and sheet["数えた課題"] == counted
    minutes = catalog.assignment("prestudy").minutes + catalog.assignment("ws1_problem_and_data").minutes
    assert result.hours == round(minutes / 60 * 2) / 2 and f"{result.hours:g} 時間" in sheet["研修時間（修了証に記載）"]
    certificate = completion.certificate_html("田中 花子", "", result.hours, completion.today(), result.assignments)
    assert f"{result.hours:g} 時間" in certificate
    # the guide says the same: what the hours are, and the figures the catalogue gives today
    guide = (course.repo_root() / "docs" / "instructor_guide.md").read_text(encoding="utf-8")
    prestudy = catalog.assignment("prestudy").minutes
    every = sum(a.minutes for a in catalog.assignments() if not is_evaluation(a.id))  # 効果測定 never counts
    assert f"事前学習だけなら {prestudy} 分で {round(prestudy / 60 * 2) / 2:g} 時間" in guide
    assert f"全課題なら約 {round(every / 60 * 2) / 2:g} 時間" in guide
    assert f"| 事前学習 | 各自のペース（約 {round(prestudy / 60):g} 時間） |" in guide


def test_a_sandboxed_kernel_sees_nothing_of_the_home_folder_but_what_python_loads(tmp_path):
    """Learner code must not read the grader's SSH keys or cloud credentials; it must still import what the
    environment and the library provide from a home folder (an instructor's PC keeps both there)."""
    import subprocess
    import sys

    from ebpm.grading import sandbox

    found = sandbox.probe()
    if not found.available:
        pytest.fail(f"bubblewrap cannot run here: {found.reason}")
    home = tmp_path / "home"
    (home / ".ssh").mkdir(parents=True)
    (home / ".ssh" / "id_ed25519").write_text("SECRET KEY", encoding="utf-8")
    kept = home / "env" / "lib"
    kept.mkdir(parents=True)
    (kept / "helper_module.py").write_text("VALUE = 42\n", encoding="utf-8")
    work = tmp_path / "work"
    work.mkdir()
    connection = tmp_path / "runtime" / "kernel.json"
    connection.parent.mkdir()
    connection.write_text("{}", encoding="utf-8")
    box = sandbox.Sandbox(found.bwrap, hidden=(), writable=(work,), home=home, home_keep=(kept,))
    probe_code = (
        "import os, sys\n"
        f"sys.path.insert(0, {str(kept)!r})\n"
        "import helper_module\n"
        f"print('listing', sorted(os.listdir({str(home)!r})))\n"
        f"print('key', os.path.exists({str(home / '.ssh' / 'id_ed25519')!r}))\n"
        "print('import', helper_module.VALUE)\n"
        f"try:\n    open({str(home / 'planted')!r}, 'w')\nexcept OSError:\n    print('write refused')\n"
    )
    done = subprocess.run(box.wrap([sys.executable, "-c", probe_code], str(connection), cwd=str(work)),
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "key False" in done.stdout and "import 42" in done.stdout and "write refused" in done.stdout
    assert "'.ssh'" not in done.stdout
    assert (home / ".ssh" / "id_ed25519").read_text(encoding="utf-8") == "SECRET KEY"


def test_the_home_view_keeps_the_environment_and_not_the_working_folder(tmp_path, monkeypatch):
    """home_view mounts back only the outermost folders Python loads from under the home folder."""
    import sys

    from ebpm.grading import sandbox

    home = tmp_path / "home"
    venv = home / "course" / ".venv"
    (venv / "lib" / "site-packages").mkdir(parents=True)
    (home / ".fonts").mkdir()
    (home / ".ssh").mkdir()
    monkeypatch.chdir(home / "course")
    monkeypatch.setattr(sys, "path", [str(home / "course"), str(venv / "lib" / "site-packages"), "/usr/lib/python3"])
    monkeypatch.setattr(sys, "prefix", str(venv))
    hidden_home, kept = sandbox.home_view({"HOME": str(home)})
    assert hidden_home == home.resolve()
    assert set(kept) >= {venv.resolve(), (home / ".fonts").resolve()}
    assert all(p.is_relative_to(home.resolve()) for p in kept)
    assert (home / "course").resolve() not in kept and (home / ".ssh").resolve() not in kept
    assert sandbox.home_view({"HOME": "/"}) == (None, ())
