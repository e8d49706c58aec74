"""The report's charts: membership over five years, achievement against targets, the units
below. Drawn with matplotlib (Agg, no display): SVG for the page, HTML and PDF, PNG for DOCX.

A chart is made only from figures that exist: with nothing to draw it is left out (never an
empty axis), and every chart carries its text equivalent (`Chart.table`) for readers who
cannot see it and for the printed record.

matplotlib is imported on the first drawing, not with the module: every process that loads
the URLconf (web workers, the task queue's workers, each management command) imports this
module, and matplotlib cost about 0.4 s of each one's start.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from phongtrao import periods
from phongtrao.analytics.dashboard import TREND_YEARS, trend_figures
from phongtrao.analytics.selectors import unit_totals
from phongtrao.catalog.selectors import indicators_by_code
from phongtrao.orgs.models import Unit
from phongtrao.orgs.selectors import unit_children
from phongtrao.reports.figures import FigureSet
from phongtrao.vn import format_number, format_percent

if TYPE_CHECKING:
    from matplotlib.figure import Figure as PlotFigure

#: The indicator the trend and the units-below chart show.
KEY_INDICATOR = "HV_TONG"
#: Fonts with every Vietnamese letter (fonts-dejavu; Liberation Sans lacks some, e.g. "ủ").
FONTS = ["DejaVu Sans", "Liberation Sans"]
BLUE = "#1f4e79"
GREY = "#9a9a9a"


@dataclass(frozen=True)
class Chart:
    """One chart: what it shows, the bars or points, and their text equivalent."""

    key: str
    title: str
    kind: str  # "line" | "barh"
    labels: tuple[str, ...]
    values: tuple[float, ...]
    value_texts: tuple[str, ...]
    unit_label: str
    reference: float | None = None  # a line across the bars (100% of the target)

    @property
    def caption(self) -> str:
        """The chart in one sentence, as its text equivalent."""
        pairs = "; ".join(f"{a}: {b}" for a, b in zip(self.labels, self.value_texts, strict=True))
        return f"{self.title} ({self.unit_label}) — {pairs}."

    @property
    def svg_uri(self) -> str:
        """The drawing as a `data:` address for an <img>: each chart's SVG stays apart (its
        element ids would collide inline), and it is still drawn as vectors in the PDF."""
        encoded = base64.b64encode(chart_svg(self).encode()).decode()
        return f"data:image/svg+xml;base64,{encoded}"


def membership_trend(unit: Unit, period: periods.Period) -> Chart | None:
    """HV_TONG of the unit's subtree at the end of each of the last five years (years with
    no report are left out); None with fewer than two years to join."""
    indicator = indicators_by_code().get(KEY_INDICATOR)
    if indicator is None:
        return None
    last = (
        period.end.year
        if period.period_type == periods.PeriodType.YEARLY
        else period.start.year - 1
    )
    points: list[tuple[str, Decimal]] = []
    if period.period_type == periods.PeriodType.YEARLY:
        # The dashboard's trend of the same unit and year (cached for whichever comes second).
        trend = trend_figures(unit, period.code, indicator)
        points = [(p.period.code, p.value) for p in trend if p.count]
    else:
        for year in range(last - TREND_YEARS + 1, last + 1):
            total = unit_totals(unit, str(year), [indicator])[indicator.pk]
            if total.count:
                points.append((str(year), total.value))
    if len(points) < 2:
        return None
    return Chart(
        key="trend",
        title=f"Tổng số hội viên {points[0][0]} - {points[-1][0]}",
        kind="line",
        labels=tuple(p[0] for p in points),
        values=tuple(float(p[1]) for p in points),
        value_texts=tuple(format_number(p[1]) for p in points),
        unit_label="người",
    )


def achievement(figures: FigureSet) -> Chart | None:
    """Indicators with a target and a reported value: % of the target reached."""
    rows = [
        f
        for f in figures.values()
        if f.present and f.row is not None and f.row.achievement_pct is not None
    ]
    if not rows:
        return None
    return Chart(
        key="targets",
        title="Mức đạt chỉ tiêu được giao",
        kind="barh",
        labels=tuple(f.indicator.name if f.indicator else f.code for f in rows),
        values=tuple(float(f.row.achievement_pct or 0) for f in rows if f.row),
        value_texts=tuple(format_percent(f.row.achievement_pct or 0) for f in rows if f.row),
        unit_label="% chỉ tiêu",
        reference=100.0,
    )


def units_below(unit: Unit, period: periods.Period) -> Chart | None:
    """HV_TONG of each unit directly below that reported it; None when none did."""
    indicator = indicators_by_code().get(KEY_INDICATOR)
    if indicator is None:
        return None
    bars: list[tuple[str, Decimal]] = []
    for child in unit_children(unit):
        total = unit_totals(child, period.code, [indicator])[indicator.pk]
        if total.count:
            bars.append((child.name, total.value))
    if not bars:
        return None
    return Chart(
        key="below",
        title=f"Tổng số hội viên của các đơn vị trực thuộc, {period.label_vi()}",
        kind="barh",
        labels=tuple(b[0] for b in bars),
        values=tuple(float(b[1]) for b in bars),
        value_texts=tuple(format_number(b[1]) for b in bars),
        unit_label="người",
    )


def report_charts(unit: Unit, period: periods.Period, figures: FigureSet) -> tuple[Chart, ...]:
    """The charts of the unit's report for the period that have something to show."""
    charts = (membership_trend(unit, period), achievement(figures), units_below(unit, period))
    return tuple(c for c in charts if c is not None)


