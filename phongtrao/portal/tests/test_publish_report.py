"""Publishing a report as a draft article: editors only, through the access helper."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.test import Client

from phongtrao.accounts.models import Role
from phongtrao.accounts.services import membership_set
from phongtrao.actors import SYSTEM
from phongtrao.catalog.models import Indicator
from phongtrao.data.services import datavalue_save, period_get
from phongtrao.jobs.worker import tasks_run_pending
from phongtrao.portal.models import ArticlePage
from phongtrao.portal.services import article_from_report

pytestmark = pytest.mark.django_db


def _person(username, unit, roles):
    user = get_user_model().objects.create_user(username, password="x")
    membership_set(actor=SYSTEM, user=user, unit=unit, roles=roles)
    return user


@pytest.fixture
def people(small_tree, portal):
    indicator = Indicator.objects.get(code="TH_HD")
    datavalue_save(
        actor=SYSTEM,
        indicator=indicator,
        unit=small_tree["c1"],
        period=period_get("2023"),
        value=Decimal(437),
    )
    return {
        "editor": _person("bientap", small_tree["province"], {Role.VIEW, Role.EDITOR}),
        "officer": _person("canbo", small_tree["province"], {Role.VIEW, Role.APPROVE}),
        "outsider": _person("xa2", small_tree["c3"], {Role.VIEW, Role.EDITOR}),
    }


def test_an_editor_makes_a_draft_with_the_pdf_attached(small_tree, people):
    province = small_tree["province"]
    result = article_from_report(user=people["editor"], unit=province, period_code="2023")
    article = ArticlePage.objects.get(pk=result.article.pk)
    assert result.created and not article.live  # a draft: an editor reviews and publishes
    assert article.report_unit == province and article.report_period == "2023"
    assert article.attachment.file.read(5) == b"%PDF-"
    assert article.latest_revision is not None
    text = str(article.body)
    assert "437" in text  # the narrative's figures
    assert article.get_parent().specific.title == "Tin tức - Sự kiện"
    again = article_from_report(user=people["editor"], unit=province, period_code="2023")
    assert not again.created and again.article.pk == article.pk
    assert ArticlePage.objects.filter(report_unit=province).count() == 1


def test_only_editors_who_see_the_unit_may_publish(small_tree, people):
    province, c1 = small_tree["province"], small_tree["c1"]
    with pytest.raises(PermissionDenied):
        article_from_report(user=people["officer"], unit=province, period_code="2023")
    with pytest.raises(PermissionDenied):  # an editor of another district
        article_from_report(user=people["outsider"], unit=c1, period_code="2023")
    assert not ArticlePage.objects.filter(report_unit__isnull=False).exists()


def test_the_report_page_offers_the_action_to_editors_only(small_tree, people):
    url = f"/bao-cao/{small_tree['province'].uid}/2023/"
    editor, officer = Client(), Client()
    editor.force_login(people["editor"])
    officer.force_login(people["officer"])
    assert "Đăng lên cổng thông tin" in editor.get(url).content.decode()
    assert "Đăng lên cổng thông tin" not in officer.get(url).content.decode()


def test_publishing_over_http(small_tree, people):
    province, c1 = small_tree["province"], small_tree["c1"]
    editor = Client()
    editor.force_login(people["editor"])
    response = editor.post(f"/bao-cao/{province.uid}/2023/dang-bai/")
    # The PDF is rendered by a worker, not in the request: back to the report meanwhile.
    assert response.status_code == 302
    assert response["Location"] == f"/bao-cao/{province.uid}/2023/"
    assert not ArticlePage.objects.filter(report_unit=province).exists()
    tasks_run_pending()  # the draft's task (and Wagtail's own: search index, references)
    article = ArticlePage.objects.get(report_unit=province)
    assert article.attachment.file.read(5) == b"%PDF-"
    again = editor.post(f"/bao-cao/{province.uid}/2023/dang-bai/")
    assert again["Location"] == f"/cms/pages/{article.pk}/edit/"
    tasks_run_pending()
    assert ArticlePage.objects.filter(report_unit=province).count() == 1

    outsider = Client()
    outsider.force_login(people["outsider"])
    assert outsider.post(f"/bao-cao/{c1.uid}/2023/dang-bai/").status_code == 404
    officer = Client()
    officer.force_login(people["officer"])
    assert officer.post(f"/bao-cao/{province.uid}/2023/dang-bai/").status_code == 403
    assert editor.get(f"/bao-cao/{province.uid}/2023/dang-bai/").status_code == 405
    assert Client().post(f"/bao-cao/{province.uid}/2023/dang-bai/").status_code == 302  # login
    bad = editor.post(f"/bao-cao/{province.uid}/2023x/dang-bai/")
    assert bad.status_code == 302 and ArticlePage.objects.filter(report_unit=province).count() == 1


def test_the_pdf_of_a_draft_is_for_editors_until_published(small_tree, people):
    province = small_tree["province"]
    article = article_from_report(user=people["editor"], unit=province, period_code="2023").article
    url = article.attachment.url
    assert Client().get(url).status_code == 302  # to the sign-in page
    outsider = Client()
    outsider.force_login(people["outsider"])
    assert outsider.get(url).status_code in (302, 403)
    article.save_revision().publish()
    response = Client().get(url)
    assert response.status_code == 200
    assert response.getvalue()[:5] == b"%PDF-"
