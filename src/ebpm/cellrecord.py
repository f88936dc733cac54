"""What the learner's cells did: a record of recent cell runs and plain-Japanese error names.

Importing ``ebpm`` inside IPython registers a ``post_run_cell`` hook that keeps the last few runs
(source and error, if any). Test cells read it to tell an untouched stub from an answer cell that
stopped with an error. Nothing here changes what a cell does or prints.
"""
from __future__ import annotations

import ast
import difflib
import re
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ebpm import diagnosis

STUB_MARKER = "raise NotImplementedError"
TEST_CELL_MARKER = "# このセルは答えを確かめるテストです"
_RUNS: deque["CellRun"] = deque(maxlen=60)
_installed: set[int] = set()


@dataclass
class CellRun:
    source: str
    error: BaseException | None

    @property
    def is_test_cell(self) -> bool:
        return self.source.lstrip().startswith(TEST_CELL_MARKER)

    @property
    def is_stub_error(self) -> bool:
        return isinstance(self.error, NotImplementedError) and STUB_MARKER in self.source

    @property
    def stub_only(self) -> bool:
        """The cell holds nothing but the stub (comments, blank lines and the raise)."""
        lines = [line.strip() for line in self.source.splitlines()]
        code = [line for line in lines if line and not line.startswith("#")]
        return all(STUB_MARKER in line for line in code) and bool(code)

    def assigns(self, name: str) -> bool:
        return bool(_assignment_lines(self.source, name)) or re.search(rf"\b{re.escape(name)}\s*=", self.source) is not None

    def assigned_before_error(self, name: str) -> bool:
        """Whether the cell assigned ``name`` before the line that raised (so the value is fresh)."""
        line = _error_line(self.error)
        assigned = _assignment_lines(self.source, name)
        if line is None or not assigned or isinstance(self.error, SyntaxError):
            return False
        return min(assigned) < line


def record(source: str, error: BaseException | None) -> None:
    _RUNS.append(CellRun(source, error))


def _on_post_run(result: Any) -> None:
    error = result.error_before_exec or result.error_in_exec
    record(getattr(result.info, "raw_cell", "") or "", error)


