"""Causes read from the learner's own code: slips that Python and pandas report under another name, or not at all.

``a > 1 & b == "x"`` fails as a type error (``&`` binds before ``>``), ``_merge == "left only"`` fails
silently (no row matches), ``true`` fails as an unknown name. The error alone points the wrong way;
the code says what happened. ``slips`` reads an answer cell's code (with the tables in the namespace)
and returns each slip found, most certain first, each with a Japanese message naming the cause.
"""
from __future__ import annotations

import ast
import difflib
import linecache
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

LOWERCASE_CONSTANTS = {"true": "True", "false": "False", "none": "None", "TRUE": "True", "FALSE": "False",
                       "NONE": "None", "null": "None", "Null": "None", "NULL": "None", "nan": "np.nan"}
KEYWORD_CHOICES = {
    "how": ("left", "right", "inner", "outer", "cross"),
    "validate": ("one_to_one", "one_to_many", "many_to_one", "many_to_many", "1:1", "1:m", "m:1", "m:m"),
    "kind": ("line", "bar", "barh", "hist", "box", "kde", "density", "area", "pie", "scatter", "hexbin"),
    "errors": ("raise", "coerce", "ignore"),
    "keep": ("first", "last"),
}
MAX_VALUES = 5000  # distinct values of a column looked at for the nearest spelling
MAX_SHOWN = 40  # characters of a value shown in a message


@dataclass(frozen=True)
class Slip:
    """One cause found in the code: ``cause`` is a short id (the error mutator checks it), ``message`` Japanese."""

    cause: str
    message: str


def shorten(text: str, limit: int = MAX_SHOWN) -> str:
    """A value as one short line (a long Series or list pasted into a message helps nobody)."""
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def cell_source(error: BaseException | None) -> str:
    """The code of the cell where ``error`` was raised (IPython keeps each cell's code in linecache)."""
    if error is None:
        return ""
    if isinstance(error, SyntaxError):
        return error.text or ""
    tb, found = error.__traceback__, ""
    while tb is not None:
        code = tb.tb_frame.f_code
        if code.co_name == "<module>" and "site-packages" not in code.co_filename:
            found = "".join(linecache.getlines(code.co_filename)) or found
        tb = tb.tb_next
    return found


def slips(source: str, namespace: Mapping[str, Any] | None = None) -> list[Slip]:
    """Every slip in ``source`` (an answer cell's code), most certain first; [] when it does not parse."""
    try:
        tree = ast.parse(source or "")
    except SyntaxError:
        return []
    namespace = namespace or {}
    found: list[Slip] = []
    found += _unbracketed_conditions(tree)
    found += _lowercase_constants(tree, namespace)
    found += _keyword_typos(tree)
    found += _compared_values(tree, namespace)
    found += _mixed_tables(tree, namespace)
    found += _unaggregated(tree, namespace)
    return list(dict.fromkeys(found))


def first_slip(source: str, namespace: Mapping[str, Any] | None = None, causes: tuple[str, ...] = ()) -> Slip | None:
    """The most certain slip (of one of ``causes`` when given)."""
    for slip in slips(source, namespace):
        if not causes or slip.cause in causes:
            return slip
    return None


# ---- the slips -----------------------------------------------------------------------------

