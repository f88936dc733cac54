"""What the learner's own code does, read from its syntax tree (never from substrings).

Only code the learner wrote is read: the statements of the cells they could edit that are not
already in the released notebook (``notebooks/<assignment>/``), so the course's own
demonstration cells never raise a flag. Each finding names one statement. Kinds:

- ``monkeypatch``: rebinds what the test cells rely on: an attribute of a module of ``ebpm``,
  of a module the notebook or its tests use (math, numpy, pandas, builtins, ...) or of a class
  defined there (``feedback._fail = ...``, ``setattr(math, "isclose", ...)``, ``del np.isclose``,
  ``vars(pd)[...] = ...``, ``sys.modules[...] = ...``), or redefines a name the notebook imports
  or a built-in function (``def len(x): ...``).
- ``grader_hooks``: reaches into IPython (its hooks, exception and display machinery, profile) or
  into the interpreter's tracing and display hooks.
- ``process_exit``: ends or signals processes, or loads ``ctypes``.
- ``file_writes``: writes, moves or deletes files (``open(..., "w")``, ``Path.open("w")``,
  ``Path.write_*``, pandas ``to_*`` with a path, ``os``/``shutil`` calls, shell commands). A write is
  expected where the exercise's own solution writes a file; there only a path that leaves the
  working folder is flagged.
"""
from __future__ import annotations

import ast
import builtins
import importlib
import threading
import types
from dataclasses import dataclass

# Modules whose functions the course's test cells and feedback helpers call, besides whatever the
# notebook itself imports.
ALWAYS_PROTECTED = frozenset({
    "ebpm", "builtins", "math", "numpy", "pandas", "matplotlib", "IPython", "ipykernel", "sys", "operator",
    "re", "numbers", "decimal", "statistics", "warnings", "traceback", "unittest", "html", "json", "pathlib",
})
SHELL = "<shell>"  # what get_ipython() returns
# Attributes of the IPython shell a learner may use without touching the grading machinery.
_SHELL_HARMLESS = {"run_line_magic", "run_cell_magic", "user_ns", "system", "getoutput", "system_piped",
                   "system_raw"}
_SHELL_COMMANDS = {"system", "getoutput", "system_piped", "system_raw"}
_WRITING_MAGICS = {"writefile", "save", "store", "sx", "system", "bookmark", "alias"}
_TRACE_HOOKS = {"sys.settrace", "sys.setprofile", "sys.displayhook", "sys.excepthook", "sys.breakpointhook",
                "threading.settrace", "threading.setprofile", "sys.addaudithook"}
_EXITS = {"os._exit", "os.kill", "os.killpg", "os.abort", "sys.exit", "signal.signal", "signal.alarm",
          "signal.setitimer", "signal.pthread_kill", "builtins.exit", "builtins.quit"}
_OS_WRITES = {"remove", "unlink", "rename", "renames", "replace", "rmdir", "removedirs", "mkdir", "makedirs",
              "truncate", "chmod", "chown", "utime", "symlink", "link", "write", "open", "system", "popen",
              "spawnl", "spawnv", "execv", "execl", "mkfifo", "ftruncate"}
_SHUTIL_READ_ONLY = {"which", "disk_usage", "get_terminal_size"}
_WRITE_FUNCTIONS = {"numpy.save", "numpy.savez", "numpy.savez_compressed", "numpy.savetxt", "io.open",
                    "codecs.open", "subprocess.run", "subprocess.call", "subprocess.check_call",
                    "subprocess.check_output", "subprocess.Popen", "pickle.dump", "tempfile.mkstemp"}
_PATH_WRITES = {"write_text", "write_bytes", "unlink", "rmdir", "touch", "mkdir", "symlink_to", "hardlink_to",
                "savefig"}
_PANDAS_WRITES = {"to_csv", "to_excel", "to_parquet", "to_json", "to_pickle", "to_feather", "to_hdf", "to_sql",
                  "to_stata", "to_html", "to_latex", "to_markdown", "to_string", "to_xml", "to_orc"}