def _draw(chart: Chart) -> PlotFigure:
    import matplotlib
    from matplotlib.figure import Figure as PlotFigure

    rows = len(chart.labels)
    height = 2.8 if chart.kind == "line" else max(1.6, 0.32 * rows + 0.9)
    figure = PlotFigure(figsize=(6.3, height))
    with matplotlib.rc_context({"font.family": "sans-serif", "font.sans-serif": FONTS}):
        axes = figure.add_subplot()
        if chart.kind == "line":
            axes.plot(chart.labels, chart.values, marker="o", color=BLUE)
            for x, y, text in zip(chart.labels, chart.values, chart.value_texts, strict=True):
                axes.annotate(
                    text, (x, y), textcoords="offset points", xytext=(0, 6), ha="center", fontsize=8
                )
            axes.set_ylim(0, max(chart.values) * 1.18)
        else:
            positions = list(range(rows))[::-1]
            axes.barh(positions, chart.values, color=BLUE, height=0.6)
            axes.set_yticks(positions, [_short(label) for label in chart.labels], fontsize=8)
            for pos, amount, text in zip(positions, chart.values, chart.value_texts, strict=True):
                axes.annotate(
                    text,
                    (amount, pos),
                    textcoords="offset points",
                    xytext=(3, 0),
                    va="center",
                    fontsize=7,
                )
            if chart.reference is not None:
                axes.axvline(chart.reference, color=GREY, linestyle="--", linewidth=1)
            axes.set_xlim(0, max([*chart.values, chart.reference or 0]) * 1.15)
        axes.set_title(chart.title, fontsize=10)
        axes.tick_params(labelsize=8)
        if chart.kind == "line":
            axes.yaxis.set_major_formatter(_thousands)
        elif chart.reference is None:
            axes.xaxis.set_major_formatter(_thousands)
        for side in ("top", "right"):
            axes.spines[side].set_visible(False)
        figure.tight_layout()
    return figure


def _thousands(value: float, _position: float) -> str:
    return format_number(Decimal(round(value)))


def _short(label: str, width: int = 48) -> str:
    return label if len(label) <= width else label[: width - 1].rstrip() + "…"


def chart_svg(chart: Chart) -> str:
    """The chart as an SVG element, its text kept as text (DejaVu Sans):
    searchable on the page, and real text in the PDF."""
    import matplotlib

    out = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": chart.key}):
        _draw(chart).savefig(out, format="svg")
    svg = out.getvalue()
    return svg[svg.index("<svg") :]


def chart_png(chart: Chart, *, dpi: int = 200) -> bytes:
    """The chart as a PNG image (for DOCX)."""
    out = io.BytesIO()
    _draw(chart).savefig(out, format="png", dpi=dpi)
    return out.getvalue()


__all__ = [
    "Chart",
    "achievement",
    "chart_png",
    "chart_svg",
    "membership_trend",
    "report_charts",
    "units_below",
]
