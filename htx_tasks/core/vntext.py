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
