"""Mutants of a reference answer: the mistakes a learner could make, written as AST changes.

Each operator walks the answer's syntax tree and yields one changed copy per place it applies:
operators and comparisons swapped, boundaries shifted, scale constants dropped or changed, operands
of ``/`` swapped, aggregations and head/tail/nlargest/nsmallest swapped, ``ascending`` flipped, a
column name replaced by another column of the same table, a join's ``how`` changed, a statement or a
step of a method chain removed (a filter, a dropna, a sort), ``round`` added or removed; and for charts,
the data handed to a chart put in text order (「10〜14歳」 before 「5〜9歳」), a chart element removed (a line,
a legend, an axis name, also inside a function) or an extra line or bar drawn beside the right one.
General-purpose mutation tools (mutmut, cosmic-ray) mutate Python operators only; the pandas-level
mistakes above are what learners make, so they are written here.
"""
from __future__ import annotations

import ast
import copy
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

AGGREGATIONS = ("sum", "mean", "median", "count", "size", "max", "min", "nunique", "std")
PAIRS = {"head": "tail", "tail": "head", "nlargest": "nsmallest", "nsmallest": "nlargest",
         "idxmax": "idxmin", "idxmin": "idxmax", "cummax": "cummin", "cummin": "cummax",
         "first": "last", "last": "first"}
CHAIN_STEPS = ("dropna", "drop_duplicates", "sort_values", "sort_index", "fillna", "reset_index", "head",
               "tail", "round", "abs", "astype", "query", "unique", "tolist", "copy", "nlargest", "nsmallest")
JOIN_HOWS = ("inner", "left", "right", "outer")
BINOP_SWAPS = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult,
               ast.FloorDiv: ast.Div, ast.Mod: ast.FloorDiv, ast.Pow: ast.Mult}
COMPARE_SWAPS = {ast.Lt: (ast.LtE, ast.Gt), ast.LtE: (ast.Lt, ast.GtE), ast.Gt: (ast.GtE, ast.Lt),
                 ast.GtE: (ast.Gt, ast.LtE), ast.Eq: (ast.NotEq,), ast.NotEq: (ast.Eq,),
                 ast.In: (ast.NotIn,), ast.NotIn: (ast.In,)}
SCALES = {10: (1, 100), 100: (1, 1000, 10), 1000: (1, 100, 10000), 10000: (1000, 100000), 100000: (10000, 1000)}
MAX_COLUMN_SWAPS = 4
# Calls that draw: their data put in text order is a category-order mistake (a pyramid with 5〜9歳 after 55〜59歳).
CHART_CALLS = ("population_pyramid", "bar", "barh", "plot", "relplot", "lineplot", "barplot", "scatter")
# Statements that add one element to a chart; removing one, or drawing another beside it, must be caught.
CHART_ELEMENTS = ("plot", "bar", "barh", "axhline", "axvline", "scatter", "hist", "legend", "set_title",
                  "set_xlabel", "set_ylabel", "set_titles", "set_axis_labels", "set_ylim", "set_xlim")
EXTRA_ELEMENTS = ("plot", "bar", "barh", "axhline", "scatter")
TEXT_ORDER = "__import__('ebpm.judging.mutate', fromlist=['in_text_order']).in_text_order"


@dataclass(frozen=True)
class Mutant:
    operator: str
    line: int
    before: str
    after: str
    source: str  # the whole mutated answer

    @property
    def diff(self) -> str:
        """The one-line change, as reports and the accepted-survivor list show it."""
        return f"{self.line}: {self.before}  →  {self.after}"


