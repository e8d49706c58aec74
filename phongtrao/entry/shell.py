"""The signed-in side's shell: the menu by role and the unit and period kept in view.

A context processor, so that every page extending `phongtrao/base.html` (entry, reports,
emulation, organisation, accounts) shows the same menu. The unit and period the officer last
opened are kept in the session: moving from the form to the dashboard or the report keeps
them. A unit read from the address or the session is shown only if the access helper lets
the user see it (one query); otherwise the user's own unit is used.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from phongtrao import periods
from phongtrao.accounts.access import membership_of, units_visible
from phongtrao.notifications.services import unread_count
from phongtrao.orgs.models import Unit

SESSION_UNIT = "shell_unit"
SESSION_PERIOD = "shell_period"


@dataclass(frozen=True)
class MenuItem:
    """One entry of the menu: its label, address and the URL namespaces it stands for."""

    key: str
    label: str
    url: str


def _period_from(kwargs: dict[str, Any]) -> str | None:
    raw = kwargs.get("period")
    if raw is None and isinstance(kwargs.get("year"), int):
        raw = str(kwargs["year"])
    if not raw:
        return None
    try:
        return periods.parse(str(raw)).code
    except ValueError:
        return None


def shell_place(request: HttpRequest) -> tuple[Unit | None, str]:
    """The unit and period in view for this request: from the address when it names them,
    else the session's, else the user's own unit and the current year (access-checked)."""
    user = request.user
    membership = membership_of(user)
    match = getattr(request, "resolver_match", None)
    kwargs = match.kwargs if match is not None else {}
    session = getattr(request, "session", None)
    uid = kwargs.get("unit_uid") or (session.get(SESSION_UNIT) if session is not None else None)
    period = _period_from(kwargs) or (session.get(SESSION_PERIOD) if session is not None else None)
    unit: Unit | None = None
    if uid:
        unit = units_visible(user).filter(uid=uid).first()
    if unit is None and membership is not None:
        unit = membership.unit
    if not period:
        period = periods.for_date(periods.PeriodType.YEARLY, timezone.localdate()).code
    if session is not None and unit is not None:
        if session.get(SESSION_UNIT) != unit.uid:
            session[SESSION_UNIT] = unit.uid
        if session.get(SESSION_PERIOD) != period:
            session[SESSION_PERIOD] = period
    return unit, period


def _url(name: str, *args: Any) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def shell_menu(request: HttpRequest, unit: Unit | None, period: str) -> list[MenuItem]:
    """The menu items this user's roles open, with the unit and period carried along."""
    user = request.user
    membership = membership_of(user)
    superuser = bool(getattr(user, "is_superuser", False))
    items = [MenuItem("tasks", "Việc cần làm", _url("tasks"))]
    may_enter = superuser or (membership is not None and membership.may_enter)
    items.append(MenuItem("entry", "Nhập liệu", _url("entry:home")))
    if unit is not None:
        items.append(MenuItem("dashboard", "Tổng quan", _url("entry:dashboard", unit.uid, period)))
        items.append(MenuItem("reports", "Báo cáo", _url("reports:page", unit.uid, period)))
    items.append(MenuItem("emulation", "Thi đua", _url("emulation:home")))
    if may_enter or (membership is not None and membership.may_administer):
        items.append(MenuItem("orgs", "Tổ chức", _url("orgs:home")))
    items.append(MenuItem("portal", "Cổng thông tin", "/"))
    if superuser or (membership is not None and membership.is_editor):
        items.append(MenuItem("cms", "Quản trị nội dung", "/cms/"))
    items.append(MenuItem("account", "Tài khoản", _url("accounts:me")))
    return [item for item in items if item.url]


_ACTIVE = {
    "entry": "entry",
    "reports": "reports",
    "emulation": "emulation",
    "orgs": "orgs",
    "accounts": "account",
    "notifications": "account",
}
_ENTRY_PAGES = {"tasks": "tasks", "dashboard": "dashboard", "grid": "dashboard"}


def _active(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return ""
    if match.url_name == "tasks" and not match.namespace:
        return "tasks"
    if match.namespace == "entry":
        return _ENTRY_PAGES.get(match.url_name or "", "entry")
    if match.namespace == "reports":
        return "reports"
    return _ACTIVE.get(match.namespace, "")


def shell(request: HttpRequest) -> dict[str, Any]:
    """Context processor: `shell` with the menu, the active item, the unit and period."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"shell": SimpleLazyObject(lambda: _shell(request))}


def _shell(request: HttpRequest) -> dict[str, Any]:
    # Read only by templates that show the shell: the admin's pages pay nothing for it.
    user = request.user
    unit, period = shell_place(request)
    return {
        "bell_url": reverse("notifications:list"),
        "unread": unread_count(user),
        "menu": shell_menu(request, unit, period),
        "active": _active(request),
        "unit": unit,
        "period": period,
        "period_label": periods.label_vi(period),
    }


__all__ = ["MenuItem", "shell", "shell_menu", "shell_place"]