def _unbracketed_conditions(tree: ast.AST) -> list[Slip]:
    """``a > 1 & b == c``: Python reads it as ``a > (1 & b) == c`` because & and | bind first."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare) and any(
                isinstance(part, ast.BinOp) and isinstance(part.op, (ast.BitAnd, ast.BitOr))
                for part in [node.left, *node.comparators]):
            joiner = next(part.op for part in [node.left, *node.comparators] if isinstance(part, ast.BinOp)
                          and isinstance(part.op, (ast.BitAnd, ast.BitOr)))
            sign = "&" if isinstance(joiner, ast.BitAnd) else "|"
            return [Slip("unbracketed-condition", (
                f"条件を `{sign}` でつなぐときは、1 つ 1 つの条件を `( )` で囲みます。Python は `{sign}` を `==` や `>` より先に"
                f"計算するので、かっこがないと `{shorten(ast.unparse(node), 60)}` は思った意味になりません。"
                f"例: 表[(表[\"A\"] > 1) {sign} (表[\"B\"] == \"x\")]"))]
    return []


def _lowercase_constants(tree: ast.AST, namespace: Mapping[str, Any]) -> list[Slip]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in LOWERCASE_CONSTANTS and node.id not in namespace \
                and isinstance(node.ctx, ast.Load):
            return [lowercase_constant(node.id)]
    return []


def lowercase_constant(name: str) -> Slip:
    right = LOWERCASE_CONSTANTS[name]
    return Slip("lowercase-constant", (
        f"`{name}` と書かれています。Python では真偽値と「値なし」を `True`・`False`・`None` と、"
        f"先頭だけ大文字で書きます。`{name}` は `{right}` に直してください。"))


def _keyword_typos(tree: ast.AST) -> list[Slip]:
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        for keyword in node.keywords:
            choices = KEYWORD_CHOICES.get(keyword.arg or "")
            value = keyword.value
            if choices and isinstance(value, ast.Constant) and isinstance(value.value, str) \
                    and value.value not in choices:
                found.append(keyword_typo(keyword.arg, value.value, choices))
    return found


def keyword_typo(keyword: str, value: str, choices: tuple[str, ...] | None = None) -> Slip:
    choices = choices or KEYWORD_CHOICES.get(keyword, ())
    near = difflib.get_close_matches(value, choices, n=1, cutoff=0.5)
    hint = f"「{near[0]}」のつもりではありませんか？" if near else ""
    return Slip("keyword-typo", (
        f"`{keyword}=` に指定した「{shorten(value)}」は、決まった値ではありません。{hint}"
        f"使える値: {'、'.join(choices)}"))


def _column_values(node: ast.AST, namespace: Mapping[str, Any]) -> tuple[str, Any] | None:
    """(column name, Series) for ``table["column"]`` or ``table.column`` on a table in the namespace."""
    import pandas as pd

    table, column = None, None
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) \
            and isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str):
        table, column = namespace.get(node.value.id), node.slice.value
    elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        table, column = namespace.get(node.value.id), node.attr
    if isinstance(table, pd.DataFrame) and column in table.columns:
        series = table[column]
        return (column, series) if isinstance(series, pd.Series) else None
    return None


def _literals(node: ast.AST) -> list[Any]:
    if isinstance(node, ast.Constant) and isinstance(node.value, (str, int, float)) and not isinstance(node.value, bool):
        return [node.value]
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return [v.value for v in node.elts if isinstance(v, ast.Constant) and isinstance(v.value, (str, int, float))]
    return []


def _comparisons(tree: ast.AST, namespace: Mapping[str, Any]) -> Iterator[tuple[ast.AST, list[Any]]]:
    """(column expression, literal values) of each ``col == v``, ``col != v``, ``col.isin([...])``
    (the list written out, or a list of the learner's in the namespace)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "isin" \
                and node.args and isinstance(node.args[0], ast.Name):
            listed = namespace.get(node.args[0].id)
            if isinstance(listed, (list, tuple)) and all(isinstance(v, str) for v in listed):
                yield node.func.value, list(listed)
            continue
        if isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], (ast.Eq, ast.NotEq)):
            left, right = node.left, node.comparators[0]
            if _literals(right):
                yield left, _literals(right)
            elif _literals(left):
                yield right, _literals(left)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "isin" \
                and node.args and _literals(node.args[0]):
            yield node.func.value, _literals(node.args[0])


def _compared_values(tree: ast.AST, namespace: Mapping[str, Any]) -> list[Slip]:
    """A value compared with a column that never holds it: another type, width, case or spelling."""
    found = []
    for column_node, values in _comparisons(tree, namespace):
        column = _column_values(column_node, namespace)
        if column is None:
            continue
        name, series = column
        for value in values:
            slip = compared_value(name, series, value)
            if slip is not None:
                found.append(slip)
    return found


