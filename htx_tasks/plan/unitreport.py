"""What a unit's report on a duty asks for (``duties[].report`` in ``config/plan.yaml``).

Every report holds the results achieved (text) and its evidence. A duty's ``report:`` block adds
the figures its text implies (``figures: [{key, label, unit}]``: "Số hợp tác xã được hướng dẫn",
``hợp tác xã``) and says whether difficulties ("Khó khăn, vướng mắc") and proposals ("Đề xuất,
kiến nghị") are asked; without the block a duty asks for results, difficulties and proposals and
no figures (``DEFAULT_REPORT``). A figure is a whole number from 0 unless it declares
``whole: false`` (then any number from 0). Duplicate keys are refused by the loader, with the line.
"""

from __future__ import annotations

from pydantic import Field

from htx_tasks.core.strict import CODE, Strict
from htx_tasks.core.wording import figure_text

FIGURE_KEY_MAX = 48  # characters of a figure's key
FIGURES_MAX = 10  # figures one report asks (the web form, with its other fields, stays within 20)


class Figure(Strict):
    key: str = Field(pattern=CODE, max_length=FIGURE_KEY_MAX)
    label: str = Field(min_length=3, max_length=120)  # "Số hợp tác xã được hướng dẫn thành lập"
    unit: str = Field(min_length=1, max_length=40)  # "hợp tác xã", "hồ sơ", "tin, bài"
    whole: bool = True  # a count; ``false``: a number with decimals (an area, an amount)


class ReportForm(Strict):
    figures: list[Figure] = Field(default=[], max_length=FIGURES_MAX)
    difficulties: bool = True  # "Khó khăn, vướng mắc" is asked
    proposals: bool = True  # "Đề xuất, kiến nghị" is asked

    def figure(self, key: str) -> Figure | None:
        return next((f for f in self.figures if f.key == key), None)

    def lines(self, figures: dict[str, int | float]) -> list[tuple[str, str]]:
        """The reported figures as a reader sees them: (label, ``12 hợp tác xã``), in the duty's order."""
        return [(f.label, figure_text(figures[f.key], f.unit)) for f in self.figures if f.key in figures]

    @property
    def labels(self) -> dict[str, str]:
        """Each figure's key → its label: how a page or a report names it."""
        return {f.key: f.label for f in self.figures}


DEFAULT_REPORT = ReportForm()
