"""Mutants of a reference answer: the mistakes a learner could make, written as AST changes.

Each operator walks the answer's syntax tree and yields one changed copy per place it applies:
operators and comparisons swapped, boundaries shifted, scale constants dropped or changed, operands
of ``/`` swapped, aggregations and head/tail/nlargest/nsmallest swapped, ``ascending`` flipped, a
column name replaced by another column of the same table, a join's ``how`` changed, a statement or a
step of a method chain removed (a filter, a dropna, a sort), ``round`` added or removed.
General-purpose mutation tools (mutmut, cosmic-ray) mutate Python operators only; the pandas-level
mistakes above are what learners make, so they are written here.
"""
from __future__ import annotations

import ast
import copy
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

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
