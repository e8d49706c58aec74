"""The reads behind DHIS2's `/api/analytics`: a grid of totals over data × periods × units.

Built on `selectors.grid.grid_totals`: the roll-ups and the raw values read set-wise for batches of
units, so a country-sized request costs a few queries per batch, never one per cell.
A request names dimensions (`dx`, `pe`, `ou`) as DHIS2 does,
`dx:A;B`, `pe:2023;LAST_YEAR`, `ou:UID;LEVEL-3`, each as a row dimension or a filter; the
answer has DHIS2's shape (`headers`, `metaData`, `rows`, `height`, `width`). Every unit is
checked with the access helper: one outside the user's subtree refuses the whole request.
"""

from __future__ import annotations

import copy
import datetime as dt
import itertools
import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from phongtrao import periods
from phongtrao.accounts.access import membership_of, unit_may_view
from phongtrao.analytics.dashboard import validity_window
from phongtrao.analytics.selectors.grid import (
    Figures,
    grid_batches,
    grid_figures,
    grid_totals,
)
from phongtrao.analytics.selectors.overrides import KINDS, Raw, override_raw, override_value
from phongtrao.analytics.selectors.reporting import report_counts
from phongtrao.catalog.models import Form, Indicator
from phongtrao.data.models import Period
from phongtrao.data.rollups import period_rows
from phongtrao.orgs.models import Edition, Unit
from phongtrao.orgs.selectors import edition_parse, unit_counterpart
from phongtrao.vn.numbers import format_number

# The cells (data × periods × units) a request may read unless `ANALYTICS_MAX_CELLS` says
# otherwise: every commune of the country × 73 indicators × 5 years is about 1.2 million.
DEFAULT_MAX_CELLS = 2_000_000
# Up to this many cells the rows come in DHIS2's order; larger answers with `ou` among the
# rows are streamed batch by batch of units.
ORDERED_CELLS = 200_000
# The most amounts whose written text the direct path keeps at once.
NUMBER_TEXTS = 100_000
DIMENSION_NAMES = {"dx": "Dữ liệu", "pe": "Kỳ", "ou": "Đơn vị"}
DENIED = "Không tìm thấy đơn vị “{}” hoặc bạn không có quyền xem số liệu của đơn vị đó."


