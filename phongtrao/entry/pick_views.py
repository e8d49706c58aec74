"""The unit pickers' search on the server, for users who see more units than a page lists.

`GET /nhap-lieu/don-vi/?q=loc thai&cap=3&trang=2` answers JSON: one page of the units the
user may see (`accounts.access.units_visible`) whose names match, best first
(`orgs.selectors.units_search`: diacritics and case aside, as the portal's search).
The query is bounded before it is read; an empty one finds nothing.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from phongtrao.accounts.access import units_visible
from phongtrao.orgs.models import Level, Unit
from phongtrao.orgs.selectors import units_search
from phongtrao.vn.dates import format_date_short

PAGE_SIZE = 20
QUERY_MAX = 100
PAGES_MAX = 500


def _detail(unit: Unit) -> str:
    """What tells two units of one name apart: the unit above, and the end of an old one."""
    parts = [unit.parent.name] if unit.parent is not None else []
    if unit.valid_to is not None:
        parts.append(f"đến {format_date_short(unit.valid_to)}")
    return " · ".join(parts)


def _number(text: str | None, *, default: int, top: int) -> int:
    try:
        value = int(text or default)
    except ValueError:
        return default
    return min(max(value, 1), top)


@require_GET
@login_required
def units_find(request: HttpRequest) -> JsonResponse:
    """One page of the units the user may see whose names match `q` (at level `cap`)."""
    query = request.GET.get("q", "")[:QUERY_MAX]
    units = units_visible(request.user)
    level = request.GET.get("cap", "")
    if level.isdigit() and int(level) in Level.values:
        units = units.filter(level=int(level))
    found = units_search(units, query).select_related("parent")
    paginator = Paginator(found, PAGE_SIZE)
    page = paginator.get_page(_number(request.GET.get("trang"), default=1, top=PAGES_MAX))
    return JsonResponse(
        {
            "q": query,
            "count": paginator.count,
            "page": page.number,
            "pages": paginator.num_pages,
            "results": [
                {"uid": u.uid, "name": u.name, "detail": _detail(u)} for u in page.object_list
            ],
        }
    )


__all__ = ["units_find"]
