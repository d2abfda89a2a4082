"""What a file may hold, and the one error every refusal raises (a Vietnamese message naming where)."""

from __future__ import annotations

from dataclasses import dataclass

from htx_tasks.core.refusals import BadInput
from htx_tasks.settings import Settings


class IntakeError(BadInput):
    """A file that cannot be read: the message names the file and, where known, sheet, row, column."""


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 20 * 1024 * 1024
    max_inflated: int = 100 * 1024 * 1024  # a .docx/.xlsx unpacked
    max_rows: int = 5000  # of one sheet or table

    @classmethod
    def of(cls, settings: Settings) -> Limits:
        """``HTX_INTAKE_MAX_MB``, ``HTX_INTAKE_MAX_INFLATED_MB``, ``HTX_INTAKE_MAX_ROWS``."""
        mb = 1024 * 1024
        return cls(int(settings.intake_max_mb * mb), int(settings.intake_max_inflated_mb * mb), settings.intake_max_rows)


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def column_index(letter: str) -> int | None:
    """A → 0, AA → 26; None if ``letter`` is not a column's name."""
    letter = letter.strip().upper()
    if not letter.isascii() or not letter.isalpha() or len(letter) > 3:
        return None
    index = 0
    for ch in letter:
        index = index * 26 + ord(ch) - 64
    return index - 1


def upper_first(text: str) -> str:
    """The first letter capitalised, the rest as written (``str.capitalize`` lowers sheet names)."""
    return text[:1].upper() + text[1:]