def install() -> None:
    """Start recording cell runs in the running IPython shell (once per shell)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None or id(shell) in _installed:
        return
    shell.events.register("post_run_cell", _on_post_run)
    shell.set_custom_exc((Exception,), _traceback_with_explanation)
    _installed.add(id(shell))


def _traceback_with_explanation(shell: Any, etype: type, value: BaseException, tb: Any,
                                tb_offset: int | None = None) -> None:
    """IPython's usual traceback, followed by what the error means in plain Japanese.

    Test cells' ``AnswerError`` keeps its own short rendering. The output stays an error output,
    so nbgrader scores exactly as before.
    """
    if hasattr(value, "_render_traceback_"):
        lines = value._render_traceback_()
    else:
        lines = shell.InteractiveTB.structured_traceback(etype, value, tb, tb_offset=tb_offset)
        _, explanation = explain_error(value, shell.user_ns)
        lines = [*lines, "", f"\x1b[1;34mこのエラーの意味: {explanation}\x1b[0m"]
    # IPython ignores what a custom handler returns; showing is the handler's job (a kernel sends
    # it to the notebook as an error output, as for any other error)
    shell._showtraceback(etype, value, lines)


def last_answer_run(name: str) -> CellRun | None:
    """The latest run of a cell that is not a test cell and that assigns ``name`` or holds the stub.

    Only runs after the latest run of any other test cell count, so an earlier exercise's cell is
    never taken for this one.
    """
    for run in reversed(_RUNS):
        if run.is_test_cell:
            if name in run.source:
                continue
            break
        if run.assigns(name) or STUB_MARKER in run.source:
            return run
    return None


def stub_is_latest() -> bool:
    """Whether the cell run just before the current one was an untouched stub."""
    for run in reversed(_RUNS):
        if run.is_test_cell:
            continue
        return run.is_stub_error
    return False


def _assignment_lines(source: str, name: str) -> list[int]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    lines = []
    for node in ast.walk(tree):
        targets: list[ast.AST] = []
        if isinstance(node, ast.Assign):
            targets = list(node.targets)
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            targets = [node.target]
        elif isinstance(node, (ast.For, ast.With)):
            targets = [node.target] if isinstance(node, ast.For) else [i.optional_vars for i in node.items if i.optional_vars]
        for target in targets:
            if any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(target)):
                lines.append(node.end_lineno or node.lineno)
    return lines


# ---- values typed in rather than computed -------------------------------------------------------

# Calls that only reshape what they are given: a value made of typed numbers through them is still typed.
_RESHAPING_CALLS = {"round", "int", "float", "abs", "list", "tuple", "dict", "set", "sorted", "str",
                    "ceil", "floor", "Series", "DataFrame", "array"}


def _typed(node: ast.AST, typed_names: set[str]) -> bool:
    """Whether an expression is built only from literals (and names that were given literals)."""
    if isinstance(node, ast.Constant):
        return not isinstance(node.value, type(Ellipsis))
    if isinstance(node, ast.Name):
        return node.id in typed_names
    if isinstance(node, ast.UnaryOp):
        return _typed(node.operand, typed_names)
    if isinstance(node, ast.BinOp):
        return _typed(node.left, typed_names) and _typed(node.right, typed_names)
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return all(_typed(e, typed_names) for e in node.elts)
    if isinstance(node, ast.Dict):
        return all(k is not None and _typed(k, typed_names) for k in node.keys) and all(
            _typed(v, typed_names) for v in node.values)
    if isinstance(node, ast.JoinedStr):
        return all(isinstance(v, ast.Constant) for v in node.values)
    if isinstance(node, ast.Call):
        function = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        return function in _RESHAPING_CALLS and all(_typed(a, typed_names) for a in node.args) and all(
            _typed(k.value, typed_names) for k in node.keywords)
    return False


def assigns_typed_value(source: str, name: str) -> bool:
    """Whether the cell's last assignment to ``name`` gives it a value typed in (numbers, text, a list or
    dict of them, arithmetic on them) rather than one computed from the data, and nothing changes it after.

    ``x = 0.0123`` and ``x = 0.31 - 0.29`` are typed; ``x = rates[1] - rates[0]`` is computed, and so is
    ``rows = []`` followed by ``rows.append(...)``.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return False
    typed_names: set[str] = set()
    last: ast.Assign | None = None
    for statement in tree.body:
        if isinstance(statement, ast.Assign) and all(isinstance(t, ast.Name) for t in statement.targets):
            is_typed = _typed(statement.value, typed_names)
            for target in statement.targets:
                (typed_names.add if is_typed else typed_names.discard)(target.id)
            if any(t.id == name for t in statement.targets):
                last = statement
        elif name in {n.id for n in ast.walk(statement) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}:
            last = None  # assigned some other way (a loop, unpacking, a with block)
            typed_names.discard(name)
    if last is None or name not in typed_names:
        return False
    for node in ast.walk(tree):  # changed in place afterwards (rows.append(...), table["x"] = ...)
        if getattr(node, "lineno", 0) <= (last.end_lineno or last.lineno):
            continue
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == name:
            return False
        if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store) and getattr(node.value, "id", None) == name:
            return False
    return True


