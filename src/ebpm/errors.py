"""Errors with Japanese messages that name the file, the place and what was expected."""
from __future__ import annotations

from pathlib import Path


class EbpmError(Exception):
    """Base class of every error the course library raises on purpose."""


class DataFormatError(EbpmError, ValueError):
    """A file or table does not have the shape, encoding or values that were expected.

    The message is Japanese and says: which file (if any), where (sheet/row/column), what was
    found and what was expected.
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | Path | None = None,
        sheet: str | None = None,
        row: int | None = None,
        column: str | None = None,
        expected: str | None = None,
    ) -> None:
        self.path = Path(path) if path is not None else None
        self.sheet = sheet
        self.row = row
        self.column = column
        self.expected = expected
        parts = []
        if path is not None:
            parts.append(f"ファイル「{Path(path).name}」")
        if sheet is not None:
            parts.append(f"シート「{sheet}」")
        if row is not None:
            parts.append(f"{row} 行目")
        if column is not None:
            parts.append(f"列「{column}」")
        where = "、".join(parts)
        text = f"{where}: {message}" if where else message
        if expected:
            text += f"（期待される内容: {expected}）"
        super().__init__(text)


class DatasetNotFoundError(EbpmError, FileNotFoundError):
    """A dataset name or path that the course does not ship."""


# jupyter_client can hand two kernels started at the same moment the same free TCP port; the
# loser dies at start-up, or never answers the client's first request, before any notebook code
# has run, so running it once more is safe (the last sign: stock nbgrader on two parallel course
# copies, ws3, 2026-12-01).
KERNEL_START_RACE = ("Address already in use", "Kernel died before replying to kernel_info",
                     "Kernel didn't respond in")


def lost_kernel_port_race(text: str) -> bool:
    """Whether a log or error text shows a kernel that lost the race for a TCP port at start-up."""
    return any(sign in text for sign in KERNEL_START_RACE)
