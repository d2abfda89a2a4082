"""One PNG chart per indicator: its value by year against the straight-line path to the target.

matplotlib's object API on the Agg canvas (no pyplot, no display, no global state), DejaVu Sans
for the Vietnamese diacritics. Charts drawn from synthetic data carry a "DỮ LIỆU MINH HỌA" mark.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from htx_tasks.indicators.compute import path_value
from htx_tasks.indicators.service import Kpi, Result
from htx_tasks.indicators.wording import amount, gap_text, held_to, target_text

SYNTHETIC_MARK = "DỮ LIỆU MINH HỌA"


def chart_path(var_dir: Path, year: int, code: str) -> Path:
    return var_dir / "charts" / f"chi-tieu-{year}" / f"{code}.png"


def figure(result: Result, *, synthetic: bool) -> Figure:
    """``result``'s history against what each year was held to: the path, or the band to maintain."""
    indicator = result.indicator
    assert indicator.baseline_year is not None
    figure = Figure(figsize=(8, 4.5), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    start, end = indicator.baseline_year, indicator.year
    baseline = result.baseline.value
    if indicator.aim != "maintain" and baseline is not None:
        years = list(range(start, end + 1))
        path = [v for y in years if (v := path_value(indicator, baseline, y)) is not None]
        axes.plot(years, path, linestyle="--", color="#888888",
                  drawstyle="steps-post" if indicator.counted else "default",
                  label=f"Lộ trình đến mục tiêu {result.target} ({end})"
                  + "".join(f", qua {amount(indicator, m.value)} ({m.year})" for m in indicator.milestones))
    if indicator.comparator == "between":
        axes.axhspan(indicator.low, indicator.high, color="#2e7d32", alpha=0.08,  # type: ignore[arg-type]
                     label=f"Khoảng mục tiêu {target_text(indicator)}"
                     + (" (duy trì hằng năm)" if indicator.aim == "maintain" else ""))
    # the star is the target: the path's or the band's label names it; with neither (no baseline
    # value to draw a path from), the star names it itself, so no chart is left without a legend
    named = bool(axes.get_legend_handles_labels()[0])
    axes.scatter([end], [indicator.threshold], marker="*", s=160, color="#2e7d32", zorder=5,
                 label="_nolegend_" if named else f"Mục tiêu {target_text(indicator)} ({end})")
    points = [p for p in result.history if p.value is not None]
    if points:
        axes.plot([p.year for p in points], [v for p in points if (v := p.value) is not None], marker="o", color="#1565c0",
                  linewidth=2, label="Giá trị thực tế (31/12 hằng năm)")
        last = points[-1]
        value, gap = last.value, last.assessment.gap
        assert value is not None
        off = last.assessment.on_track is False
        axes.annotate(amount(indicator, value), (last.year, value), textcoords="offset points",
                      xytext=(6, 8), color="#c62828" if off else "#1565c0", fontsize=10, fontweight="bold")
        if off and gap is not None:
            held = value - gap if indicator.rising else value + gap
            axes.vlines(last.year, min(value, held), max(value, held), colors="#c62828", linestyles=":",
                        label=f"Chênh lệch {gap_text(indicator, gap)}")
    else:
        axes.text(0.5, 0.5, "Chưa có số liệu", transform=axes.transAxes, ha="center", fontsize=14, color="#888888")
    axes.set_xlim(start - 0.5, end + 0.5)
    axes.set_xticks(range(start, end + 1, 1 if end - start <= 10 else 5))
    if indicator.unit == "%":
        axes.set_ylim(0, 100)
        axes.set_ylabel("%")
    else:
        axes.set_ylim(bottom=0)
        axes.set_ylabel(indicator.unit)
    axes.grid(alpha=0.3)
    axes.legend(loc="best", fontsize=8)
    title = "\n".join(textwrap.wrap(indicator.title, 70))
    a = result.point.assessment
    verdict = f"{result.standing.label.capitalize()} (năm {result.year})"
    if a.gap is not None:
        verdict += f": mức cần đạt {held_to(indicator, result.year, a)}, chênh lệch {gap_text(indicator, a.gap)}"
    axes.set_title(f"{title}\n{verdict}", fontsize=11)
    if synthetic:
        figure.text(0.5, 0.45, SYNTHETIC_MARK, fontsize=40, color="#c62828", alpha=0.12, ha="center",
                    va="center", rotation=20)
    figure.tight_layout()
    return figure


def draw(result: Result, path: Path, *, synthetic: bool) -> Path:
    """Draw ``result``'s chart to ``path`` (PNG)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    figure(result, synthetic=synthetic).savefig(path, format="png")
    return path


def draw_all(kpi: Kpi, var_dir: Path) -> dict[str, Path]:
    """A chart per measured indicator, under ``var/charts/chi-tieu-<year>/``."""
    return {r.indicator.code: draw(r, chart_path(var_dir, kpi.year, r.indicator.code), synthetic=kpi.synthetic)
            for r in kpi.results}
