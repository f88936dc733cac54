"""The shell commands that README.md and docs/*.md print, read exactly as a user would copy them.

Docs are tests (DESIGN.md, "Testing as users run it"): a test that runs a documented command takes it
from here, so the text it runs is the text the reader sees, with its relative paths and its
``.venv/bin/`` prefix. Only fenced blocks marked ``sh``, ``bash``, ``shell`` or ``console`` hold
commands; a ``$ `` prompt is dropped, a trailing ``# comment`` is not part of the command, and a line
ending in a backslash continues on the next.
"""
from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHELL_FENCES = {"sh", "bash", "shell", "console"}
_FENCE = re.compile(r"^(`{3,}|~{3,})\s*([\w+-]*)")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*$")


@dataclass(frozen=True)
class DocCommand:
    """One command as printed: the document, its line, the headings it stands under, and its text."""

    doc: str
    line: int
    headings: tuple[str, ...]   # from the chapter down to the nearest heading
    text: str

    @property
    def heading(self) -> str:
        return self.headings[-1] if self.headings else ""

    @property
    def argv(self) -> list[str]:
        return shlex.split(self.text)

    def __str__(self) -> str:  # shown by pytest ids and failure messages
        return f"{self.doc}:{self.line}: {self.text}"


def _without_comment(line: str) -> str:
    """The command without a trailing ``# comment`` (a ``#`` inside quotes stays)."""
    lexer = shlex.shlex(line, posix=True, punctuation_chars=False)
    lexer.whitespace_split = True
    lexer.commenters = "#"
    try:
        words = list(lexer)
    except ValueError:  # unbalanced quotes: keep the line as printed and let the shell say so
        return line.strip()
    if not words:
        return ""
    # cut the raw text where the comment starts, so quoting is kept as printed
    for match in re.finditer(r"\s#", line):
        head = line[: match.start()]
        try:
            if shlex.split(head) == words:
                return head.strip()
        except ValueError:
            continue
    return line.strip()


@dataclass(frozen=True)
class DocBlock:
    """One fenced block as printed: the document, the line of its first content line, the fence's
    language word (lower case, "" when none), the headings it stands under, and its text."""

    doc: str
    line: int
    language: str
    headings: tuple[str, ...]
    text: str

    @property
    def heading(self) -> str:
        return self.headings[-1] if self.headings else ""

    def __str__(self) -> str:
        return f"{self.doc}:{self.line}: {self.language} block"


def doc_blocks(doc: str | Path, languages: set[str] | None = None) -> list[DocBlock]:
    """Every fenced block of one Markdown file (a path relative to the repository), in order; only those
    in one of ``languages`` (e.g. ``{"python"}``) when given."""
    path = ROOT / doc
    relative = path.relative_to(ROOT).as_posix()
    blocks: list[DocBlock] = []
    headings: list[tuple[int, str]] = []
    fence: str | None = None
    language, first, lines = "", 0, []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if fence is None:
            if (opened := _FENCE.match(raw)):
                fence, language, first, lines = opened.group(1), opened.group(2).lower(), number + 1, []
            elif (found := _HEADING.match(raw)):
                level = len(found.group(1))
                headings = [h for h in headings if h[0] < level] + [(level, found.group(2))]
            continue
        if raw.strip().startswith(fence) and raw.strip().strip(fence[0]) == "":
            if languages is None or language in languages:
                blocks.append(DocBlock(relative, first, language, tuple(h for _, h in headings), "\n".join(lines)))
            fence = None
            continue
        lines.append(raw)
    return blocks


def doc_commands(doc: str | Path) -> list[DocCommand]:
    """Every command in the shell blocks of one Markdown file (a path relative to the repository)."""
    commands: list[DocCommand] = []
    for block in doc_blocks(doc):
        if block.language not in SHELL_FENCES:
            continue
        pending: tuple[int, str] | None = None
        for number, raw in enumerate(block.text.splitlines(), start=block.line):
            line = raw.rstrip()
            if line.lstrip().startswith("$ "):
                line = line.lstrip()[2:]
            if pending is not None:
                start, text = pending
                line, number = text + " " + line.strip(), start
                pending = None
            if line.endswith("\\"):
                pending = (number, line[:-1].rstrip())
                continue
            text = _without_comment(line)
            if text:
                commands.append(DocCommand(block.doc, number, block.headings, text))
    return commands


def documents() -> list[str]:
    """README.md and every Markdown file under docs/, relative to the repository."""
    return ["README.md"] + sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "docs").glob("*.md"))


def all_doc_commands() -> list[DocCommand]:
    return [command for doc in documents() for command in doc_commands(doc)]


def under_heading(doc: str, heading_part: str) -> list[DocCommand]:
    """The commands of ``doc`` under a heading (at any level) that contains ``heading_part``."""
    return [c for c in doc_commands(doc) if any(heading_part in h for h in c.headings)]
