"""Beginner errors injected into a reference answer: the counterpart of ``mutate`` for the feedback.

``mutate`` changes what an answer computes and asks whether the tests notice; this module makes the
slips beginners make (brackets dropped around conditions joined by ``&``/``|``, ``true`` for ``True``,
a misspelt column or ``how=``/``validate=`` value, a number column compared with text, the same quotes
inside an f-string, a table from the worked example, a whole table where one number is asked, a
full-width or ``~`` spelling of a text) and says which words the explanation must contain to name the
cause. Each injection is made from the answer's own code and the tables in scope at its cell.
"""
from __future__ import annotations

import ast
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

PER_KIND = 2  # injections of one kind per answer (the first places in the code)
AGGREGATES = ("sum", "mean", "median", "max", "min", "count", "std", "nunique", "corr", "idxmax", "idxmin")
WIDTH_WORDS = ("全角の文字", "全角・半角", "全角と半角", "波ダッシュ", "〜 と ~", "大文字・小文字", "大文字と小文字")

# What the explanation must contain (any one of the words) to name each kind's cause.
NAMES = {
    "unbracketed": ("を `( )` で囲みます",),
    "lowercase": ("先頭だけ大文字",),
    "column-typo": (),  # the misspelt or the right column's name, filled in per injection
    "keyword-typo": (),  # "`how=` に指定した", filled in per injection
    "text-vs-number": ("数値の列ですが、文字列", "数値と文字列を大小で比べています"),
    "nested-quotes": ("外側と同じ引用符",),
    "example-variable": (),  # the variable's name, filled in per injection
    "whole-table": ("1 つの数値であるはずですが", "1 つの数値のはずですが", "1 つの整数のはずですが", "の型が DataFrame",
                    "の型が Series", "まだ集計していません", "複数の値"),
    "width-variant": WIDTH_WORDS,
}


@dataclass(frozen=True)
class Injected:
    kind: str
    line: int
    before: str
    after: str
    source: str  # the whole answer with the error in it
    names: tuple[str, ...]  # words of which the explanation must contain one

    @property
    def diff(self) -> str:
        return f"{self.line}: {self.before}  →  {self.after}"

    def as_dict(self) -> dict:
        return {"kind": self.kind, "diff": self.diff, "names": list(self.names)}


def injections(source: str, namespace: Mapping[str, Any]) -> list[Injected]:
    """Every injected error of ``source`` (an answer), given the namespace at its cell."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    found: dict[str, Injected] = {}
    for operator in OPERATORS:
        count = 0
        for kind, node, text, names in operator(tree, source, namespace):
            changed = _replace(source, node, text)
            if changed == source or changed in found or count >= PER_KIND:
                continue
            line = node.lineno
            before = source.splitlines()[line - 1].strip()
            after = changed.splitlines()[line - 1].strip() if line <= len(changed.splitlines()) else ""
            found[changed] = Injected(kind, line, before, after, changed, tuple(names or NAMES[kind]))
            count += 1
    return list(found.values())


def _replace(source: str, node: ast.AST, text: str) -> str:
    """``source`` with ``node``'s code (ast offsets count UTF-8 bytes) replaced by ``text``."""
    lines = source.splitlines(keepends=True)
    data = "".join(lines).encode()
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line.encode()))
    start = starts[node.lineno - 1] + node.col_offset
    end = starts[node.end_lineno - 1] + node.end_col_offset
    return (data[:start] + text.encode() + data[end:]).decode()


def _segment(source: str, node: ast.AST) -> str:
    return ast.get_source_segment(source, node) or ast.unparse(node)


# ---- the operators: each yields (kind, node to replace, its new code, names or ()) ------------------

def _unbracketed(tree, source, namespace):
    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.BitAnd, ast.BitOr)):
            parts = _chain(node, type(node.op))
            if len(parts) > 1 and all(isinstance(p, ast.Compare) for p in parts):
                sign = " & " if isinstance(node.op, ast.BitAnd) else " | "
                yield "unbracketed", node, sign.join(_segment(source, p) for p in parts), ()


def _chain(node: ast.AST, op: type) -> list[ast.AST]:
    if isinstance(node, ast.BinOp) and isinstance(node.op, op):
        return _chain(node.left, op) + _chain(node.right, op)
    return [node]


