from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from phongtrao.emulation import views

app_name = "emulation"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.home, name="home"),
    path("danh-gia/<str:unit_uid>/<int:year>/", views.assessment, name="assessment"),
    path(
        "danh-gia/<str:unit_uid>/<int:year>/<str:step>/",
        views.assessment_step,
        name="assessment_step",
    ),
    path("minh-chung/<int:evidence_id>/", views.evidence, name="evidence"),
    path("ket-qua/<str:unit_uid>/<int:year>/<int:level>/", views.results, name="results"),
    path(
        "ket-qua/<str:unit_uid>/<int:year>/<int:level>/bang-diem.xlsx",
        views.score_sheet,
        name="score_sheet",
    ),
    path(
        "ket-qua/<str:unit_uid>/<int:year>/<int:level>/<str:step>/",
        views.council_step,
        name="council_step",
    ),
    path("de-nghi/<str:unit_uid>/<int:year>/", views.proposals, name="proposals"),
    path(
        "de-nghi/<str:unit_uid>/<int:year>/danh-sach.docx",
        views.proposals_document,
        name="proposals_document",
    ),
    path("quyet-dinh/<int:decision_id>/", views.decision_document, name="decision"),
    path("don-vi/<str:unit_uid>/", views.unit_page, name="unit"),
]
