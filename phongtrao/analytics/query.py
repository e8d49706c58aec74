"""The reads behind DHIS2's `/api/analytics`: a grid of totals over data × periods × units.

Built on the roll-ups through `selectors.unit_totals` (two queries per unit and period,
whatever the data size). A request names dimensions (`dx`, `pe`, `ou`) as DHIS2 does,
`dx:A;B`, `pe:2023;LAST_YEAR`, `ou:UID;LEVEL-3`, each as a row dimension or a filter; the
answer has DHIS2's shape (`headers`, `metaData`, `rows`, `height`, `width`). Every unit is
checked with the access helper: one outside the user's subtree refuses the whole request.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.utils import timezone

from phongtrao import periods
from phongtrao.accounts.access import membership_of, unit_may_view
from phongtrao.analytics.dashboard import validity_window
from phongtrao.analytics.selectors import Total, unit_totals
from phongtrao.catalog.models import Indicator
from phongtrao.data.models import Period
from phongtrao.data.rollups import ZERO, period_rows
from phongtrao.orgs.models import Edition, Unit
from phongtrao.orgs.selectors import edition_at, edition_get, unit_counterpart

# Each (unit, period) costs a couple of queries: a request may ask for this many at most.
MAX_CELLS = 1000
DIMENSION_NAMES = {"dx": "Dữ liệu", "pe": "Kỳ", "ou": "Đơn vị"}
DENIED = "Không tìm thấy đơn vị “{}” hoặc bạn không có quyền xem số liệu của đơn vị đó."


class AnalyticsError(ValueError):
    """A request that cannot be answered: `status` 409 (bad request) or 403 (access)."""

    def __init__(self, message: str, status: int = 409) -> None:
        super().__init__(message)
        self.status = status


def edition_parse(text: str) -> Edition:
    """The structure an `edition=` parameter names: an edition's code ("2008", "2025") or a
    day ("2025-07-01": the structure in force that day).

    Raises Edition.DoesNotExist with a Vietnamese message.
    """
    text = text.strip()
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            raise Edition.DoesNotExist(
                f"Ngày “{text}” không hợp lệ: hãy ghi theo dạng năm-tháng-ngày, ví dụ 2025-07-01."
            ) from None
        return edition_at(day)
    return edition_get(text)


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
            raise AnalyticsError(f"Kỳ “{item}” không hợp lệ: {error.message_vi}") from None
    unique = list(dict.fromkeys(codes))
    rows = period_rows(unique)
    return [rows[code] for code in unique]


def _indicators(items: Sequence[str], scheme: str) -> list[Indicator]:
    key = "code" if scheme == "CODE" else "uid"
    found = {getattr(i, key): i for i in Indicator.objects.filter(**{f"{key}__in": items})}
    missing = [item for item in items if item not in found]
    if missing:
        raise AnalyticsError(
            f"Không có chỉ tiêu (dx) nào có mã {key.upper()} “{missing[0]}”.",
        )
    return [found[item] for item in dict.fromkeys(items)]


def _user_unit(user: Any) -> Unit:
    membership = membership_of(user)
    if membership is None:
        if getattr(user, "is_superuser", False):
            root = Unit.objects.filter(parent=None).order_by("-valid_from").first()
            if root is not None:
                return root
        raise AnalyticsError("Tài khoản của bạn không thuộc đơn vị nào.", status=403)
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
        raise AnalyticsError(DENIED.format(key), status=403)
    if edition is None or unit.edition_id == edition.pk:
        return unit
    try:
        counterpart = unit_counterpart(unit, edition)
    except Unit.DoesNotExist:
        raise AnalyticsError(
            f"Không có đơn vị nào thay cho “{key}” trong cơ cấu “{edition.name}”."
        ) from None
    if not unit_may_view(user, counterpart):
        raise AnalyticsError(DENIED.format(counterpart.uid), status=403)
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
                raise AnalyticsError(f"Cấp đơn vị “{item}” không hợp lệ (LEVEL-1 đến LEVEL-6).")
            levels.append(int(number) - 1)  # DHIS2 counts levels from 1, we from 0
        elif upper.startswith(("OU_GROUP-", "USER_ORGUNIT")):
            raise AnalyticsError(f"Từ khóa đơn vị “{item}” không được hỗ trợ.")
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
            raise AnalyticsError(DENIED.format(unit.uid), status=403)
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
        raise AnalyticsError(DENIED.format(key), status=403)
    return _structure(unit, user, edition, key)


def _split(text: str) -> tuple[str, list[str]]:
    name, sep, rest = text.partition(":")
    name = name.strip().lower()
    items = [item.strip() for item in rest.split(";") if item.strip()]
    if not sep or name not in DIMENSION_NAMES:
        raise AnalyticsError(
            f"Chiều “{text[:60]}” không được hỗ trợ: chỉ dx, pe và ou (ví dụ dx:UID;UID)."
        )
    if not items:
        raise AnalyticsError(f"Chiều “{name}” cần ít nhất một mục.")
    return name, items


def _number(value: Decimal) -> str:
    text = f"{value.normalize():f}"
    return "0" if text in ("-0", "") else text


def analytics_grid(
    *,
    user: Any,
    dimensions: Sequence[str],
    filters: Sequence[str] = (),
    input_id_scheme: str = "UID",
    output_id_scheme: str = "UID",
    skip_meta: bool = False,
    edition: str | None = None,
    today: dt.date | None = None,
) -> dict[str, Any]:
    """DHIS2's analytics answer for `dimension=` and `filter=` parameters, as `user` may see.

    Filters are summed over their items (several units or periods in a filter add up).
    Cells no value fed are left out, as DHIS2 does. `edition` ("2008", "2025" or a day such
    as "2025-07-01"): the structure on which `ou` is resolved and the totals computed (each
    unit replaced by its counterpart there); by default each unit named by uid is reported
    on its own structure and a code means the unit of the periods' end. Cells holding an
    estimate (shares of split units) are listed in `metaData.estimates` as "dx|pe|ou".
    Raises `AnalyticsError` (409, or 403 for a unit, or its counterpart, outside the
    user's subtree).
    """
    today = today or timezone.localdate()
    in_scheme = input_id_scheme.upper()
    out_key = "code" if output_id_scheme.upper() == "CODE" else "uid"
    asked: dict[str, list[str]] = {}
    row_names: list[str] = []
    for text in dimensions:
        name, names = _split(text)
        if name in asked:
            raise AnalyticsError(f"Chiều “{name}” được nêu hai lần.")
        asked[name] = names
        row_names.append(name)
    filter_names: list[str] = []
    for text in filters:
        name, names = _split(text)
        if name in asked:
            raise AnalyticsError(f"Chiều “{name}” được nêu hai lần.")
        asked[name] = names
        filter_names.append(name)
    if "dx" not in asked:
        raise AnalyticsError("Cần chỉ rõ dữ liệu (dimension=dx:...).")
    if "pe" not in asked:
        raise AnalyticsError("Cần chỉ rõ ít nhất một kỳ (dimension=pe:... hoặc filter=pe:...).")
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
    period_list = _periods(asked["pe"], today)
    span = (min(p.start for p in period_list), max(p.end for p in period_list))
    unit_list = _units(asked["ou"], user, in_scheme, span, structure)
    if len(unit_list) * len(period_list) > MAX_CELLS:
        raise AnalyticsError(
            f"Yêu cầu quá lớn: {len(unit_list)} đơn vị × {len(period_list)} kỳ "
            f"(tối đa {MAX_CELLS} cặp). Hãy chia nhỏ yêu cầu."
        )
    items: dict[str, list[Any]] = {"dx": indicators, "pe": period_list, "ou": unit_list}

    totals: dict[tuple[int, int], dict[int, Total]] = {}
    for unit in unit_list:
        for period in period_list:
            totals[(unit.pk, period.pk)] = unit_totals(unit, period, indicators)

    def ident(name: str, item: Any) -> str:
        if name == "pe":
            return str(item.code)
        return str(getattr(item, out_key))

    estimates = sorted(
        f"{ident('dx', dx)}|{ident('pe', pe)}|{ident('ou', ou)}"
        for ou in unit_list
        for pe in period_list
        for dx in indicators
        if totals[(ou.pk, pe.pk)][dx.pk].estimated and totals[(ou.pk, pe.pk)][dx.pk].count
    )
    rows: list[list[str]] = []
    for combo in itertools.product(*(items[n] for n in row_names)):
        chosen = dict(zip(row_names, combo, strict=True))
        amount, count = ZERO, 0
        for extra in itertools.product(*(items[n] for n in filter_names)):
            cell = {**chosen, **dict(zip(filter_names, extra, strict=True))}
            total = totals[(cell["ou"].pk, cell["pe"].pk)][cell["dx"].pk]
            amount += total.value
            count += total.count
        if count:
            rows.append([ident(n, chosen[n]) for n in row_names] + [_number(amount)])

    headers = [
        {
            "name": name,
            "column": DIMENSION_NAMES[name],
            "valueType": "TEXT",
            "type": "java.lang.String",
            "hidden": False,
            "meta": True,
        }
        for name in row_names
    ] + [
        {
            "name": "value",
            "column": "Giá trị",
            "valueType": "NUMBER",
            "type": "java.lang.Double",
            "hidden": False,
            "meta": False,
        }
    ]
    answer: dict[str, Any] = {"headers": headers}
    if not skip_meta:
        meta_items: dict[str, Any] = {n: {"name": label} for n, label in DIMENSION_NAMES.items()}
        for indicator in indicators:
            meta_items[ident("dx", indicator)] = {
                "uid": indicator.uid,
                "code": indicator.code,
                "name": indicator.name,
                "dimensionItemType": "DATA_ELEMENT",
                "valueType": "NUMBER",
                "totalAggregationType": "SUM",
            }
        for period in period_list:
            meta_items[period.code] = {"name": periods.label_vi(period.code)}
        for unit in unit_list:
            meta_items[ident("ou", unit)] = {"uid": unit.uid, "code": unit.code, "name": unit.name}
        answer["metaData"] = {
            "items": meta_items,
            "dimensions": {
                "dx": [ident("dx", i) for i in indicators],
                "pe": [p.code for p in period_list],
                "ou": [ident("ou", u) for u in unit_list],
                "co": [],
            },
            # Cells (data|period|unit) shared out from split units by weights: estimates.
            "estimates": estimates,
        }
        if structure is not None:
            answer["metaData"]["edition"] = {"code": structure.code, "name": structure.name}
    answer.update(
        {"rows": rows, "height": len(rows), "width": len(headers), "headerWidth": len(headers)}
    )
    return answer


__all__ = ["MAX_CELLS", "AnalyticsError", "analytics_grid", "edition_parse"]
