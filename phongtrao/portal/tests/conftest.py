"""A small portal: home, "Tin tức - Sự kiện" > "Hoạt động Hội cơ sở", and a few articles
(`site.py`)."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from phongtrao.portal import fastpath
from phongtrao.portal.models import articles_forget, counters_forget
from phongtrao.portal.tests.site import portal_build, portal_read
from phongtrao.portal.views import site_cache_clear


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Pictures and PDFs made by the tests go to a temporary directory."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    site_cache_clear()
    articles_forget()
    counters_forget()
    fastpath.forget()
    yield
    cache.clear()
    site_cache_clear()
    articles_forget()
    counters_forget()
    fastpath.forget()


@pytest.fixture
def portal(request, portal_site, db):
    """The small portal (`site.portal_build`), by name. A test in a transaction reads the
    pages built once for the run (`portal_site`, rolled back after the last such test); a
    test that commits builds its own."""
    site_cache_clear()
    articles_forget()
    counters_forget()
    fastpath.forget()
    if portal_site is None or request.node.get_closest_marker("transactional"):
        return portal_build()
    return portal_read(portal_site)


@pytest.fixture
def cms_editor(db, django_user_model):
    """A province editor: Wagtail's Moderators group with the comments' and links' rights."""
    from phongtrao.portal.demo import editor_group_ensure

    user = django_user_model.objects.create_user("bientap_tinh", password="x" * 12)
    group = editor_group_ensure()
    assert group is not None
    user.groups.add(group)
    return user