def text_literals(source: str) -> list[str]:
    """The text literals written in a cell (what a learner typed to select rows, name things...)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return re.findall(r"[\"']([^\"'\n]+)[\"']", source)
    found = [node for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)]
    return [node.value for node in sorted(found, key=lambda n: (n.lineno, n.col_offset))]


def _error_line(error: BaseException | None) -> int | None:
    """The line of the cell (not of a library) where ``error`` was raised."""
    if error is None:
        return None
    if isinstance(error, SyntaxError):
        return error.lineno
    tb = error.__traceback__
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_name == "<module>" and "site-packages" not in tb.tb_frame.f_code.co_filename:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


# ---- errors in plain words ---------------------------------------------------------------

_ENAMES = {
    "KeyError": "KeyError: 名前が見つかりません",
    "NameError": "NameError: 変数が見つかりません",
    "SyntaxError": "SyntaxError: 文法の誤り",
    "IndentationError": "IndentationError: 字下げの誤り",
    "ValueError": "ValueError: 値の誤り",
    "TypeError": "TypeError: 型の誤り",
    "AttributeError": "AttributeError: 機能の名前の誤り",
    "MergeError": "MergeError: 結合の誤り",
    "IndexError": "IndexError: 位置の誤り",
    "ZeroDivisionError": "ZeroDivisionError: 0 で割った",
    "FileNotFoundError": "FileNotFoundError: ファイルが見つかりません",
}


def explain_error(error: BaseException, namespace: Mapping[str, Any] | None = None,
                  source: str | None = None) -> tuple[str, str]:
    """(short name, explanation) of an error in plain Japanese, with what to check.

    The cause is read from the cell's code first (``source``, else the code the traceback points at):
    ``a > 1 & b == c`` raises a type error and ``true`` an unknown name, and saying so would point the
    learner the wrong way. No English sentence from Python or pandas is pasted into the explanation.
    """
    namespace = namespace or {}
    kind = type(error).__name__
    text = str(error)
    ename = _ENAMES.get(kind, kind)
    if kind == "NotImplementedError":
        return ename, ("`raise NotImplementedError()` は「まだ回答していません」という印です。この行を消して、"
                       "答えのコードを書いてから実行してください。")
    if isinstance(error, SyntaxError):
        return ename, _explain_syntax(error)
    code = source if source is not None else diagnosis.cell_source(error)
    if isinstance(error, NameError):
        missing = getattr(error, "name", None) or _quoted(text)
        if missing in diagnosis.LOWERCASE_CONSTANTS:
            return ename, diagnosis.lowercase_constant(missing).message
    slip = diagnosis.first_slip(code, namespace, ("unbracketed-condition", "keyword-typo", "lowercase-constant"))
    if slip is not None and isinstance(error, (TypeError, ValueError, NameError)):
        return ename, slip.message
    # a selection that kept no row, a groupby never aggregated, rows chosen by another table's condition:
    # the error comes later, from what that slip made
    slip = diagnosis.first_slip(code, namespace, ("mixed-tables", "unaggregated", "string-vs-number", "number-vs-string",
                                                  "value-typo", "width-variant", "letter-case"))
    if slip is not None and not isinstance(error, NameError):
        return ename, f"{slip.message}（このエラーは、そのために後の行で起きています）"
    if isinstance(error, KeyError):
        return ename, _explain_key(error, namespace, code)
    if isinstance(error, NameError):
        missing = getattr(error, "name", None) or _quoted(text)
        names = [k for k in namespace if not k.startswith("_")]
        near = difflib.get_close_matches(str(missing), names, n=3, cutoff=0.6)
        message = (f"「{diagnosis.shorten(missing)}」という名前の変数や関数がありません。上のセルを順に実行しましたか？"
                   "（メニューの「実行」→「選択したセルより上をすべて実行」）つづりも確かめてください。")
        if near:
            message += f" 似た名前: {'、'.join(near)}"
        return ename, message
    if kind == "MergeError":
        return ename, ("表をつなぐ（merge）ときの指定に問題があります。つなぐ列（キー）に同じ値が何度も出てこないか、"
                       "両方の表でキーの列の型（数値と文字列）がそろっているかを確かめてください。")
    if isinstance(error, ValueError) and "truth value" in text and "ambiguous" in text \
            and not re.search(r"\b(and|or|if|while)\b", code or "and"):
        return ename, ("1 つの値（数や True/False）が必要な所に、表や列（複数の値）を渡しています。集計（.sum()、.mean()、"
                       ".std() など）や、1 つの値の取り出しが抜けていないか確かめてください。")
    if isinstance(error, ValueError) and "Could not interpret value" in text:
        column = diagnosis.shorten(re.sub(r"^.*?`([^`]*)`.*$", r"\1", text, flags=re.S))
        near = difflib.get_close_matches(column, _column_names(namespace), n=3, cutoff=0.4)
        return ename, (f"グラフに指定した列「{column}」が、data= に渡した表にありません。列名のつづりを確かめてください。"
                       + (f" 近い列名: {'、'.join(near)}" if near else ""))
    if kind == "PatsyError":
        wide = sorted({ch for ch in (code or "") if "\uff01" <= ch <= "\uff5e"})
        if wide:
            return ename, (f"回帰の式に全角の文字（{''.join(wide)}）があります。式の記号・かっこ・英字は半角で書きます。")
        return ename, ("回帰の式（\"y ~ x\" の形）を読めませんでした。式の中の列名が、data= に渡した表にあるかを確かめてください。")
    if isinstance(error, ValueError) and "truth value" in text and "ambiguous" in text:
        return ename, ("条件を組み合わせるときは `and` / `or` ではなく `&` / `|` を使い、それぞれの条件を "
                       "`( )` で囲みます。例: 表[(表[\"A\"] > 1) & (表[\"B\"] == \"x\")]")
    if isinstance(error, ValueError) and ("merge" in text and ("int64" in text or "object" in text)):
        return ename, "つなぐ列（キー）の型が 2 つの表で違います（数値と文字列など）。型をそろえてからつないでください。"
    if isinstance(error, ValueError) and ("Unable to parse string" in text or "invalid literal" in text
                                          or "could not convert string" in text):
        value = diagnosis.shorten(_quoted(text, last=True), 20)
        return ename, (f"数値に変換できない文字「{value}」が入っています。記号（- や …）やカンマ、全角の数字が"
                       "ないか確かめ、`pd.to_numeric(列, errors=\"coerce\")` で数値にできない値を NaN にできます。")
    if isinstance(error, TypeError):
        if "unsupported operand" in text or "can only concatenate" in text or "not supported between" in text \
                or "invalid comparison" in text.lower():
            if "str" in text and ("comparison" in text.lower() or "not supported between" in text):
                return ename, ("数値と文字列を大小で比べています。数値の列と比べる値は引用符で囲まずに書きます"
                               "（\"2020\" ではなく 2020）。列の型は `表.dtypes` で確かめられます。")
            return ename, ("文字列と数値のように、種類（型）の違う値どうしを計算・比較しようとしています。"
                           "列の型を `表.dtypes` で確かめ、数値にするなら `pd.to_numeric` を使います。")
        if "not callable" in text:
            return ename, "関数ではないものを `( )` で呼び出しています。かっこの付け方を確かめてください。"
        return ename, "関数や計算に、想定と違う種類（型）の値を渡しています。かっこの中に渡した値を確かめてください。"
    if isinstance(error, AttributeError):
        attr = getattr(error, "name", None) or _quoted(text, last=True)
        return ename, (f"「{diagnosis.shorten(attr)}」という機能（メソッドや属性）がありません。つづりを確かめてください。"
                       "列を取り出すときは 表[\"列名\"] と書きます。")
    if isinstance(error, IndexError):
        return ename, "表やリストの範囲の外の位置を指定しています。行数や、位置の番号（0 から始まります）を確かめてください。"
    if isinstance(error, ZeroDivisionError):
        return ename, "0 で割っています。割る数（分母）が 0 になっていないか確かめてください。"
    if kind == "DataFormatError" or type(error).__module__.startswith("ebpm"):
        return kind, text
    if isinstance(error, FileNotFoundError):
        return ename, "ファイルが見つかりません。ファイル名と場所を確かめてください（研修のデータは datasets.path(\"名前\") で探せます）。"
    return ename, f"回答セルのエラーを上から読んで、どの行で止まったかを確かめてください（{kind}）。"


def _explain_key(error: KeyError, namespace: Mapping[str, Any], source: str = "") -> str:
    """A missing column named in Japanese: the nearest column, the two-level columns of agg([...])."""
    key = error.args[0] if error.args else ""
    if isinstance(key, tuple):
        return ("表から複数の列を選ぶときは、列名のリストをかっこ 2 重で囲みます"
                "（表[[\"列1\", \"列2\"]]）。")
    keys = diagnosis.missing_keys(error)
    if len(keys) == 1:
        multi = diagnosis.multiindex_key(keys[0], namespace)
        if multi:
            return multi
    if len(keys) == 1 and source:
        used = diagnosis.used_table(source, keys[0])
        elsewhere = [t for t in diagnosis.tables_with(keys[0], namespace) if t != used]
        if used and elsewhere:
            return (f"`{used}` には「{diagnosis.shorten(keys[0])}」という列がありません。この列がある表は "
                    f"{'、'.join(f'`{t}`' for t in elsewhere[:3])} です。使う表（変数）を確かめてください。")
    shown = "」「".join(diagnosis.shorten(k) for k in keys[:3]) + ("」など" if len(keys) > 3 else "」")
    message = f"表に「{shown}という列（または行の名前）がありません。列名のつづりを確かめてください。"
    near = [n for k in keys[:3] for n in difflib.get_close_matches(str(k), _column_names(namespace), n=3, cutoff=0.4)]
    if near:
        message += f" 近い列名: {'、'.join(dict.fromkeys(near))}"
    return message


def _explain_syntax(error: SyntaxError) -> str:
    text = (error.msg or "").lower()
    where = f"{error.lineno} 行目" if error.lineno else "どこか"
    line = (error.text or "").strip()
    if isinstance(error, IndentationError):
        return f"{where}の行頭の空白（字下げ）がそろっていません。余分な空白を消してください。"
    nested = diagnosis.nested_fstring_quotes(error)
    if nested:
        return f"{where}: {nested}"
    if "maybe you meant '=='" in text or ("cannot assign" in text and "==" not in line) or (
            "invalid syntax" in text and re.search(r"\[[^\]]*[^=!<>]=[^=][^\]]*\]", line)):
        return f"{where}: 等しいかどうかを比べるときは `=` ではなく `==` を使います。"
    if "never closed" in text or "unmatched" in text or "does not match" in text or "was never closed" in text or "eof" in text \
            or "incomplete input" in text:
        return f"{where}: かっこ `( )`・`[ ]`・`{{ }}` や引用符 `\"` の、開きと閉じの数が合っていません。"
    if "unterminated string" in text:
        return f"{where}: 文字列の引用符 `\"` が閉じられていません。"
    if "invalid character" in text:
        return f"{where}: 全角の記号や空白が入っています。記号とかっこは半角で書きます。"
    return f"{where}が Python の文法として読めません。かっこ・引用符・カンマ・`==` を確かめてください。"


def _quoted(text: str, last: bool = False) -> str:
    found = re.findall(r"'([^']*)'", text)
    return (found[-1] if last else found[0]) if found else text


def _column_names(namespace: Mapping[str, Any]) -> list[str]:
    try:
        import pandas as pd
    except ImportError:
        return []
    names: list[str] = []
    for key, value in namespace.items():
        if key.startswith("_"):
            continue
        if isinstance(value, pd.DataFrame):
            names += [str(c) for c in value.columns]
        elif isinstance(value, pd.Series) and len(value.index) <= 200:
            names += [str(i) for i in value.index]
    return list(dict.fromkeys(names))