_LEAVES_FOLDER = {"datasets", "data_dir", "cwd", "home", "parent", "parents", "environ", "getenv", "expanduser",
                  "__file__", "dirname", "abspath", "resolve", "gettempdir"}
_BUILTIN_NAMES = frozenset(n for n in dir(builtins) if not n.startswith("_"))


@dataclass(frozen=True)
class CodeFinding:
    kind: str
    statement: str  # the learner's statement, shortened


# CPython 3.11's parser keeps its recursion count per interpreter, not per thread: two threads parsing
# at once fail with "SystemError: AST constructor recursion depth mismatch" (pre-checks run in the
# batch's threads), so every parse goes through this lock.
_PARSE_LOCK = threading.Lock()


def parse(source: str) -> list[ast.stmt]:
    """``ast.parse(source).body``, safe to call from several threads."""
    with _PARSE_LOCK:
        return ast.parse(source).body


def parse_cell(source: str) -> list[ast.stmt]:
    """A cell's statements as IPython runs them (magics and ``!`` commands become calls); [] if it cannot run."""
    try:
        return parse(source)
    except (SyntaxError, ValueError):
        pass
    from IPython.core.inputtransformer2 import TransformerManager  # only for cells with IPython syntax

    try:
        with _PARSE_LOCK:  # the transformer parses too
            code = TransformerManager().transform_cell(source)
        return parse(code)
    except (SyntaxError, ValueError):
        return []


def statement_key(statement: ast.stmt) -> str:
    """The same for two statements that differ only in layout, comments or quotes."""
    return ast.dump(statement)


class _Context:
    """Names the notebook binds by imports (alias → dotted module path) and the protected roots."""

    def __init__(self, statements: list[ast.stmt], test_statements: list[ast.stmt] | None = None) -> None:
        self.aliases: dict[str, str] = {}
        # names the test cells take from the notebook (they use them and do not bind them themselves);
        # None when the test cells are not known: then every imported name counts
        self.test_names: set[str] | None = None if test_statements is None else _free_names(test_statements)
        self.shell_names: set[str] = set()
        roots = set(ALWAYS_PROTECTED)
        for node in (n for s in statements for n in ast.walk(s)):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    self.aliases[alias.asname or alias.name.split(".")[0]] = alias.name if alias.asname else alias.name.split(".")[0]
                    roots.add(alias.name.split(".")[0])
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                for alias in node.names:
                    if alias.name != "*":
                        self.aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
                roots.add(node.module.split(".")[0])
            elif (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
                  and _is_shell_call(node.value)):
                self.shell_names.add(node.targets[0].id)
        self.roots = frozenset(roots)

    def dotted(self, node: ast.AST) -> str | None:
        """``np.testing.assert_allclose`` → ``numpy.testing.assert_allclose``; the shell → ``<shell>...``."""
        parts: list[str] = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if _is_shell_call(node) or (isinstance(node, ast.Name) and node.id in self.shell_names):
            head = SHELL
        elif isinstance(node, ast.Name) and node.id in self.aliases:
            head = self.aliases[node.id]
        elif isinstance(node, ast.Name) and node.id in _BUILTIN_NAMES | {"__builtins__"}:
            head = "builtins" if node.id == "__builtins__" else f"builtins.{node.id}"
        else:
            return None
        return ".".join([head, *reversed(parts)])

    def protected(self, dotted: str | None) -> bool:
        return bool(dotted) and dotted.split(".")[0] in self.roots

    def holds_definitions(self, dotted: str) -> bool:
        """Is ``dotted`` a module, a class or a function of a protected module (rebinding its attributes
        changes what tests call)?"""
        if dotted.split(".")[0] == "builtins" and dotted.count(".") <= 1:
            return True
        target = _resolve(dotted)  # a module, a class or a function; not a settings object such as pd.options
        return target is _UNKNOWN or isinstance(target, (types.ModuleType, type)) or callable(target)