class AnalyticsError(ValueError):
    """A request that cannot be answered: `status` 409 (bad request) or 403 (access);
    `code` DHIS2's error code (E71xx, `ErrorCode`; E7128: too many cells) when it has one."""

    def __init__(self, message: str, status: int = 409, code: str = "", english: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.english = english


def _relative(keyword: str, today: dt.date) -> list[str] | None:
    """DHIS2's relative periods, counted from `today` (None: not a relative period)."""
    T = periods.PeriodType
    this_year = periods.for_date(T.YEARLY, today)
    this_month = periods.for_date(T.MONTHLY, today)
    this_quarter = periods.for_date(T.QUARTERLY, today)
    this_half = periods.for_date(T.SIX_MONTHLY, today)

    def back(period: periods.Period, n: int) -> list[str]:
        found = []
        for _ in range(n):
            period = period.previous()
            found.append(period.code)
        return list(reversed(found))

    table: dict[str, Any] = {
        "THIS_YEAR": lambda: [this_year.code],
        "LAST_YEAR": lambda: back(this_year, 1),
        "LAST_5_YEARS": lambda: back(this_year, 5),
        "LAST_10_YEARS": lambda: back(this_year, 10),
        "THIS_MONTH": lambda: [this_month.code],
        "LAST_MONTH": lambda: back(this_month, 1),
        "LAST_3_MONTHS": lambda: back(this_month, 3),
        "LAST_6_MONTHS": lambda: back(this_month, 6),
        "LAST_12_MONTHS": lambda: back(this_month, 12),
        "THIS_QUARTER": lambda: [this_quarter.code],
        "LAST_QUARTER": lambda: back(this_quarter, 1),
        "LAST_4_QUARTERS": lambda: back(this_quarter, 4),
        "THIS_SIX_MONTH": lambda: [this_half.code],
        "LAST_SIX_MONTH": lambda: back(this_half, 1),
        "LAST_2_SIXMONTHS": lambda: back(this_half, 2),
    }
    make = table.get(keyword)
    return None if make is None else list(make())


def _periods(items: Sequence[str], today: dt.date) -> list[Period]:
    codes: list[str] = []
    for item in items:
        relative = _relative(item.upper(), today)
        if relative is not None:
            codes.extend(relative)
            continue
        try:
            codes.append(periods.parse(item).code)
        except periods.PeriodError as error:
            raise AnalyticsError(
                f"Kỳ “{item}” không hợp lệ: {error.message_vi}", code="E7124"
            ) from None
    unique = list(dict.fromkeys(codes))
    rows = period_rows(unique)
    return [rows[code] for code in unique]


# DHIS2's reporting rate metrics (`ReportingRateMetric`), asked as `<dataSet>.<METRIC>`.
RATE_METRICS = (
    "REPORTING_RATE",
    "REPORTING_RATE_ON_TIME",
    "ACTUAL_REPORTS",
    "ACTUAL_REPORTS_ON_TIME",
    "EXPECTED_REPORTS",
)
# DHIS2's default category option combo, the only disaggregation phongtrao stores: an
# operand `<dataElement>.<coc>` names it by uid (or code `default`), or `*` for all.
DEFAULT_COMBO = {"UID": "HllvX50cXC0", "CODE": "default"}


@dataclass(frozen=True)
class ReportingRate:
    """`dx:<dataSet>.<METRIC>`: a form's reports (see `selectors.reporting`)."""

    form: Form
    metric: str

    @property
    def uid(self) -> str:
        return f"{self.form.uid}.{self.metric}"

    @property
    def code(self) -> str:
        return f"{self.form.code}.{self.metric}"

    @property
    def name(self) -> str:
        return f"{self.form.name} - {RATE_LABELS[self.metric]}"

    def value(self, counts: list[Any]) -> Decimal:
        """The metric from summed [actual, on time, expected] (rates capped at 100)."""
        actual, on_time, expected = counts
        if self.metric == "EXPECTED_REPORTS":
            return Decimal(expected)
        if self.metric.startswith("ACTUAL"):
            return Decimal(on_time if self.metric.endswith("ON_TIME") else actual)
        done = on_time if self.metric.endswith("ON_TIME") else actual
        rate = (
            min(Decimal(done * 100) / Decimal(expected), Decimal(100)) if expected else Decimal(0)
        )
        return rate.quantize(Decimal("0.01"))


RATE_LABELS = {
    "REPORTING_RATE": "Tỷ lệ báo cáo",
    "REPORTING_RATE_ON_TIME": "Tỷ lệ báo cáo đúng hạn",
    "ACTUAL_REPORTS": "Số báo cáo đã nộp",
    "ACTUAL_REPORTS_ON_TIME": "Số báo cáo nộp đúng hạn",
    "EXPECTED_REPORTS": "Số báo cáo phải nộp",
}


def _operand(indicator: Indicator) -> Indicator:
    """The indicator standing for `<dataElement>.<default combo>`: the same figures, named
    by the operand (an unsaved copy, read only)."""
    operand = copy.copy(indicator)
    operand.uid = f"{indicator.uid}.{DEFAULT_COMBO['UID']}"
    operand.code = f"{indicator.code}.{DEFAULT_COMBO['CODE']}"
    operand.name = indicator.name
    return operand


def _indicators(items: Sequence[str], scheme: str) -> list[Any]:
    """The data items of `dx`: indicators, operands `<de>.<coc>` of the default combination,
    reporting rates `<dataSet>.<METRIC>`."""
    key = "code" if scheme == "CODE" else "uid"
    plain: list[str] = []
    parsed: list[tuple[str, str]] = []
    for item in dict.fromkeys(items):
        left, dot, right = item.rpartition(".")
        if dot and left:
            parsed.append((left, right))
        else:
            plain.append(item)
            parsed.append((item, ""))
    wanted = plain + [left for left, right in parsed if right and right not in RATE_METRICS]
    found = {getattr(i, key): i for i in Indicator.objects.filter(**{f"{key}__in": wanted})}
    forms = {
        getattr(f, key): f
        for f in Form.objects.filter(
            **{f"{key}__in": [left for left, right in parsed if right in RATE_METRICS]}
        )
    }
    result: list[Any] = []
    for left, right in parsed:
        if right in RATE_METRICS:
            if left not in forms:
                raise AnalyticsError(
                    f"Không có biểu mẫu (dataSet) nào có mã {key.upper()} “{left}”.", code="E7124"
                )
            result.append(ReportingRate(forms[left], right))
            continue
        if left not in found:
            raise AnalyticsError(
                f"Không có chỉ tiêu (dx) nào có mã {key.upper()} “{left}”.", code="E7124"
            )
        if not right:
            result.append(found[left])
        elif right in (DEFAULT_COMBO[key.upper()], "*"):
            result.append(_operand(found[left]))
        else:
            raise AnalyticsError(
                f"Tổ hợp phân tổ “{right}” không có: chỉ có tổ hợp mặc định "
                f"({DEFAULT_COMBO[key.upper()]}).",
                code="E7124",
            )
    return result


def _user_unit(user: Any) -> Unit:
    membership = membership_of(user)
    if membership is None:
        if getattr(user, "is_superuser", False):
            root = Unit.objects.filter(parent=None).order_by("-valid_from").first()
            if root is not None:
                return root
        raise AnalyticsError("Tài khoản của bạn không thuộc đơn vị nào.", status=403, code="E7120")
    return membership.unit


def _valid_during(span: tuple[dt.date, dt.date]) -> Q:
    start, end = span
    return Q(valid_from__lte=end) & (Q(valid_to__isnull=True) | Q(valid_to__gte=start))


def _window(
    span: tuple[dt.date, dt.date], valid_from: dt.date, valid_to: dt.date | None
) -> tuple[dt.date, dt.date]:
    return validity_window(span[0], span[1], valid_from, valid_to)


def _structure(unit: Unit, user: Any, edition: Edition | None, key: str) -> Unit:
    """The unit standing for `unit` in `edition` (itself without one), if the user may see
    both: the same rule as the report page."""
    if not unit_may_view(user, unit):
        raise AnalyticsError(DENIED.format(key), status=403, code="E7120")
    if edition is None or unit.edition_id == edition.pk:
        return unit
    try:
        counterpart = unit_counterpart(unit, edition)
    except Unit.DoesNotExist:
        raise AnalyticsError(
            f"Không có đơn vị nào thay cho “{key}” trong cơ cấu “{edition.name}”.", code="E7143"
        ) from None
    if not unit_may_view(user, counterpart):
        raise AnalyticsError(DENIED.format(counterpart.uid), status=403, code="E7120")
    return counterpart


def _units(
    items: Sequence[str],
    user: Any,
    scheme: str,
    span: tuple[dt.date, dt.date],
    edition: Edition | None = None,
) -> list[Unit]:
    """The units an `ou` dimension names on the structure `edition` (by default, each on its
    own), each checked with the access helper."""
    boundaries: list[Unit] = []
    levels: list[int] = []
    units: list[Unit] = []
    for item in items:
        upper = item.upper()
        if upper == "USER_ORGUNIT":
            units.append(_structure(_user_unit(user), user, edition, item))
        elif upper in ("USER_ORGUNIT_CHILDREN", "USER_ORGUNIT_GRANDCHILDREN"):
            mine = _structure(_user_unit(user), user, edition, item)
            depth = 1 if upper.endswith("_CHILDREN") else 2
            units.extend(
                Unit.objects.filter(
                    _valid_during(_window(span, mine.valid_from, mine.valid_to)),
                    path__startswith=mine.path,
                    level=mine.level + depth,
                    edition_id=mine.edition_id,
                )
            )
        elif upper.startswith("LEVEL-"):
            number = upper.removeprefix("LEVEL-")
            if not number.isdigit() or not 1 <= int(number) <= 10:
                raise AnalyticsError(
                    f"Cấp đơn vị “{item}” không hợp lệ (LEVEL-1 đến LEVEL-6).", code="E7143"
                )
            levels.append(int(number) - 1)  # DHIS2 counts levels from 1, we from 0
        elif upper.startswith(("OU_GROUP-", "USER_ORGUNIT")):
            raise AnalyticsError(f"Từ khóa đơn vị “{item}” không được hỗ trợ.", code="E7143")
        else:
            boundaries.append(_unit(item, user, scheme, span, edition))
    if levels:
        roots = boundaries or [_structure(_user_unit(user), user, edition, "USER_ORGUNIT")]
        for root in roots:
            units.extend(
                Unit.objects.filter(
                    _valid_during(_window(span, root.valid_from, root.valid_to)),
                    path__startswith=root.path,
                    level__in=levels,
                    edition_id=root.edition_id,
                )
            )
    else:
        units.extend(boundaries)
    unique = {u.pk: u for u in units}
    for unit in unique.values():
        if not unit_may_view(user, unit):
            raise AnalyticsError(DENIED.format(unit.uid), status=403, code="E7120")
    return sorted(unique.values(), key=lambda u: u.path)


def _unit(
    key: str, user: Any, scheme: str, span: tuple[dt.date, dt.date], edition: Edition | None
) -> Unit:
    unit: Unit | None
    if scheme == "CODE" and edition is not None:
        # The code as that structure uses it ("75": the 2025 Đồng Nai in "2025").
        window = _window(span, edition.valid_from, edition.valid_to)
        unit = (
            Unit.objects.filter(_valid_during(window), edition=edition, code=key)
            .select_related("edition")
            .order_by("-valid_from")
            .first()
        )
    elif scheme == "CODE":
        unit = Unit.objects.filter(_valid_during(span), code=key).order_by("-valid_from").first()
    else:
        unit = Unit.objects.filter(uid=key).select_related("edition").first()
    if unit is None:
        raise AnalyticsError(DENIED.format(key), status=403, code="E7120")
    return _structure(unit, user, edition, key)


def _split(text: str) -> tuple[str, list[str]]:
    name, sep, rest = text.partition(":")
    name = name.strip().lower()
    items = [item.strip() for item in rest.split(";") if item.strip()]
    if not sep or name not in DIMENSION_NAMES:
        raise AnalyticsError(
            f"Chiều “{text[:60]}” không được hỗ trợ: chỉ dx, pe và ou (ví dụ dx:UID;UID).",
            code="E7125",
        )
    if not items:
        raise AnalyticsError(f"Chiều “{name}” cần ít nhất một mục.", code="E7124")
    return name, items


def _number(value: Decimal) -> str:
    text = f"{value.normalize():f}"
    return "0" if text in ("-0", "") else text


def analytics_plan(
    *,
    user: Any,
    dimensions: Sequence[str],
    filters: Sequence[str] = (),
    input_id_scheme: str = "UID",
    output_id_scheme: str = "UID",
    skip_meta: bool = False,
    edition: str | None = None,
    today: dt.date | None = None,
    aggregation_type: str = "",
    display_property: str = "NAME",
    include_num_den: bool = False,
    columns: Sequence[str] = (),
    rows: Sequence[str] = (),
) -> AnalyticsPlan:
    """Parse `dimension=` and `filter=` parameters as DHIS2 does, resolve their items and
    check every unit with the access helper; no figure is read yet.

    `edition` ("2008", "2025" or a day such as "2025-07-01"): the structure on which `ou`
    is resolved and the totals computed (each unit replaced by its counterpart there); by
    default each unit named by uid is reported on its own structure and a code means the
    unit of the periods' end. Raises `AnalyticsError`: 409 (bad request; `E7128` when the
    request reads more cells, data × periods × units, than `settings.ANALYTICS_MAX_CELLS`),
    or 403 for a unit, or its counterpart, outside the user's subtree.

    DHIS2's `aggregationType` (`aggregation_type`: DEFAULT, or a kind of
    `selectors.overrides.KINDS` for raw indicators), `displayProperty` (NAME or SHORTNAME:
    the names in metaData), `includeNumDen` and the table layout (`columns`, `rows`: row
    dimensions of the request, E7126 / E7127 otherwise) are kept on the plan.
    """
    today = today or timezone.localdate()
    in_scheme = input_id_scheme.upper()
    out_key = OUTPUT_KEYS.get(output_id_scheme.upper(), "uid")
    asked: dict[str, list[str]] = {}
    row_names: list[str] = []
    for text in dimensions:
        name, names = _split(text)
        if name in asked:
            raise AnalyticsError(f"Chiều “{name}” được nêu hai lần.", code="E7111")
        asked[name] = names
        row_names.append(name)
    filter_names: list[str] = []
    for text in filters:
        name, names = _split(text)
        if name in asked:
            raise AnalyticsError(
                f"Chiều “{name}” được nêu hai lần.",
                code="E7103" if name in row_names else "E7111",
            )
        asked[name] = names
        filter_names.append(name)
    if "dx" not in asked:
        raise AnalyticsError("Cần chỉ rõ dữ liệu (dimension=dx:...).", code="E7102")
    if "pe" not in asked:
        raise AnalyticsError(
            "Cần chỉ rõ ít nhất một kỳ (dimension=pe:... hoặc filter=pe:...).", code="E7104"
        )
    if "ou" not in asked:
        asked["ou"] = ["USER_ORGUNIT"]
        filter_names.append("ou")
    structure: Edition | None = None
    if edition is not None and edition.strip():
        try:
            structure = edition_parse(edition)
        except Edition.DoesNotExist as error:
            raise AnalyticsError(str(error)) from None
    indicators = _indicators(asked["dx"], in_scheme)
    if "dx" in filter_names and len(indicators) > 1:
        if any(isinstance(item, ReportingRate) for item in indicators):
            raise AnalyticsError(
                "Chỉ được nêu một tỷ lệ báo cáo làm bộ lọc (filter=dx:...).", code="E7109"
            )
    period_list = _periods(asked["pe"], today)
    span = (min(p.start for p in period_list), max(p.end for p in period_list))
    unit_list = _units(asked["ou"], user, in_scheme, span, structure)
    cells = len(indicators) * len(period_list) * len(unit_list)
    limit = max_cells()
    if cells > limit:
        raise AnalyticsError(
            f"Yêu cầu quá lớn: {format_number(len(indicators))} chỉ tiêu × "
            f"{format_number(len(period_list))} kỳ × {format_number(len(unit_list))} đơn vị "
            f"= {format_number(cells)} ô, vượt giới hạn {format_number(limit)} ô. "
            "Hãy chia nhỏ yêu cầu (ít chỉ tiêu, kỳ hoặc đơn vị hơn).",
            code="E7128",
        )
    for placed, code, word in ((columns, "E7126", "Cột"), (rows, "E7127", "Hàng")):
        for name in placed:
            if name not in row_names:
                raise AnalyticsError(
                    f"{word} “{name}” phải là một chiều (dimension) của yêu cầu.", code=code
                )
    aggregation = _aggregation(aggregation_type, indicators, structure)
    return AnalyticsPlan(
        row_names=row_names,
        filter_names=filter_names,
        items={"dx": indicators, "pe": period_list, "ou": unit_list},
        out_key=out_key,
        structure=structure,
        skip_meta=skip_meta,
        aggregation=aggregation,
        short_names=display_property.strip().upper() == "SHORTNAME",
        num_den=include_num_den,
        layout=(list(columns), list(rows)) if columns or rows else None,
    )


def _aggregation(asked: str, indicators: Sequence[Any], structure: Edition | None) -> str:
    """The override to compute ("" for the items' own aggregation), or AnalyticsError."""
    asked = asked.strip().upper()
    if not asked or asked == "DEFAULT":
        return ""
    if asked not in KINDS:
        raise AnalyticsError(
            f"Kiểu tổng hợp aggregationType “{asked}” không được hỗ trợ (được: DEFAULT, "
            f"{', '.join(KINDS)}).",
            english=f"Unsupported aggregationType `{asked}` (supported: DEFAULT, "
            f"{', '.join(KINDS)}).",
        )
    if asked == "SUM" and all(
        getattr(i, "time_aggregation", "") == "sum" and not getattr(i, "formula", "")
        for i in indicators
    ):
        return ""  # the roll-ups' own sums
    if any(isinstance(i, ReportingRate) or i.formula for i in indicators):
        raise AnalyticsError(
            f"aggregationType “{asked}” chỉ áp dụng cho chỉ tiêu nhập trực tiếp, không cho chỉ "
            "tiêu tính theo công thức hay tỷ lệ báo cáo.",
            english=f"aggregationType `{asked}` applies only to data elements entered "
            "directly, not to computed ones or reporting rates.",
        )
    if structure is not None:
        raise AnalyticsError(
            f"aggregationType “{asked}” không dùng được cùng tham số edition.",
            english=f"aggregationType `{asked}` cannot be combined with edition.",
        )
    return asked


def max_cells() -> int:
    """The most cells (data × periods × units) one request may read: a setting."""
    return int(getattr(settings, "ANALYTICS_MAX_CELLS", DEFAULT_MAX_CELLS))


# DHIS2's outputIdScheme → what identifies dx and ou items in rows and metaData.
OUTPUT_KEYS = {"UID": "uid", "CODE": "code", "NAME": "name", "SHORTNAME": "short_name"}
# DHIS2's `includeNumDen` columns, after the value.
NUM_DEN = ("numerator", "denominator", "factor", "multiplier", "divisor")


@dataclass
class AnalyticsPlan:
    """A parsed, access-checked request: its dimensions and their items, in order.

    `analytics_rows` fills `estimates` and `height` while it streams the rows.
    """

    row_names: list[str]
    filter_names: list[str]
    items: dict[str, list[Any]]
    out_key: str
    structure: Edition | None
    skip_meta: bool
    aggregation: str = ""
    short_names: bool = False
    num_den: bool = False
    layout: tuple[list[str], list[str]] | None = None
    estimates: list[str] = field(default_factory=list)
    height: int = 0

    @property
    def cells(self) -> int:
        return len(self.items["dx"]) * len(self.items["pe"]) * len(self.items["ou"])

    def ident(self, name: str, item: Any) -> str:
        if name == "pe":
            return str(item.code)
        if self.out_key == "short_name":
            # As the metadata API: a unit's short name is its name (50 characters), an
            # indicator's its code.
            return str(item.name[:50] if name == "ou" else item.code)
        return str(getattr(item, self.out_key))

    def display(self, name: str, item: Any) -> str:
        """An item's name as `displayProperty` asks (short: a unit's first 50 characters, an
        indicator's code, as the metadata API's `shortName`)."""
        if name == "pe":
            return periods.label_vi(item.code)
        if self.short_names and not isinstance(item, ReportingRate):
            return str(item.name[:50] if name == "ou" else item.code)
        return str(item.name)

    def headers(self) -> list[dict[str, Any]]:
        """DHIS2's `headers`: one per row dimension, then the value (and with `includeNumDen`
        the numerator, denominator, factor, multiplier and divisor)."""
        extra = [
            {
                "name": name,
                "column": name.capitalize(),
                "valueType": "NUMBER",
                "type": "java.lang.Double",
                "hidden": False,
                "meta": False,
            }
            for name in (NUM_DEN if self.num_den else ())
        ]
        return (
            [
                {
                    "name": name,
                    "column": DIMENSION_NAMES[name],
                    "valueType": "TEXT",
                    "type": "java.lang.String",
                    "hidden": False,
                    "meta": True,
                }
                for name in self.row_names
            ]
            + [
                {
                    "name": "value",
                    "column": "Giá trị",
                    "valueType": "NUMBER",
                    "type": "java.lang.Double",
                    "hidden": False,
                    "meta": False,
                }
            ]
            + extra
        )

    def meta(self) -> dict[str, Any]:
        """DHIS2's `metaData` (names of the items, dimensions) with the estimated cells."""
        indicators, period_list, unit_list = (self.items[n] for n in ("dx", "pe", "ou"))
        meta_items: dict[str, Any] = {n: {"name": label} for n, label in DIMENSION_NAMES.items()}
        for indicator in indicators:
            if isinstance(indicator, ReportingRate):
                kind, total = "REPORTING_RATE", "AVERAGE"
            else:
                kind = "DATA_ELEMENT_OPERAND" if "." in indicator.uid else "DATA_ELEMENT"
                total = "SUM"
            meta_items[self.ident("dx", indicator)] = {
                "uid": indicator.uid,
                "code": indicator.code,
                "name": self.display("dx", indicator),
                "dimensionItemType": kind,
                "valueType": "NUMBER",
                "totalAggregationType": total,
            }
        for period in period_list:
            meta_items[period.code] = {"name": periods.label_vi(period.code)}
        for unit in unit_list:
            meta_items[self.ident("ou", unit)] = {
                "uid": unit.uid,
                "code": unit.code,
                "name": self.display("ou", unit),
            }
        meta: dict[str, Any] = {
            "items": meta_items,
            "dimensions": {
                "dx": [self.ident("dx", i) for i in indicators],
                "pe": [p.code for p in period_list],
                "ou": [self.ident("ou", u) for u in unit_list],
                "co": [],
            },
            # Cells (data|period|unit) shared out from split units by weights: estimates.
            "estimates": sorted(self.estimates),
        }
        if self.structure is not None:
            meta["edition"] = {"code": self.structure.code, "name": self.structure.name}
        return meta


def analytics_rows(
    plan: AnalyticsPlan, quote: Callable[[str], str] | None = None
) -> Iterator[list[str]]:
    """The rows of the answer (row dimensions' identifiers, then the value), streamed.

    Filters are summed over their items (several units or periods in a filter add up).
    Cells no value fed are left out, as DHIS2 does. Units are read in batches
    (`selectors.grid.grid_batches`), each in a fixed number of set-wise queries: with `ou` among
    the rows of a large request, each batch's rows are sent before the next is read, so
    memory follows the batch; otherwise the rows come in DHIS2's order (the product of
    the row dimensions).

    When nothing is summed (no reporting rate, every filter of one item), each cell is one
    row: the rows are written straight from the batch's figures (`grid_figures`), in the
    same order, without a `Total` or an accumulator per cell (`analytics_rows_summed` is
    the general path, and the tests hold the two equal).

    `quote` (a writer's escaping, such as `json.dumps`): every cell is passed through it,
    each identifier once per request rather than once per row.
    """
    for chunk in _row_chunks(plan, quote, None):
        yield from chunk


def analytics_json_rows(plan: AnalyticsPlan) -> Iterator[list[str]]:
    """The rows of `analytics_rows` as JSON arrays of strings (`["dx", "pe", "ou", "12"]`,
    as `json.dumps(row, ensure_ascii=False)` writes them), in chunks.

    The JSON writer's path for country-sized answers: on the direct path each row is one
    string built from its prefix (the outer dimensions' identifiers, joined once per chunk),
    the inner item's encoded identifier and the amount's text, in one comprehension per
    chunk: no list, generator step or join per row.
    """
    return _row_chunks(plan, json_string, lambda head: "[" + "".join(c + ", " for c in head))


def json_string(text: str) -> str:
    """A string as JSON (`ensure_ascii=False`), for cells of analytics rows: a number's
    text ("-12.5") needs no escaping and is quoted directly."""
    if text.lstrip("-").replace(".", "", 1).isdigit():
        return f'"{text}"'
    return json.dumps(text, ensure_ascii=False)


def _row_chunks(
    plan: AnalyticsPlan,
    quote: Callable[[str], str] | None,
    prefix: Callable[[list[str]], str] | None,
) -> Iterator[list[Any]]:
    """`analytics_rows` in chunks: rows (lists of cells) or, with `prefix` (the text
    opening a row from its head cells), each row as one JSON string."""

    def whole(rows: Iterable[list[str]]) -> Iterator[list[Any]]:
        for row in rows:
            cells = row if quote is None else [quote(cell) for cell in row]
            yield [cells] if prefix is None else ["[" + ", ".join(cells) + "]"]

    if plan.aggregation:
        yield from whole(_override_rows(plan))
        return
    summed = (
        not plan.row_names
        or plan.num_den
        or any(isinstance(i, ReportingRate) for i in plan.items["dx"])
        or any(len(plan.items[name]) > 1 for name in plan.filter_names)
    )
    if summed:
        yield from whole(analytics_rows_summed(plan))
        return
    indicators, period_list, unit_list = (plan.items[n] for n in ("dx", "pe", "ou"))
    stream = "ou" in plan.row_names and plan.cells > ORDERED_CELLS
    readable = list({i.pk: i for i in indicators}.values())
    same = quote or str
    idents = {
        name: [same(plan.ident(name, item)) for item in plan.items[name]]
        for name in DIMENSION_NAMES
    }
    figures: Figures = {}
    estimated: set[tuple[int, int, int]] = set()
    texts = _Texts(same)  # an amount → its text as written, for the request
    offset = 0
    for batch in grid_batches(unit_list):
        found, marked = grid_figures(batch, period_list, readable)
        figures.update(found)
        estimated |= marked
        offset += len(batch)
        if stream:
            yield from _direct_rows(
                plan,
                idents,
                figures,
                estimated,
                range(offset - len(batch), offset),
                texts,
                prefix,
            )
            figures, estimated = {}, set()
    if not stream:
        yield from _direct_rows(
            plan, idents, figures, estimated, range(len(unit_list)), texts, prefix
        )


class _Texts(dict[Decimal, str]):
    """An amount → its text as written (`_number`, then the writer's quoting), each amount
    formatted once per request: equal amounts (1.0 and 1.00 included) are written alike."""

    def __init__(self, quote: Callable[[str], str]) -> None:
        super().__init__()
        self.quote = quote

    def __missing__(self, amount: Decimal) -> str:
        text = self[amount] = self.quote(_number(amount))
        return text


def _direct_rows(
    plan: AnalyticsPlan,
    idents: dict[str, list[str]],
    figures: Figures,
    estimated: set[tuple[int, int, int]],
    unit_range: range,
    texts: _Texts,
    prefix: Callable[[list[str]], str] | None,
) -> Iterator[list[Any]]:
    """One row per cell with figures, in the order of the product of the row dimensions,
    a chunk per item of the outer row dimensions (see `_row_chunks`).

    The outer row dimensions are walked as a product; along the innermost one, the cells'
    figures are looked up in one list, so an empty cell costs one test. A chunk is built in
    one comprehension unless one of the batch's figures is an estimate (then row by row,
    to list the estimated cells).
    """
    indicators, period_list, unit_list = (plan.items[n] for n in ("dx", "pe", "ou"))
    ranges = {"dx": range(len(indicators)), "pe": range(len(period_list)), "ou": unit_range}
    *outer, inner = plan.row_names
    unit_pks = [u.pk for u in unit_list]
    period_pks = [p.pk for p in period_list]
    indicator_pks = [i.pk for i in indicators]
    inner_range = ranges[inner]
    names = idents[inner][inner_range.start : inner_range.stop]
    # The cells along the inner dimension, kept for each item of the other one.
    along: dict[int, list[dict[int, tuple[Decimal, int]] | None]] = {}
    for at_prefix in itertools.product(*(ranges[n] for n in outer)):
        at = {"dx": 0, "pe": 0, "ou": 0}  # a filter: its only item
        at.update(zip(outer, at_prefix, strict=True))
        head = [idents[n][i] for n, i in zip(outer, at_prefix, strict=True)]
        cells: Iterable[dict[int, tuple[Decimal, int]] | None]
        pks: Iterable[int]
        if inner == "ou":
            cells = along.get(at["pe"]) or along.setdefault(
                at["pe"],
                [figures.get((unit_pks[i], period_pks[at["pe"]])) for i in inner_range],
            )
            pks = itertools.repeat(indicator_pks[at["dx"]])
        elif inner == "pe":
            cells = along.get(at["ou"]) or along.setdefault(
                at["ou"],
                [figures.get((unit_pks[at["ou"]], period_pk)) for period_pk in period_pks],
            )
            pks = itertools.repeat(indicator_pks[at["dx"]])
        else:
            cells = itertools.repeat(figures.get((unit_pks[at["ou"]], period_pks[at["pe"]])))
            pks = indicator_pks
        if len(texts) > NUMBER_TEXTS:
            texts.clear()
        if estimated:
            chunk = []
            for i, cell, pk in zip(inner_range, cells, pks, strict=False):
                figure = None if cell is None else cell.get(pk)
                if figure is None or not figure[1]:
                    continue
                at[inner] = i
                if (unit_pks[at["ou"]], period_pks[at["pe"]], pk) in estimated:
                    plan.estimates.append(
                        "|".join(plan.ident(n, plan.items[n][at[n]]) for n in ("dx", "pe", "ou"))
                    )
                row = [*head, names[i - inner_range.start], texts[figure[0]]]
                chunk.append(row if prefix is None else "[" + ", ".join(row) + "]")
        elif prefix is None:
            chunk = [
                [*head, name, texts[figure[0]]]
                for name, cell, pk in zip(names, cells, pks, strict=False)
                if cell is not None and (figure := cell.get(pk)) is not None and figure[1]
            ]
        else:
            opening = prefix(head)
            chunk = [
                f"{opening}{name}, {texts[figure[0]]}]"
                for name, cell, pk in zip(names, cells, pks, strict=False)
                if cell is not None and (figure := cell.get(pk)) is not None and figure[1]
            ]
        if chunk:
            plan.height += len(chunk)
            yield chunk


def analytics_rows_summed(plan: AnalyticsPlan) -> Iterator[list[str]]:
    """`analytics_rows` through an accumulator of every cell: the general path, for
    filters of several items and reporting rates (and the reference of the direct one)."""
    indicators, period_list, unit_list = (plan.items[n] for n in ("dx", "pe", "ou"))
    stream = "ou" in plan.row_names and plan.cells > ORDERED_CELLS
    acc: dict[tuple[int, ...], list[Any]] = {}
    names = plan.row_names
    offset = 0
    rates = [(ix, i) for ix, i in enumerate(indicators) if isinstance(i, ReportingRate)]
    figures = [(ix, i) for ix, i in enumerate(indicators) if not isinstance(i, ReportingRate)]
    readable = list({i.pk: i for _, i in figures}.values())
    for batch in grid_batches(unit_list):
        totals = grid_totals(batch, period_list, readable) if readable else {}
        if rates:
            _add_reports(plan, acc, batch, offset, rates)
        for iu, unit in enumerate(batch, start=offset):
            for ip, period in enumerate(period_list):
                cell = totals.get((unit.pk, period.pk), {})
                for ix, indicator in figures:
                    total = cell[indicator.pk]
                    if not total.count:
                        continue
                    if total.estimated:
                        plan.estimates.append(
                            f"{plan.ident('dx', indicator)}|{period.code}|{plan.ident('ou', unit)}"
                        )
                    index = {"dx": ix, "pe": ip, "ou": iu}
                    key = tuple(index[n] for n in names)
                    found = acc.get(key)
                    if found is None:
                        acc[key] = [total.value, total.count]
                    else:
                        found[0] += total.value
                        found[1] += total.count
        offset += len(batch)
        if stream:
            yield from _emit(plan, acc)
            acc = {}
    yield from _emit(plan, acc)


def _add_reports(
    plan: AnalyticsPlan,
    acc: dict[tuple[int, ...], list[Any]],
    batch: Sequence[Unit],
    offset: int,
    rates: Sequence[tuple[int, ReportingRate]],
) -> None:
    """Add the batch's report counts ([actual, on time, expected]) to the accumulator."""
    counts = report_counts(batch, plan.items["pe"], [r.form for _, r in rates])
    for iu, unit in enumerate(batch, start=offset):
        for ip, period in enumerate(plan.items["pe"]):
            for ix, rate in rates:
                found = counts.get((unit.pk, period.pk, rate.form.pk))
                if found is None:
                    continue
                index = {"dx": ix, "pe": ip, "ou": iu}
                key = tuple(index[n] for n in plan.row_names)
                sums = acc.setdefault(key, [0, 0, 0])
                sums[0] += found.actual
                sums[1] += found.on_time
                sums[2] += found.expected


def _emit(plan: AnalyticsPlan, acc: dict[tuple[int, ...], list[Any]]) -> Iterator[list[str]]:
    # Index tuples in lexicographic order are the product's order of the row dimensions.
    position = plan.row_names.index("dx") if "dx" in plan.row_names else None
    for key in sorted(acc):
        item = plan.items["dx"][key[position] if position is not None else 0]
        # includeNumDen: a rate's actual and expected reports and 100; nothing for data.
        num_den = ["", "", "", "", ""] if plan.num_den else []
        if isinstance(item, ReportingRate):
            # DHIS2 answers every cell where reports are expected, 0 included.
            value = item.value(acc[key])
            if num_den:
                # DHIS2 writes the counts as doubles ("3.0") and the factor as an int.
                actual = acc[key][1] if item.metric.endswith("ON_TIME") else acc[key][0]
                num_den[:3] = [f"{float(actual)}", f"{float(acc[key][2])}", "100"]
        else:
            amount, count = acc[key]
            if not count:
                continue
            value = amount
        plan.height += 1
        yield [
            plan.ident(name, plan.items[name][i])
            for name, i in zip(plan.row_names, key, strict=True)
        ] + [_number(value), *num_den]


def _override_rows(plan: AnalyticsPlan) -> Iterator[list[str]]:
    """The rows under an `aggregationType` override (`selectors.overrides`): a filter's
    items are taken together, as DHIS2 puts them in one query."""
    indicators, period_list, unit_list = (plan.items[n] for n in ("dx", "pe", "ou"))
    cells = override_raw(
        units=unit_list, period_list=period_list, indicators=indicators, kind=plan.aggregation
    )
    merged: dict[tuple[int, ...], list[Raw]] = {}
    for (ix, ip, iu), raws in cells.items():
        index = {"dx": ix, "pe": ip, "ou": iu}
        merged.setdefault(tuple(index[n] for n in plan.row_names), []).extend(raws)
    all_days = sum((p.end - p.start).days + 1 for p in period_list)
    for key in sorted(merged):
        at = dict(zip(plan.row_names, key, strict=True))
        days = (
            (period_list[at["pe"]].end - period_list[at["pe"]].start).days + 1
            if "pe" in at
            else all_days
        )
        value = override_value(merged[key], plan.aggregation, days)
        if value is None:
            continue
        plan.height += 1
        yield [plan.ident(name, plan.items[name][at[name]]) for name in plan.row_names] + [
            _number(value),
            *(["", "", "", "", ""] if plan.num_den else []),
        ]


# DHIS2's names of the dimensions in a table layout (`DimensionalObject.PRETTY_NAMES`,
# `Visualization.COLUMN_NAMES`).
PRETTY_NAMES = {"dx": "Data", "pe": "Period", "ou": "Organisation unit"}
COLUMN_NAMES = {"dx": "data", "pe": "period", "ou": "organisationunit"}
ILLEGAL_IN_COLUMN = re.compile(r"[/\\?%*:|\"'<>.]")


def _column_encode(text: str) -> str:
    """`Visualization.columnEncode`: a column's name as DHIS2 derives it from its items."""
    text = text.replace("<", "_lt").replace(">", "_gt")
    return ILLEGAL_IN_COLUMN.sub("", text)[:255].lower()


def _header(name: str, column: str, number: bool, hidden: bool, meta: bool) -> dict[str, Any]:
    return {
        "name": name,
        "column": column,
        "valueType": "NUMBER" if number else "TEXT",
        "type": "java.lang.Double" if number else "java.lang.String",
        "hidden": hidden,
        "meta": meta,
    }


def analytics_table(
    plan: AnalyticsPlan, *, hide_empty_rows: bool = False, hide_empty_columns: bool = False
) -> dict[str, Any]:
    """DHIS2's table layout (`columns=`, `rows=`; `Visualization.getGrid`): for each row
    dimension four headers (id, name, code, description), then one numeric column per
    combination of the column dimensions' items, named from their short names; a row per
    combination of the row dimensions' items, "" where no value. Identifiers are uids
    (DHIS2 drops `outputIdScheme` here); the figures are those of `analytics_rows`."""
    assert plan.layout is not None
    columns, rows = plan.layout
    names = plan.row_names
    by_ident = {n: {plan.ident(n, item): item for item in plan.items[n]} for n in names}
    values: dict[tuple[str, ...], str] = {}
    for row in analytics_rows(plan):
        uids = sorted(by_ident[n][row[i]].uid if n != "pe" else row[i] for i, n in enumerate(names))
        values[tuple(uids)] = row[len(names)]

    def uid(name: str, item: Any) -> str:
        return str(item.code if name == "pe" else item.uid)

    headers: list[dict[str, Any]] = []
    for name in rows:
        pretty, column = PRETTY_NAMES[name], COLUMN_NAMES[name]
        headers += [
            _header(f"{pretty} ID", f"{column}id", False, True, True),
            _header(pretty, f"{column}name", False, False, True),
            _header(f"{pretty} code", f"{column}code", False, True, True),
            _header(f"{pretty} description", f"{column}description", False, True, True),
        ]
    column_items = list(itertools.product(*(plan.items[n] for n in columns)))
    for combination in column_items:
        short = [
            item.code if n == "pe" else (item.name[:50] if n == "ou" else item.code)
            for n, item in zip(columns, combination, strict=True)
        ]
        pretty_name = " ".join(
            plan.display(n, item) for n, item in zip(columns, combination, strict=True)
        )
        headers.append(
            _header(
                _column_encode("_".join(short)) if short else "total",
                pretty_name or "Total",
                True,
                False,
                False,
            )
        )
    grid: list[list[str | None]] = []
    for combination in itertools.product(*(plan.items[n] for n in rows)):
        line: list[str | None] = []
        for name, item in zip(rows, combination, strict=True):
            description = getattr(item, "note", "") if name == "dx" else ""
            code = item.code if name != "pe" else item.code
            line += [uid(name, item), plan.display(name, item), code or None, description or None]
        found = False
        row_uids = [uid(n, item) for n, item in zip(rows, combination, strict=True)]
        for column_combination in column_items:
            key = tuple(
                sorted(
                    row_uids
                    + [uid(n, item) for n, item in zip(columns, column_combination, strict=True)]
                )
            )
            value = values.get(key)
            found = found or value is not None
            line.append(value)
        if hide_empty_rows and not found:
            continue
        grid.append(line)
    if hide_empty_columns:
        keep = [i for i in range(len(headers)) if any(line[i] is not None for line in grid)]
        headers = [headers[i] for i in keep]
        grid = [[line[i] for i in keep] for line in grid]
    answer: dict[str, Any] = {"headers": headers}
    filters = [plan.display(n, item) for n in plan.filter_names for item in plan.items[n]]
    if filters:
        answer["title"] = ", ".join(filters)
    if not plan.skip_meta:
        answer["metaData"] = plan.meta()
    answer.update(
        {
            "rows": [["" if cell is None else cell for cell in line] for line in grid],
            "height": len(grid),
            "width": len(headers),
            "headerWidth": len(headers),
        }
    )
    return answer


def analytics_grid(**params: Any) -> dict[str, Any]:
    """DHIS2's whole analytics answer as one object (`analytics_plan`'s parameters):
    `headers`, `metaData` (unless `skip_meta`), `rows`, `height`, `width`.

    For small answers; `/api/analytics` streams the same with `analytics_rows`.
    """
    plan = analytics_plan(**params)
    rows = list(analytics_rows(plan))
    headers = plan.headers()
    answer: dict[str, Any] = {"headers": headers}
    if not plan.skip_meta:
        answer["metaData"] = plan.meta()
    answer.update(
        {"rows": rows, "height": len(rows), "width": len(headers), "headerWidth": len(headers)}
    )
    return answer


__all__ = [
    "DEFAULT_MAX_CELLS",
    "AnalyticsError",
    "AnalyticsPlan",
    "ReportingRate",
    "analytics_grid",
    "analytics_json_rows",
    "analytics_plan",
    "analytics_rows",
    "analytics_rows_summed",
    "analytics_table",
    "max_cells",
]
