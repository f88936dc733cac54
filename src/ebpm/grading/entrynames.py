"""Names that arrive as bytes: zip entries and folders made on Windows, read on any system.

Windows' Explorer stores Japanese names in a zip as cp932 bytes without the UTF-8 flag (bit 0x800);
Python's zipfile then shows them as cp437 text. Linux ``unzip`` writes those bytes to disk unchanged
(names that are not UTF-8, which Python shows with surrogate escapes), and some unpackers turn them
into cp437 mojibake (``ÄRôc æ╛ÿY`` for 山田 太郎). Each is decoded back as cp932 when that gives
valid Japanese; otherwise the name is refused and shown as it was found, never turned into a learner.
Entries that would leave the unpacking folder (absolute paths, ``..``, drive letters) and entries
with backslashes are refused by name.
"""
from __future__ import annotations

import os
import re
import unicodedata
import zipfile

UTF8_FLAG = 0x800
_DRIVE = re.compile(r"^[A-Za-z]:")
_BROWSER_COPY = re.compile(r"\s*\(\d{1,3}\)$")


def is_japanese_char(ch: str) -> bool:
    code = ord(ch)
    return (0x3040 <= code <= 0x30FF or 0x3400 <= code <= 0x4DBF or 0x4E00 <= code <= 0x9FFF
            or 0xF900 <= code <= 0xFAFF or 0xFF66 <= code <= 0xFF9F)


def _plausible(text: str) -> bool:
    """Valid Japanese text: at least one kana or kanji, and nothing a cp932 mis-decoding gives alone
    (control characters, the user-defined area)."""
    if not any(is_japanese_char(ch) for ch in text):
        return False
    return all((ch.isprintable() or ch == "\u3000") and not (0xE000 <= ord(ch) <= 0xF8FF) for ch in text)


def decode_bytes(raw: bytes) -> str | None:
    """A name's bytes as text: ASCII, UTF-8, or cp932 that reads as Japanese; None when none fits."""
    if raw.isascii():
        return raw.decode("ascii")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        text = raw.decode("cp932")
    except UnicodeDecodeError:
        return None
    return text if _plausible(text) else None


def zip_entry_name(info: zipfile.ZipInfo) -> str | None:
    """The entry's name as its maker meant it, or None when its bytes are neither UTF-8 nor Japanese."""
    if info.flag_bits & UTF8_FLAG:
        return unicodedata.normalize("NFC", info.filename)
    try:
        raw = info.filename.encode("cp437")  # zipfile decoded the flagless name as cp437
    except UnicodeEncodeError:
        return unicodedata.normalize("NFC", info.filename)
    # one component at a time: a folder made on Linux (UTF-8) may hold names unzipped from Windows (cp932)
    parts = [decode_bytes(part) for part in raw.split(b"/")]
    return None if None in parts else unicodedata.normalize("NFC", "/".join(parts))


def disk_name(name: str) -> str | None:
    """A file or folder name found on disk, recovered when ``unzip`` garbled it; None when unreadable."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # bytes that are not UTF-8 (surrogate escapes): cp932 from a zip
        return decode_bytes(os.fsencode(name))
    if not any(is_japanese_char(ch) for ch in name) and not name.isascii():
        try:
            recovered = name.encode("cp437").decode("cp932")
        except (UnicodeEncodeError, UnicodeDecodeError):
            return unicodedata.normalize("NFC", name)
        if _plausible(recovered):
            return unicodedata.normalize("NFC", recovered)
    return unicodedata.normalize("NFC", name)


def shown_raw(name: str) -> str:
    """A name that could not be read, shown as found (its undecodable bytes as \\xNN)."""
    return os.fsencode(name).decode("utf-8", errors="backslashreplace") if _has_surrogates(name) else name


def shown_path(path) -> str:
    """A path as typed, each name read back as ``disk_name`` does (or shown as found): safe to print and store."""
    text = str(path)
    if not _has_surrogates(text):
        return text
    return "/".join(disk_name(part) or shown_raw(part) for part in text.split("/"))


def _has_surrogates(name: str) -> bool:
    return any(0xDC80 <= ord(ch) <= 0xDCFF for ch in name)


def unsafe_path_reason(name: str) -> str | None:
    """Why a zip entry's path is refused (in Japanese), or None when it stays inside the folder."""
    if "\\" in name:
        return "名前に「\\」（バックスラッシュ）が含まれています。フォルダの区切りとしても名前の一部としても安全に扱えないため、取り込みません。"
    if name.startswith("/") or _DRIVE.match(name):
        return "絶対パス（/ やドライブ名で始まる名前）です。展開するフォルダの外を指すため、取り込みません。"
    if ".." in name.split("/"):
        return "「..」を含む名前です。展開するフォルダの外を指すため、取り込みません。"
    return None


def without_browser_copy_number(stem: str) -> str:
    """「山田 太郎 (1)」→「山田 太郎」: the number a browser adds when a file of that name was downloaded already."""
    return _BROWSER_COPY.sub("", stem)
