"""People's text made inert before it goes into a spreadsheet, a CSV file or Markdown.

Spreadsheets (OWASP "CSV injection"): a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return is run as a formula by Excel and LibreOffice. In an .xlsx such a cell is written
as text with Excel's own "typed with an apostrophe" mark (the value is kept exactly, so a file
exported and imported again round-trips); in a CSV file, which has no types, the text gets a
leading apostrophe, which ``from_csv`` removes again on import.

Markdown (files and Prefect artifacts): HTML, links, images and emphasis in people's text are
shown as typed, never interpreted.

Pure functions: no I/O; the .xlsx helper only touches the cells of a sheet it is given.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_MARKDOWN = {ch: "\\" + ch for ch in "\\`*_[]|~"} | {"<": "&lt;", ">": "&gt;", "&": "&amp;"}


def risky(value: object) -> bool:
    """Whether a spreadsheet would read this value as a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def _quoted(value: object) -> bool:
    """Risky once its leading apostrophes are taken off (an apostrophe typed by a person is kept)."""
    return isinstance(value, str) and risky(value.lstrip("'"))


def to_csv(value: Any) -> Any:
    """A CSV cell: risky text gets a leading apostrophe; anything else is unchanged."""
    return "'" + value if _quoted(value) else value


def from_csv(value: Any) -> Any:
    """Undo ``to_csv`` on a cell read from a CSV file."""
    return value[1:] if _quoted(value) and value.startswith("'") else value


def append_row(sheet: Any, values: Iterable[Any]) -> None:
    """``sheet.append(values)`` (openpyxl), with every risky text cell kept as text, not a formula."""
    sheet.append(list(values))
    for cell in sheet[sheet.max_row]:
        if risky(cell.value):
            cell.data_type = "s"
            cell.quotePrefix = True


def markdown_text(value: object) -> str:
    """Text shown as typed in Markdown: no HTML, link, image, code or emphasis; one line."""
    text = "".join(_MARKDOWN.get(ch, ch) for ch in str(value))
    return "<br>".join(line.strip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