_UNKNOWN = object()


def _resolve(dotted: str) -> object:
    """The object a dotted path names in a protected module (imports, never calls); _UNKNOWN if unsure."""
    parts = dotted.split(".")
    try:
        target: object = importlib.import_module(parts[0])
    except Exception:
        return _UNKNOWN
    for index, part in enumerate(parts[1:], start=1):
        if hasattr(target, part):
            target = getattr(target, part)
            continue
        try:
            target = importlib.import_module(".".join(parts[: index + 1]))
        except Exception:
            return _UNKNOWN
    return target


def _is_shell_call(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "get_ipython"


def _short(node: ast.AST) -> str:
    text = " ".join(ast.unparse(node).split())
    return text if len(text) <= 80 else text[:77] + "..."


def _constant_text(node: ast.AST | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _writing_mode(text: str | None) -> bool:
    return bool(text) and set(text) <= set("rwxabtU+") and any(c in text for c in "wax+")


def _leaves_folder(path: ast.AST | None) -> bool:
    """Does a path expression evidently point outside the notebook's working folder?"""
    if path is None:
        return False
    for node in ast.walk(path):
        text = _constant_text(node)
        if text is not None and (text.startswith(("/", "~", "\\")) or ".." in text or "data/" in text
                                 or text.startswith("data")):
            return True
        if isinstance(node, ast.Name) and node.id in _LEAVES_FOLDER:
            return True
        if isinstance(node, ast.Attribute) and node.attr in _LEAVES_FOLDER:
            return True
    return False


class _Reader(ast.NodeVisitor):
    def __init__(self, context: _Context) -> None:
        self.context = context
        self.found: list[tuple[str, ast.AST, ast.AST | None]] = []  # (kind, node, path of a file write)

    def flag(self, kind: str, node: ast.AST, path: ast.AST | None = None) -> None:
        self.found.append((kind, node, path))

    # rebinding -----------------------------------------------------------------------------------
    def _target(self, target: ast.AST, node: ast.AST) -> None:
        if isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                self._target(element, node)
        elif isinstance(target, ast.Starred):
            self._target(target.value, node)
        elif isinstance(target, ast.Attribute):
            owner = self.context.dotted(target.value)
            if owner and (owner.startswith(SHELL) or f"{owner}.{target.attr}" in _TRACE_HOOKS):
                self.flag("grader_hooks", node)
            elif self.context.protected(owner) and self.context.holds_definitions(owner):
                self.flag("monkeypatch", node)
        elif isinstance(target, ast.Subscript):
            self._namespace_write(target.value, node)
        elif isinstance(target, ast.Name):
            self._rebinds_name(target.id, node)

    def _namespace_write(self, container: ast.AST, node: ast.AST) -> None:
        """``X.__dict__[...]``, ``vars(X)[...]``, ``sys.modules[...]``, ``__builtins__[...]`` written."""
        if isinstance(container, ast.Attribute) and container.attr == "__dict__":
            owner = self.context.dotted(container.value)
            if self.context.protected(owner) or (owner or "").startswith(SHELL):
                self.flag("monkeypatch", node)
        elif (isinstance(container, ast.Call) and isinstance(container.func, ast.Name)
              and container.func.id == "vars" and container.args):
            if self.context.protected(self.context.dotted(container.args[0])):
                self.flag("monkeypatch", node)
        elif self.context.dotted(container) in {"sys.modules", "builtins"}:
            self.flag("monkeypatch", node)
        elif (owner := self.context.dotted(container)) and owner.startswith(SHELL):
            self.flag("grader_hooks", node)

    def _rebinds_name(self, name: str, node: ast.AST) -> None:
        """A name the notebook imports (a module, a check helper) that the test cells take from the
        notebook, or a built-in function, redefined.

        Names the test cells import again themselves (``from ebpm import feedback`` in each test cell)
        cannot change a test, and ordinary variables named like a built-in (``max = ...``) are left
        alone; functions and classes with those names are not."""
        defines = isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) or (
            isinstance(node, ast.Assign) and isinstance(node.value, ast.Lambda))
        used_by_tests = self.context.test_names is None or name in self.context.test_names
        if name in self.context.aliases and self.context.protected(self.context.aliases[name]) and used_by_tests:
            self.flag("monkeypatch", node)
        elif name == "get_ipython":
            self.flag("grader_hooks", node)
        elif name in _BUILTIN_NAMES and defines:
            self.flag("monkeypatch", node)

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            self._target(target, node)
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self._target(node.target, node)
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self._target(node.target, node)
        self.generic_visit(node)

    def visit_Delete(self, node: ast.Delete) -> None:
        for target in node.targets:
            if not isinstance(target, ast.Name):
                self._target(target, node)
        self.generic_visit(node)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self._rebinds_name(node.name, node)
        self.generic_visit(node)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self._rebinds_name(node.name, node)
        self.generic_visit(node)

    def visit_Import(self, node: ast.Import | ast.ImportFrom) -> None:
        for alias in node.names:
            if alias.name.split(".")[0] in {"ctypes", "cffi"} or (
                    isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in {"ctypes", "cffi"}):
                self.flag("process_exit", node)
        self.generic_visit(node)

    visit_ImportFrom = visit_Import

    # calls ---------------------------------------------------------------------------------------
    def visit_Call(self, node: ast.Call) -> None:
        name = self.context.dotted(node.func)
        method = node.func.attr if isinstance(node.func, ast.Attribute) else None
        args = node.args
        if name in {"builtins.setattr", "builtins.delattr"} and args:
            owner = self.context.dotted(args[0])
            if owner and owner.startswith(SHELL):
                self.flag("grader_hooks", node)
            elif self.context.protected(owner) and self.context.holds_definitions(owner):
                self.flag("monkeypatch", node)
        elif method in {"update", "__setitem__", "setdefault", "pop", "__delitem__"}:
            self._namespace_write(node.func.value, node)  # type: ignore[union-attr]
        if name and name.startswith(SHELL):
            self._shell_call(name, node)
        elif name in _TRACE_HOOKS:
            self.flag("grader_hooks", node)
        elif name in _EXITS:
            self.flag("process_exit", node)
        elif name and (name.startswith("unittest.mock") and name.rsplit(".", 1)[-1] in {"patch", "object", "dict"}
                       or name.endswith("mock.patch.object")):
            self.flag("monkeypatch", node)
        self._file_write(node, name, method)
        self.generic_visit(node)

    def _shell_call(self, name: str, node: ast.Call) -> None:
        attribute = name[len(SHELL) + 1:].split(".")[0] if name != SHELL else ""
        if attribute in _SHELL_COMMANDS:
            self.flag("file_writes", node)
        elif attribute in {"run_line_magic", "run_cell_magic"}:
            magic = _constant_text(node.args[0]) if node.args else None
            if magic in _WRITING_MAGICS:
                self.flag("file_writes", node)
            elif magic in {"run", "load", "config", "load_ext", "reload_ext"}:
                self.flag("grader_hooks", node)
        elif attribute and attribute not in _SHELL_HARMLESS:
            self.flag("grader_hooks", node)

    def _file_write(self, node: ast.Call, name: str | None, method: str | None) -> None:
        keywords = {k.arg: k.value for k in node.keywords if k.arg}
        first = node.args[0] if node.args else None
        if name == "builtins.open" or name in {"io.open", "codecs.open"}:
            mode = node.args[1] if len(node.args) > 1 else keywords.get("mode")
            if mode is not None and (_constant_text(mode) is None or _writing_mode(_constant_text(mode))):
                self.flag("file_writes", node, first or keywords.get("file"))
        elif name and name.startswith("os.") and name.split(".", 1)[1] in _OS_WRITES:
            self.flag("file_writes", node, first)
        elif name and name.startswith("shutil.") and name.split(".", 1)[1] not in _SHUTIL_READ_ONLY:
            self.flag("file_writes", node, node.args[-1] if node.args else None)
        elif name in _WRITE_FUNCTIONS:
            self.flag("file_writes", node, first)
        elif method == "open" and name not in {"builtins.open"}:
            mode = first if first is not None else keywords.get("mode")
            if _writing_mode(_constant_text(mode)):  # Path.open("w"); zipfile's open("a.csv") is a name
                self.flag("file_writes", node, node.func.value)  # type: ignore[union-attr]
        elif method in _PATH_WRITES:
            target = first if method == "savefig" else node.func.value  # type: ignore[union-attr]
            self.flag("file_writes", node, target)
        elif method in _PANDAS_WRITES:
            target = first or next((keywords[k] for k in ("path_or_buf", "excel_writer", "path", "buf", "name", "con")
                                    if k in keywords), None)
            if target is not None:  # without a target these return text and write nothing
                self.flag("file_writes", node, target)

    # names reached ---------------------------------------------------------------------------------
    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr in {"profile_dir", "startup_dir", "ipython_dir"}:
            self.flag("grader_hooks", node)
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str) and (".ipython" in node.value or "IPYTHONDIR" in node.value):
            self.flag("grader_hooks", node)


