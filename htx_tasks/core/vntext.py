"""Folding Vietnamese text for matching: what people type, compared as one.

Plans, tables and trackers write the same words in many ways: with or without diacritics
("hằng quý", "hang quy"), with one dash or another ("2026–2030", "2026 - 2030"), in capitals,
with doubled spaces, with "hằng" or "hàng". :func:`fold` maps them all to one lower-case ASCII
form; readers match on the folded text and keep the original for people to read.
"""

from __future__ import annotations

import re
import unicodedata

# Hyphen, non-breaking hyphen, figure dash, en dash, em dash, horizontal bar, minus sign.
DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"
_DASH = re.compile(f"[{DASHES}]")
_SPACE = re.compile(r"\s+")


def strip_marks(text: str) -> str:
    """``text`` without Vietnamese diacritics (``đ`` becomes ``d``), case and spacing kept."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def fold(text: str) -> str:
    """Lower case, no diacritics, every dash ``-``, one space between words, no outer spaces."""
    text = unicodedata.normalize("NFKC", text)
    text = strip_marks(text).lower()
    text = _DASH.sub("-", text)
    return _SPACE.sub(" ", text).strip()


def slug(text: str) -> str:
    """A code in the plan's shape (``^[a-z0-9][a-z0-9-]*$``) made from a name: ``phong-kinh-te``."""
    return "-".join(re.findall(r"[a-z0-9]+", fold(text))) or "don-vi"


# --- Vietnamese alphabetical order ---------------------------------------------------------------

_ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_RANK = {ch: i for i, ch in enumerate(_ALPHABET)}
_LETTER_MARKS = {"\u0306": "ă", "\u0302": "â", "\u031b": "ơ"}  # breve, circumflex, horn on a/e/o/u
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}  # huyền, hỏi, ngã, sắc, nặng


def _letter(base: str, marks: str) -> str:
    if "\u0306" in marks and base == "a":
        return "ă"
    if "\u0302" in marks:
        return {"a": "â", "e": "ê", "o": "ô"}.get(base, base)
    if "\u031b" in marks:
        return {"o": "ơ", "u": "ư"}.get(base, base)
    return base


def sort_key(text: str) -> tuple[tuple[int, ...], tuple[int, ...], str]:
    """Order names as a Vietnamese reader does: ``a ă â b c d đ e ê …``, then by tone (none, huyền,
    hỏi, ngã, sắc, nặng): ``Cam Thịnh Đông`` before ``Cam Thịnh Tây``, ``Cam Lộc`` before ``Cam Lợi``.
    Letters outside the alphabet (digits, punctuation) sort before letters, by code point."""
    letters: list[int] = []
    tones: list[int] = []
    for cluster in _clusters(unicodedata.normalize("NFD", text.lower())):
        base, marks = cluster[0], cluster[1:]
        letter = _letter(base, marks)
        letters.append(_RANK[letter] + 0x110000 if letter in _RANK else ord(letter))
        tones.append(next((_TONES[m] for m in marks if m in _TONES), 0))
    return tuple(letters), tuple(tones), text


def _clusters(decomposed: str) -> list[str]:
    out: list[str] = []
    for ch in decomposed:
        if unicodedata.combining(ch) and out:
            out[-1] += ch
        else:
            out.append(ch)
    return out
