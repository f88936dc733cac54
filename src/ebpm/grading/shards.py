"""`ebpm grade --shard K/N`: the learners one of N grading processes takes.

A learner belongs to shard ``1 + h mod N``, where ``h`` is the first 8 bytes of the SHA-256 of the learner id:
the same on every machine and in every run (unlike Python's ``hash``), independent of who else handed in,
so N processes started with 1/N … N/N grade every learner exactly once, into the shared gradebook.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from ebpm.errors import EbpmError


@dataclass(frozen=True)
class Shard:
    index: int  # 1 … count
    count: int

    def takes(self, student: str) -> bool:
        return bucket(student, self.count) == self.index

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def bucket(student: str, count: int) -> int:
    """The shard (1 … count) that grades ``student``."""
    digest = hashlib.sha256(student.encode("utf-8")).digest()
    return 1 + int.from_bytes(digest[:8], "big") % count


def parse(text: str) -> Shard:
    """"K/N" → Shard, with a Japanese message for anything else."""
    found = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text or "")
    if found:
        index, count = int(found.group(1)), int(found.group(2))
        if 1 <= index <= count:
            return Shard(index, count)
    raise EbpmError(f"--shard の指定「{text}」が読めません。「K/N」の形で、N は分ける数、K は 1 から N までの"
                    "番号を書いてください（例: 2 台で分けるなら 1 台目は 1/2、2 台目は 2/2）。")