def compared_value(name: str, series: Any, value: Any) -> Slip | None:
    """Why ``series == value`` matches no row, when the code can tell (None when it matches or cannot tell)."""
    import pandas as pd

    from ebpm.textnorm import normalize_text

    numeric = pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)
    if isinstance(value, str):
        if numeric:
            return Slip("string-vs-number", (
                f"列「{name}」は数値の列ですが、文字列 \"{shorten(value)}\" と比べています。数値と文字列は等しくならないので、"
                f"1 行も選ばれません。引用符を外して {shorten(value)} と書きます。"))
        known = series.cat.categories if isinstance(series.dtype, pd.CategoricalDtype) else series.dropna()
        distinct = pd.unique(pd.Series(known).astype(str))  # a category no row holds yet is still a right value
        if len(distinct) > MAX_VALUES or value in set(distinct):
            return None
        same_width = [v for v in distinct if normalize_text(v) == normalize_text(value)]
        if same_width:
            return Slip("width-variant", (
                f"「{shorten(value)}」は、列「{name}」にある「{shorten(same_width[0])}」と、全角・半角や 〜 と ~ の違いで"
                f"別の文字になっているため、その行は選ばれません。表にあるとおり「{shorten(same_width[0])}」と書きます。"))
        same_case = [v for v in distinct if v.casefold() == value.casefold()]
        if same_case:
            return Slip("letter-case", (
                f"「{shorten(value)}」は、列「{name}」にある「{shorten(same_case[0])}」と大文字・小文字が違うため、"
                f"その行は選ばれません。表にあるとおり「{shorten(same_case[0])}」と書きます。"))
        near = difflib.get_close_matches(value, list(distinct), n=1, cutoff=0.6)
        nearest = f"近い値: 「{shorten(near[0])}」" if near else f"ある値の例: {'、'.join(shorten(v, 20) for v in distinct[:5])}"
        return Slip("value-typo", (
            f"列「{name}」に「{shorten(value)}」という値はありません（つづりを確かめてください）。{nearest}"))
    if isinstance(value, (int, float)) and not numeric and (pd.api.types.is_string_dtype(series)
                                                             or series.dtype == object):
        texts = set(series.dropna().astype(str).head(MAX_VALUES))
        if str(value) in texts or f"{value:0>5}" in texts or any(t.isdigit() for t in texts):
            return Slip("number-vs-string", (
                f"列「{name}」は文字列の列ですが、数値 {value} と比べています。文字列と数値は等しくならないので、"
                f"1 行も選ばれません。引用符で囲んで \"{value}\" と書きます。"))
    return None


def _mixed_tables(tree: ast.AST, namespace: Mapping[str, Any]) -> list[Slip]:
    """``a[b["x"] == 1]``: rows of one table chosen by a condition made from another."""
    import pandas as pd

    for node in ast.walk(tree):
        if not (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name)
                and isinstance(namespace.get(node.value.id), pd.DataFrame)):
            continue
        outer = node.value.id
        if isinstance(node.slice, ast.Compare) or isinstance(node.slice, ast.BinOp) or isinstance(node.slice, ast.Call):
            inner = {n.id for n in ast.walk(node.slice) if isinstance(n, ast.Name)
                     and isinstance(namespace.get(n.id), pd.DataFrame)}
            if inner and outer not in inner:
                other = sorted(inner)[0]
                return [Slip("mixed-tables", (
                    f"`{outer}[...]` の行を、別の表 `{other}` の列で作った条件で選んでいます。[ ] の前と中では同じ表を使います"
                    f"（`{outer}` は上の例の表ではありませんか？ 演習で使う表を問題文で確かめてください）。"))]
    return []


