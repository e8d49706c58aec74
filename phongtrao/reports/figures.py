"""Figures as a report's sentences print them: one `Figure` per indicator.

Narrative templates never format numbers themselves: they read ready-made texts from a
`Figure` (``{{ f.TH_KP.money }}`` -> "trên 4,2 tỷ đồng", ``{{ f.HV_PTM.pct }}`` -> "195%").
A `FigureSet` hands out the figures by indicator code and remembers which ones a paragraph
read, so that a paragraph whose figures are all missing can be left out.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

from phongtrao import periods
from phongtrao.analytics.selectors import ReportRow
from phongtrao.catalog.models import Indicator, ValueType
from phongtrao.emulation.selectors import share_good_or_better
from phongtrao.orgs.models import Level, Unit
from phongtrao.vn import format_money, format_number, format_percent

#: Indicators a report reads from the published emulation results, not from entered values.
EMULATION_INDICATORS = frozenset({"CS_TOT_TL"})

#: Marks an estimated figure (shared out from a split unit) in the sentences and the tables.
ESTIMATE_MARK = "*"

#: What a sentence gets for a figure that is zero or missing: never typed by a person, it
#: makes the builder leave out the sentence (a template that forgot a guard prints no "0").
MISSING = "\x1f"

#: Words for counts written by scale ("hơn 32 ngàn lượt").
COUNT_SCALES: dict[str, int] = {"ngàn": 10**3, "nghìn": 10**3, "triệu": 10**6, "tỷ": 10**9}


def format_about(value: Decimal | int, *, step: int = 1, word: str = "", above: str = "hơn") -> str:
    """A count written as "more than" a round number: 32.480 -> "hơn 32 ngàn".

    The count is cut down to a multiple of ``step`` (``COUNT_SCALES[word]`` when a scale
    word is given) and ``above`` is written when something was cut: 236 with step 100 ->
    "hơn 200", 32.000 with "ngàn" -> "32 ngàn". Cutting down, not rounding, keeps "hơn"
    true for every count it is written for (officials never write "gần" for people).
    """
    if word:
        step = COUNT_SCALES[word]
    if step < 1:
        raise ValueError(f"Bước làm tròn phải từ 1 trở lên, không phải {step}.")
    exact = Decimal(value)
    if exact < step:
        return format_number(exact, leading_zero=True)  # "hơn 0 ngàn" would say nothing
    shown = (exact / step).to_integral_value(rounding=ROUND_FLOOR)
    number = shown if word else shown * step
    parts = [above if shown * step < exact else "", format_number(number), word]
    return " ".join(part for part in parts if part)


def _whole_percent(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class Figure:
    """One indicator of a report, with every way a sentence may print it."""

    indicator: Indicator | None
    row: ReportRow | None

    # -- what there is -----------------------------------------------------------------
    @property
    def code(self) -> str:
        return self.indicator.code if self.indicator else ""

    @property
    def present(self) -> bool:
        """Some unit reported this figure for the period."""
        return self.row is not None and self.row.count > 0

    @property
    def has_target(self) -> bool:
        return self.row is not None and self.row.target is not None

    @property
    def has_last_year(self) -> bool:
        return self.row is not None and self.row.last_year is not None

    @property
    def shown(self) -> bool:
        """Worth a sentence: a reported value other than zero, or at least a target."""
        return bool(self) or self.has_target

    def __bool__(self) -> bool:
        """A figure a sentence can state: reported, and not zero ("0 căn nhà" says nothing),
        except a rate, where a reported 0% is a result ("0% cơ sở Hội hoàn thành tốt")."""
        return self.present and (self.value != 0 or self.is_percent)

    @property
    def value(self) -> Decimal:
        return self.row.value if self.row else Decimal(0)

    @property
    def estimated(self) -> bool:
        """The reported value was shared out from a split unit: an estimate."""
        return self.present and self.row is not None and self.row.estimated

    @property
    def mark(self) -> str:
        """ "*" after an estimated value, as the tables mark it; empty otherwise."""
        return ESTIMATE_MARK if self.estimated else ""

    @property
    def last_year_mark(self) -> str:
        return ESTIMATE_MARK if self.row is not None and self.row.last_year_estimated else ""

    @property
    def is_money(self) -> bool:
        return self.indicator is not None and self.indicator.value_type == ValueType.MONEY

    @property
    def is_percent(self) -> bool:
        return self.indicator is not None and self.indicator.value_type == ValueType.PERCENT

    # -- the value -----------------------------------------------------------------------
    @property
    def number(self) -> str:
        """The count as every sentence writes counts: a leading zero below ten ("03 căn nhà",
        "12 trường hợp"), the one rule of the seed report."""
        if not self:
            return MISSING
        return format_number(self.value, leading_zero=True) + self.mark

    @property
    def plain(self) -> str:
        """The same as `number` (kept for officers' own templates)."""
        return self.number

    @property
    def money(self) -> str:
        """ "trên 4,2 tỷ đồng", "gần 1.293 tỷ đồng", "738 triệu đồng" ("…*" if estimated)."""
        if not self:
            return MISSING
        return format_money(self.value) + self.mark

    @property
    def money_hon(self) -> str:
        """The same, with "hơn" for "trên": "hơn 2 tỷ đồng"."""
        if not self:
            return MISSING
        return format_money(self.value, above="hơn") + self.mark

    @property
    def money3(self) -> str:
        """Billions to the million: "trên 4,850 tỷ đồng" (smaller sums as `money`).

        Rounded to the million with "trên"/"gần", all three decimals are kept to show that
        precision ("4,850"); a sum that is exact to the million drops its trailing zeros
        ("1,25 tỷ đồng"), as every other amount does.
        """
        if not self:
            return MISSING
        if abs(self.value) < 10**9:
            return self.money
        exact = self.value % 10**6 == 0
        return format_money(self.value, decimals=3, trim_zeros=exact) + self.mark

    @property
    def percent(self) -> str:
        """A value that is itself a rate: "90%"."""
        if not self:
            return MISSING
        return format_percent(self.value) + self.mark

    @property
    def rate(self) -> str:
        """A rate with one decimal, as shares of units are written: "94,6%" ("100%")."""
        if not self:
            return MISSING
        text = format_percent(self.value, 1)
        return text.replace(",0%", "%") + self.mark

    def formatted(self, value: Decimal) -> str:
        """Any amount of this indicator written by its type (number, money, rate)."""
        if self.is_money:
            return format_money(value)
        if self.is_percent:
            return format_percent(value)
        return format_number(value)

    def __str__(self) -> str:
        if not self:
            return MISSING
        if self.is_money:
            return self.money
        if self.is_percent:
            return self.percent
        return self.number

    # -- against the target ----------------------------------------------------------------
    @property
    def target(self) -> str:
        """The target written by type ("2.100", "90%"); empty without a target."""
        if self.row is None or self.row.target is None:
            return ""
        return self.formatted(self.row.target)

    @property
    def target_phase(self) -> str:
        return self.row.target_phase if self.row else ""

    @property
    def target_phase_label(self) -> str:
        """ "giai đoạn 2021–2025" for a phase target, empty for a target of the period."""
        return periods.label_vi(self.target_phase) if self.target_phase else ""

    @property
    def pct_text(self) -> str:
        """Achievement against the target for tables: "195%"; empty without one."""
        if not self.present or self.row is None or self.row.achievement_pct is None:
            return ""  # nothing reported is not "đạt 0%"
        return format_percent(self.row.achievement_pct)

    @property
    def pct(self) -> str:
        """Achievement against the target in a sentence: "195%" (MISSING without one)."""
        return self.pct_text or MISSING

    @property
    def met(self) -> bool:
        """The target is reached (a sentence may say "đạt chỉ tiêu")."""
        return (
            self.present
            and self.row is not None
            and self.row.target is not None
            and self.row.value >= self.row.target
        )

    @property
    def below_target(self) -> bool:
        """A target and a value short of it: a hạn chế to propose."""
        return (
            self.present
            and self.row is not None
            and self.row.target is not None
            and self.row.value < self.row.target
        )

    @property
    def down_on_last_year(self) -> bool:
        """Reported lower than the same period last year: a hạn chế to propose."""
        return self.present and self.row is not None and (self.row.change or 0) < 0

    @property
    def target_verdict(self) -> str:
        """ "đạt chỉ tiêu" or "không đạt chỉ tiêu"; empty without a value or a target."""
        if not self.present or self.row is None or self.row.target is None:
            return ""
        return "đạt chỉ tiêu" if self.row.value >= self.row.target else "không đạt chỉ tiêu"

    @property
    def exceeds(self) -> bool:
        return (
            self.present
            and self.row is not None
            and self.row.achievement_pct is not None
            and _whole_percent(self.row.achievement_pct) > 100
        )

    @property
    def excess_pct(self) -> str:
        """How far past the target, consistent with `pct`: 462% achieved -> "362%"."""
        if not self.exceeds or self.row is None or self.row.achievement_pct is None:
            return ""
        return format_percent(_whole_percent(self.row.achievement_pct) - 100)

    # -- against the same period last year ------------------------------------------------
    @property
    def last_year(self) -> str:
        if self.row is None or self.row.last_year is None:
            return ""
        return self.formatted(self.row.last_year) + self.last_year_mark

    @property
    def change(self) -> str:
        """ "tăng 242 tỷ đồng", "giảm 12", "không đổi"; empty without last year's figure.

        Money changes are rounded by scale without "trên"/"gần", as reports write them.
        """
        if self.row is None or self.row.change is None:
            return ""
        change = self.row.change
        if change == 0:
            return "không đổi"
        verb = "tăng" if change > 0 else "giảm"
        size = abs(change)
        if self.is_money:
            text = format_money(size, above="", below="")
        elif self.is_percent:
            text = format_number(size, decimals=1).rstrip("0").rstrip(",") + " điểm phần trăm"
        else:
            text = format_number(size)
        return f"{verb} {text}{self.mark or self.last_year_mark}"

    # -- against another figure -------------------------------------------------------------
    def ratio_to(self, whole: Figure) -> str:
        """ "12/12 (đạt 100%)": this figure out of `whole`; MISSING when either is zero."""
        if not self or not whole:
            return MISSING
        pct = format_percent(self.value * 100 / whole.value)
        return f"{self.number}/{whole.number} (đạt {pct})"


class FigureSet(Mapping[str, Figure]):
    """The figures of a report by indicator code; an unknown code gives an empty figure.

    `tracking()` records which figures templates read while it is open (nested blocks each
    get their own record), so a paragraph can tell whether it printed anything real.
    """

    def __init__(self, rows: list[ReportRow]) -> None:
        self._figures = {row.indicator.code: Figure(row.indicator, row) for row in rows}
        self._open: list[set[str]] = []

    def __getitem__(self, code: str) -> Figure:
        for used in self._open:
            used.add(code)
        figure = self._figures.get(code)
        return figure if figure is not None else Figure(None, None)

    def __iter__(self) -> Iterator[str]:
        return iter(self._figures)

    def __len__(self) -> int:
        return len(self._figures)

    @contextmanager
    def tracking(self) -> Iterator[set[str]]:
        """Collect the codes read inside the block."""
        used: set[str] = set()
        self._open.append(used)
        try:
            yield used
        finally:
            self._open.pop()

    def any_shown(self, codes: set[str]) -> bool:
        """Whether one of these figures has a value or a target worth a sentence."""
        return any(self._figures[code].shown for code in codes if code in self._figures)


def rows_with_emulation(
    rows: list[ReportRow], unit: Unit, period: periods.Period
) -> list[ReportRow]:
    """The report's rows with CS_TOT_TL taken from the published emulation results.

    CS_TOT_TL ("tỷ lệ cơ sở Hội hoàn thành tốt nhiệm vụ trở lên") is never entered: for a
    year and a unit above the communes it is the share of the subtree's commune unions rated
    at least "hoàn thành tốt" in the published results (`count` is the number graded). The
    target stays the report's. Without published results the row is left as it was.
    """
    if period.period_type != periods.PeriodType.YEARLY or unit.level >= Level.COMMUNE:
        return rows
    result = []
    for row in rows:
        if row.indicator.code not in EMULATION_INDICATORS:
            result.append(row)
            continue
        share = share_good_or_better(unit, period.start.year)
        if share is None:
            result.append(row)
            continue
        before = share_good_or_better(unit, period.start.year - 1)
        last_year = before.pct if before is not None else None
        result.append(
            replace(
                row,
                value=share.pct,
                count=share.graded,
                last_year=last_year,
                change=share.pct - last_year if last_year is not None else None,
                achievement_pct=share.pct * 100 / row.target if row.target else None,
                # Read from the unit's own published results: never shared out.
                estimated=False,
                last_year_estimated=False,
            )
        )
    return result