def mutants(source: str, columns: Sequence[Sequence[str]] = ()) -> list[Mutant]:
    """Every mutant of ``source`` (deduplicated), given the column lists of the tables in scope."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    original_lines = source.splitlines()
    found: dict[str, Mutant] = {}
    for operator, changed in _all_changes(tree, columns):
        try:
            text = ast.unparse(changed)
            compile(text, "<mutant>", "exec")
        except (SyntaxError, ValueError, TypeError):
            continue
        if text == ast.unparse(tree) or text in found:
            continue
        line, before, after = _changed_line(original_lines, tree, changed)
        found[text] = Mutant(operator, line, before, after, text)
    return list(found.values())


def _changed_line(original_lines: list[str], tree: ast.Module, changed: ast.Module) -> tuple[int, str, str]:
    for old, new in zip(tree.body, changed.body + [None] * (len(tree.body) - len(changed.body))):
        if new is None or ast.dump(old) != ast.dump(new):
            before = ast.unparse(old)
            after = ast.unparse(new) if new is not None else "(削除)"
            return old.lineno, _one_line(before), _one_line(after)
    return 0, "", ""


def _one_line(text: str) -> str:
    return " ".join(line.strip() for line in text.splitlines())


def _all_changes(tree: ast.Module, columns: Sequence[Sequence[str]]) -> Iterator[tuple[str, ast.Module]]:
    nodes = list(ast.walk(tree))
    for index, node in enumerate(nodes):
        for operator, replacement in _node_changes(node, columns):
            yield operator, _replace(tree, index, replacement)
    for index, statement in enumerate(tree.body):
        if len(tree.body) > 1 and not _is_import(statement):
            changed = copy.deepcopy(tree)
            del changed.body[index]
            yield "statement removed", changed
    yield from _chart_element_changes(tree)


def _chart_element_changes(tree: ast.Module) -> Iterator[tuple[str, ast.Module]]:
    """A chart element (a statement such as ``ax.plot(...)`` or ``ax.legend()``, at any depth) removed,
    or an extra line or bar (the same call with half the values) drawn right after it."""
    nodes = list(ast.walk(tree))
    for index, node in enumerate(nodes):
        body = getattr(node, "body", None)
        if not isinstance(body, list):
            continue
        for position, statement in enumerate(body):
            method = _chart_element(statement)
            if method is None:
                continue
            changed = copy.deepcopy(tree)
            target = list(ast.walk(changed))[index]
            target.body = target.body[:position] + target.body[position + 1:] or [ast.Pass()]
            yield "chart element removed", ast.fix_missing_locations(changed)
            call = statement.value  # type: ignore[attr-defined]
            if method in EXTRA_ELEMENTS and call.args:
                extra = copy.deepcopy(statement)
                extra.value.args[-1] = ast.BinOp(left=extra.value.args[-1], op=ast.Mult(), right=ast.Constant(0.5))
                changed = copy.deepcopy(tree)
                target = list(ast.walk(changed))[index]
                target.body = target.body[:position + 1] + [extra] + target.body[position + 1:]
                yield "chart element added", ast.fix_missing_locations(changed)


def _chart_element(statement: ast.AST) -> str | None:
    """The drawing method a statement calls (``ax.legend()`` → legend), or None."""
    if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call) \
            and isinstance(statement.value.func, ast.Attribute) and statement.value.func.attr in CHART_ELEMENTS:
        return statement.value.func.attr
    return None


def in_text_order(value: Any) -> Any:
    """``value`` with its categories sorted as text, the mistake behind a pyramid with 5〜9歳 after 55〜59歳.

    A table is sorted by its first text column whose values hold digits (numbered categories such as age
    bands), else by its first text column; a Series by a text index or text values; a list of texts is sorted.
    Anything else comes back unchanged (the mutant is then equivalent).
    """
    import pandas as pd

    def texts(values: Any) -> bool:
        return len(values) > 0 and all(isinstance(v, str) for v in values)

    if isinstance(value, pd.DataFrame):
        columns = [c for c in value.columns if texts(list(value[c]))]
        numbered = [c for c in columns if any(ch.isdigit() for ch in "".join(map(str, value[c])))]
        chosen = (numbered or columns)[:1]
        return value.sort_values(chosen[0], kind="stable") if chosen else value
    if isinstance(value, pd.Series):
        if texts(list(value.index)):
            return value.sort_index(kind="stable")
        return value.sort_values(kind="stable") if texts(list(value)) else value
    if isinstance(value, (list, tuple)) and texts(list(value)):
        return type(value)(sorted(value))
    return value


def _is_import(node: ast.AST) -> bool:
    return isinstance(node, (ast.Import, ast.ImportFrom))


def _replace(tree: ast.Module, index: int, replacement: ast.AST) -> ast.Module:
    """A copy of ``tree`` in which the ``index``-th node of ``ast.walk`` is ``replacement``."""
    changed = copy.deepcopy(tree)
    target = list(ast.walk(changed))[index]
    for parent in ast.walk(changed):
        for field, value in ast.iter_fields(parent):
            if value is target:
                setattr(parent, field, replacement)
                return ast.fix_missing_locations(changed)
            if isinstance(value, list):
                for position, item in enumerate(value):
                    if item is target:
                        value[position] = replacement
                        return ast.fix_missing_locations(changed)
    return changed


def _node_changes(node: ast.AST, columns: Sequence[Sequence[str]]) -> Iterator[tuple[str, ast.AST]]:
    if isinstance(node, ast.BinOp):
        yield from _binop_changes(node)
    elif isinstance(node, ast.Compare) and len(node.ops) == 1:
        for new in COMPARE_SWAPS.get(type(node.ops[0]), ()):
            yield "comparison", ast.Compare(left=node.left, ops=[new()], comparators=node.comparators)
    elif isinstance(node, ast.BoolOp):
        other = ast.Or if isinstance(node.op, ast.And) else ast.And
        yield "boolean operator", ast.BoolOp(op=other(), values=node.values)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.Invert, ast.Not, ast.USub)):
        yield "negation removed", node.operand
    elif isinstance(node, ast.Constant):
        yield from _constant_changes(node, columns)
    elif isinstance(node, ast.Call):
        yield from _call_changes(node)
        yield from _category_order_changes(node)
    elif isinstance(node, ast.Subscript) and _looks_like_filter(node.slice):
        yield "filter removed", node.value


def _binop_changes(node: ast.BinOp) -> Iterator[tuple[str, ast.AST]]:
    if isinstance(node.op, (ast.BitAnd, ast.BitOr)):
        other = ast.BitOr if isinstance(node.op, ast.BitAnd) else ast.BitAnd
        yield "boolean operator", ast.BinOp(left=node.left, op=other(), right=node.right)
        yield "condition removed", node.left
        yield "condition removed", node.right
        return
    new = BINOP_SWAPS.get(type(node.op))
    if new is not None:
        yield "arithmetic operator", ast.BinOp(left=node.left, op=new(), right=node.right)
    if isinstance(node.op, (ast.Div, ast.Sub, ast.FloorDiv)):
        yield "operands swapped", ast.BinOp(left=node.right, op=node.op, right=node.left)
    for side, other in ((node.right, node.left), (node.left, node.right)):
        if isinstance(side, ast.Constant) and isinstance(side.value, (int, float)) and not isinstance(side.value, bool) \
                and isinstance(node.op, (ast.Mult, ast.Div)) and side.value in SCALES:
            yield "scale constant dropped", other


def _constant_changes(node: ast.Constant, columns: Sequence[Sequence[str]]) -> Iterator[tuple[str, ast.AST]]:
    value = node.value
    if isinstance(value, bool):
        yield "boolean flipped", ast.Constant(not value)
    elif isinstance(value, int):
        yield "integer +1", ast.Constant(value + 1)
        yield "integer -1", ast.Constant(value - 1)
        for other in SCALES.get(value, ()):
            yield "scale constant changed", ast.Constant(other)
    elif isinstance(value, float):
        yield "number changed", ast.Constant(value * 10)
        yield "number changed", ast.Constant(value / 10)
    elif isinstance(value, str):
        for table in columns:
            if value in table:
                others = [c for c in table if c != value][:MAX_COLUMN_SWAPS]
                for other in others:
                    yield "column replaced", ast.Constant(other)
                break
        if value in JOIN_HOWS:
            for other in JOIN_HOWS:
                if other != value:
                    yield "join changed", ast.Constant(other)
        if value in AGGREGATIONS:
            for other in AGGREGATIONS:
                if other != value:
                    yield "aggregation swapped", ast.Constant(other)


def _call_changes(node: ast.Call) -> Iterator[tuple[str, ast.AST]]:
    func = node.func
    if isinstance(func, ast.Attribute):
        name = func.attr
        if name in AGGREGATIONS:
            for other in AGGREGATIONS:
                if other != name:
                    yield "aggregation swapped", _with_attr(node, other)
        if name in PAIRS:
            yield "swapped for its opposite", _with_attr(node, PAIRS[name])
        if name in CHAIN_STEPS:
            yield f"{name} removed", func.value
        if name == "round" and node.args:
            yield "rounding changed", _with_args(node, [_shift(node.args[0], 1)])
        inner = func.value
        if isinstance(inner, ast.Call) and isinstance(inner.func, ast.Attribute) and inner.func.attr in CHAIN_STEPS \
                and name in CHAIN_STEPS:
            # two steps of a chain in the other order: head(5) before sort_values, dropna after a sum
            swapped_first = ast.Call(func=ast.Attribute(value=inner.func.value, attr=name, ctx=ast.Load()),
                                     args=node.args, keywords=node.keywords)
            yield "steps reordered", ast.Call(func=ast.Attribute(value=swapped_first, attr=inner.func.attr, ctx=ast.Load()),
                                              args=inner.args, keywords=inner.keywords)
        if name in ("merge", "join"):
            how = next((k for k in node.keywords if k.arg == "how"), None)
            if how is None:
                for other in ("left", "outer", "right"):
                    yield "join changed", _with_keywords(node, node.keywords + [ast.keyword("how", ast.Constant(other))])
        if not any(k.arg == "ascending" for k in node.keywords) and name in ("sort_values", "sort_index", "rank"):
            yield "ascending flipped", _with_keywords(node, node.keywords + [ast.keyword("ascending", ast.Constant(False))])
    elif isinstance(func, ast.Name):
        if func.id == "round" and node.args:
            yield "round removed", node.args[0]
            if len(node.args) > 1:
                yield "rounding changed", _with_args(node, [node.args[0], _shift(node.args[1], 1)])
        if func.id in ("sum", "len", "max", "min") and node.args:
            for other in ("sum", "len", "max", "min"):
                if other != func.id:
                    yield "aggregation swapped", ast.Call(func=ast.Name(other, ast.Load()), args=node.args, keywords=node.keywords)
        if func.id in ("int", "float", "abs", "sorted", "list") and len(node.args) == 1 and not node.keywords:
            yield f"{func.id}() removed", node.args[0]


def _category_order_changes(node: ast.Call) -> Iterator[tuple[str, ast.AST]]:
    """The data of a chart call put in text order, one argument at a time (see ``in_text_order``)."""
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    if name not in CHART_CALLS:
        return
    wrap = lambda arg: ast.Call(func=ast.parse(TEXT_ORDER, mode="eval").body, args=[arg], keywords=[])  # noqa: E731
    for position, arg in enumerate(node.args):
        if not isinstance(arg, ast.Constant):
            args = list(node.args)
            args[position] = wrap(arg)
            yield "category order", ast.Call(func=func, args=args, keywords=node.keywords)
    for position, keyword in enumerate(node.keywords):
        if keyword.arg in ("data", "x") and not isinstance(keyword.value, ast.Constant):
            keywords = list(node.keywords)
            keywords[position] = ast.keyword(keyword.arg, wrap(keyword.value))
            yield "category order", ast.Call(func=func, args=node.args, keywords=keywords)


def _looks_like_filter(node: ast.AST) -> bool:
    return isinstance(node, (ast.Compare, ast.BoolOp)) or (
        isinstance(node, ast.BinOp) and isinstance(node.op, (ast.BitAnd, ast.BitOr))) or (
        isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("isin", "between", "notna", "isna"))


def _shift(node: ast.AST, by: int) -> ast.AST:
    if isinstance(node, ast.Constant) and isinstance(node.value, int):
        return ast.Constant(node.value + by)
    return node


def _with_attr(node: ast.Call, attr: str) -> ast.Call:
    func = node.func
    assert isinstance(func, ast.Attribute)
    return ast.Call(func=ast.Attribute(value=func.value, attr=attr, ctx=ast.Load()), args=node.args, keywords=node.keywords)


def _with_args(node: ast.Call, args: list[ast.AST]) -> ast.Call:
    return ast.Call(func=node.func, args=args, keywords=node.keywords)


def _with_keywords(node: ast.Call, keywords: list[ast.keyword]) -> ast.Call:
    return ast.Call(func=node.func, args=node.args, keywords=keywords)