def _unaggregated(tree: ast.AST, namespace: Mapping[str, Any]) -> list[Slip]:
    """A variable left as a groupby (the .sum() or .mean() after it is missing)."""
    from pandas.core.groupby import GroupBy

    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store) and isinstance(namespace.get(node.id), GroupBy):
            return [Slip("unaggregated", (
                f"`{node.id}` は groupby でグループに分けただけで、まだ集計していません（1 つの数や表になっていません）。"
                "続けて .sum()・.mean() などの集計を書きます。"))]
    return []


def used_table(source: str, column: str) -> str | None:
    """The variable that ``source`` takes ``column`` from (``name["column"]``), if any."""
    try:
        tree = ast.parse(source or "")
    except SyntaxError:
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) \
                and isinstance(node.slice, ast.Constant) and node.slice.value == column:
            return node.value.id
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name) \
                and any(isinstance(c, ast.Constant) and c.value == column for a in node.args for c in ast.walk(a)):
            return node.func.value.id  # table.groupby("column"), table.sort_values("column")
    return None


def tables_with(column: str, namespace: Mapping[str, Any]) -> list[str]:
    import pandas as pd

    return [name for name, value in namespace.items() if not name.startswith("_")
            and isinstance(value, pd.DataFrame) and column in value.columns]


# ---- causes behind an error ------------------------------------------------------------------

def multiindex_key(key: Any, namespace: Mapping[str, Any]) -> str | None:
    """When ``key`` is the lower level of a table's two-level columns (after ``agg([...])``), say so."""
    import pandas as pd

    for variable, value in namespace.items():
        if variable.startswith("_") or not isinstance(value, pd.DataFrame):
            continue
        columns = value.columns
        if isinstance(columns, pd.MultiIndex) and any(key in level for level in columns.levels[1:]):
            top = next((c for c in columns if c[-1] == key), columns[0])
            return (f"表 `{variable}` の列は、agg([...]) で集計したため「(元の列名, 集計の名前)」の 2 段になっていて、"
                    f"「{shorten(key)}」だけでは選べません。`{variable}[{top!r}]` のように 2 つ並べて選ぶか、"
                    f"集計の前に列を 1 つ選んでください（表.groupby(...)[\"列名\"].agg([...])）。")
    return None


def missing_keys(error: KeyError) -> list[str]:
    """The names a KeyError is about, read out of pandas' English sentence when it wrote one."""
    import re

    key = error.args[0] if error.args else ""
    if isinstance(key, str) and re.match(r"^Columns? not found: ", key):
        return re.findall(r"'((?:[^'\\]|\\.)*)'", key) or [re.sub(r"^Columns? not found: ", "", key)]
    if isinstance(key, str) and "not present in the DataFrame" in key:
        return re.findall(r"'((?:[^'\\]|\\.)*)'", key.split(":", 1)[-1])
    if isinstance(key, str):
        listed = re.match(r"^(?:None of )?\[(.*)\] (?:are in the|not in)", key, re.S)
        if listed:
            inner = listed.group(1)
            inner = re.sub(r"^Index\(\[(.*)\],.*$", r"\1", inner, flags=re.S)
            names = re.findall(r"'((?:[^'\\]|\\.)*)'", inner) or [v.strip() for v in inner.split(",") if v.strip()]
            return list(dict.fromkeys(names))
    return [key if isinstance(key, str) else repr(key)]


def nested_fstring_quotes(error: SyntaxError) -> str | None:
    """Python 3.11 cannot read the same quote inside an f-string's braces (f"{df["列"]}")."""
    message = (error.msg or "").lower()
    line = error.text or ""
    if message.startswith("f-string") or _same_quote_inside_braces(line):
        return ("f 文字列（f\"...\"）の `{ }` の中で、外側と同じ引用符を使っています。この Python（3.11）では、"
                "外側を \" にしたら中は ' にします。例: f\"人口は {表['人口'].sum()} 人\"")
    return None


def _same_quote_inside_braces(line: str) -> bool:
    import re

    for quote in ('"', "'"):
        if re.search(rf"\bf{quote}[^{quote}]*\{{[^}}{quote}]*{quote}", line):
            return True
    return False
