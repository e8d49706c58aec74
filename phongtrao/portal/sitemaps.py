"""sitemap.xml with the portal's public address (the CMS's site settings), not the Wagtail
site's host name, which is "localhost" until someone changes it."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from wagtail.contrib.sitemaps import Sitemap
from wagtail.contrib.sitemaps.views import sitemap as wagtail_sitemap

from phongtrao.portal.models import portal_base_url
from phongtrao.portal.pagecache import cached_for_guests


class PortalSitemap(Sitemap):
    def _urls(self, page: Any, protocol: Any, domain: Any) -> list[dict[str, Any]]:
        urls: list[dict[str, Any]] = super()._urls(page, protocol, domain)
        base = portal_base_url(self.request)
        # The Wagtail site's root ("http://localhost") replaced by the public address.
        moved = {}
        for item in self.paginator.page(page).object_list:
            parts = item.get_url_parts(request=self.request)
            if parts is not None:
                moved[(parts[1] or "") + parts[2]] = base + parts[2]
        for url in urls:
            url["location"] = moved.get(url["location"], url["location"])
        return urls


@cached_for_guests
def sitemap(request: HttpRequest) -> HttpResponse:
    """The published pages of the request's site, at the portal's public address."""
    response: HttpResponse = wagtail_sitemap(request, sitemaps={"wagtail": PortalSitemap(request)})
    return response