def learner_statements(cells: list[str], released_cells: list[str]) -> list[ast.stmt]:
    """The statements of ``cells`` that the released notebook does not already contain."""
    released = {statement_key(s) for source in released_cells for s in parse_cell(source)}
    return [s for source in cells for s in parse_cell(source) if statement_key(s) not in released]


def read_code(cells: list[str], released_cells: list[str], context_cells: list[str],
              writes_expected: bool = False, test_cells: list[str] | None = None) -> list[CodeFinding]:
    """Findings for the learner's own statements in ``cells``.

    ``context_cells`` are every code cell of the notebook (their imports say what a name means);
    ``writes_expected``: the exercise's solution writes a file, so only a path that leaves the
    working folder is flagged; ``test_cells``: the notebook's test cells (hidden tests included)."""
    tests = None if test_cells is None else [s for source in test_cells for s in parse_cell(source)]
    context = _Context([s for source in context_cells for s in parse_cell(source)], tests)
    findings: list[CodeFinding] = []
    seen: set[tuple[str, str]] = set()
    for statement in learner_statements(cells, released_cells):
        reader = _Reader(context)
        reader.visit(statement)
        for kind, node, path in reader.found:
            if kind == "file_writes" and writes_expected and not _leaves_folder(path):
                continue
            key = (kind, _short(statement))
            if key not in seen:
                seen.add(key)
                findings.append(CodeFinding(kind, _short(node if kind != "monkeypatch" else statement)))
    return findings


def _free_names(statements: list[ast.stmt]) -> set[str]:
    """Names that code reads without binding them itself (a rough scope: the whole code as one)."""
    loaded, bound = set(), set()
    for node in (n for s in statements for n in ast.walk(s)):
        if isinstance(node, ast.Name):
            (loaded if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bound |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
    return loaded - bound


def writes_files(source: str) -> bool:
    """Does this (solution) code write a file? Also through a helper named for it (``opendata.write_csv``)."""
    statements = parse_cell(source)
    reader = _Reader(_Context(statements))
    for statement in statements:
        reader.visit(statement)
    if any(kind == "file_writes" for kind, _, _ in reader.found):
        return True
    return any(isinstance(node, ast.Call) and _called_name(node).startswith(("write", "save", "export", "to_"))
               for statement in statements for node in ast.walk(statement))


def _called_name(call: ast.Call) -> str:
    function = call.func
    return function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", "")