def _lowercase(tree, source, namespace):
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and (node.value is True or node.value is False or node.value is None) \
                and _segment(source, node) in ("True", "False", "None"):
            yield "lowercase", node, str(node.value).lower(), ()


def _columns(namespace: Mapping[str, Any]) -> dict[str, Any]:
    """Column name → a Series of it, over the tables in scope."""
    import pandas as pd

    found: dict[str, Any] = {}
    for name, value in namespace.items():
        if not name.startswith("_") and isinstance(value, pd.DataFrame):
            for column in value.columns:
                if isinstance(column, str) and column not in found and isinstance(value[column], pd.Series):
                    found[column] = value[column]
    return found


def _column_typo(tree, source, namespace):
    columns = _columns(namespace)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in columns \
                and len(node.value) > 1 and _segment(source, node)[:1] in "\"'":
            typo = node.value[:-1]
            quote = _segment(source, node)[0]
            yield "column-typo", node, f"{quote}{typo}{quote}", (f"「{typo}」", f"列 {node.value} ", f"列「{node.value}」")


def _keyword_typo(tree, source, namespace):
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg in ("how", "validate") \
                and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            value = node.value.value
            quote = _segment(source, node.value)[0]
            yield "keyword-typo", node.value, f"{quote}{value[:-1]}{quote}", (f"`{node.arg}=` に指定した",)


def _text_vs_number(tree, source, namespace):
    import pandas as pd

    columns = _columns(namespace)
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Compare) and len(node.ops) == 1):
            continue
        column, value = node.left, node.comparators[0]
        if not (isinstance(value, ast.Constant) and type(value.value) in (int, float)):
            continue
        if isinstance(column, ast.Subscript) and isinstance(column.slice, ast.Constant) \
                and column.slice.value in columns and pd.api.types.is_numeric_dtype(columns[column.slice.value]):
            yield "text-vs-number", value, f'"{value.value}"', ()


def _nested_quotes(tree, source, namespace):
    for node in ast.walk(tree):
        if not isinstance(node, ast.JoinedStr):
            continue
        text = _segment(source, node)
        match = re.match(r"^[rRbB]?[fF][rR]?(\"|')", text)
        if not match or text.startswith(match.group(1) * 3, match.end() - 1):
            continue
        outer = match.group(1)
        inner = "'" if outer == '"' else '"'
        changed = re.sub(r"\{[^{}]*\}", lambda m: m.group(0).replace(inner, outer), text)
        if changed != text:
            yield "nested-quotes", node, changed, ()


def _example_variable(tree, source, namespace):
    import pandas as pd

    assigned = {t.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store) for t in [n]}
    read = [n for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
            and n.id not in assigned and isinstance(namespace.get(n.id), pd.DataFrame)]
    used = {n.id for n in read}
    others = [name for name, value in namespace.items() if isinstance(value, pd.DataFrame)
              and not name.startswith("_") and name not in used]
    if read and others:
        other = others[-1]  # the table made last before this answer: the worked example's
        yield "example-variable", read[0], other, (f"`{other}`", f"「{other}」")


def _whole_table(tree, source, namespace):
    for statement in tree.body:
        if not (isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Call)):
            continue
        call = statement.value
        if isinstance(call.func, ast.Attribute) and call.func.attr in AGGREGATES and not call.args:
            yield "whole-table", call, _segment(source, call.func.value), ()
        elif isinstance(call.func, ast.Name) and call.func.id == "len" and len(call.args) == 1:
            yield "whole-table", call, _segment(source, call.args[0]), ()


_WIDE = {chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)}


def _width_variant(tree, source, namespace):
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str)) or not node.value.strip():
            continue
        segment = _segment(source, node)
        if not segment[:1] in "\"'" or segment[:3] in ('"""', "'''"):
            continue
        value = node.value
        if "〜" in value:
            variant = value.replace("〜", "~")
        elif re.search(r"[0-9A-Za-z%()]", value) and re.search(r"[^\x00-\x7f]", value):
            variant = "".join(_WIDE.get(ch, ch) if ch.isalnum() or ch in "%()" else ch for ch in value)
        else:
            continue
        if variant != value and '"' not in variant and "\\" not in variant:
            yield "width-variant", node, f'"{variant}"', ()


OPERATORS = (_unbracketed, _lowercase, _column_typo, _keyword_typo, _text_vs_number, _nested_quotes,
             _example_variable, _whole_table, _width_variant)
