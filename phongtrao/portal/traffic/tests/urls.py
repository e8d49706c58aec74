"""A tiny portal-like page for the tests: the side blocks and the session notice, nothing else."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.urls import path

from config.urls import urlpatterns as project_urlpatterns

PAGE = engines["django"].from_string(
    '<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>Trang thử</title></head>'
    "<body><main><h1>Trang thử</h1>"
    '{% if request.user.is_authenticated %}<p id="who">{{ request.user.get_username }}</p>'
    '{% else %}<p id="who">Khách</p>{% endif %}</main>'
    '<aside>{% include "traffic/sidebar.html" %}</aside>'
    '{% include "traffic/session_notice.html" %}</body></html>'
)


def page(request: HttpRequest) -> HttpResponse:
    return HttpResponse(PAGE.render({}, request))


urlpatterns = [path("trang-thu/", page), *project_urlpatterns]
