"""The portal's pages on a real streaming replica that lags: what the primary says about a
page (unpublished, edited) is served at once, and never overridden by what a lagging replica
still held when a process looked the page up again."""

from __future__ import annotations

import pytest
from django.test import Client

from config.replica import REPLICA
from phongtrao.portal.models import ArticlePage, HomePage
from phongtrao.portal.tests.site import BROWSER_UA
from phongtrao.tests.replica import needs_replica, replica_behind, replica_caught_up


@needs_replica
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True, databases=["default", REPLICA])
def test_pages_changed_while_the_replica_lags_are_served_as_the_primary_has_them(
    real_replica, portal, settings
):
    settings.REPLICA_MAX_LAG_SECONDS = 60  # the paused replica stays in use
    seed, newer = portal["seed"], portal["newer"]
    replica_caught_up()
    guest = Client(HTTP_USER_AGENT=BROWSER_UA)
    shown = guest.get(seed.url)
    assert shown.status_code == 200 and shown.headers["X-Phongtrao-Db"] == REPLICA
    assert guest.get(newer.url).status_code == 200 and guest.get("/").status_code == 200

    with replica_behind():
        ArticlePage.objects.get(pk=seed.pk).unpublish()  # what the CMS's (bulk) unpublish does
        for page, title in (
            (ArticlePage.objects.get(pk=newer.pk), "Tin đã sửa"),
            (HomePage.objects.get(pk=portal["home"].pk), "Trang chủ đã sửa"),
        ):
            page.title = title
            page.save_revision().publish()
        assert guest.get(seed.url).status_code == 404  # the replica still has it live
        guest.get(newer.url), guest.get("/")  # each page looked up again meanwhile

    assert guest.get(seed.url).status_code == 404
    assert "Tin đã sửa" in guest.get(newer.url).content.decode()
    assert "Trang chủ đã sửa" in guest.get("/").content.decode()
