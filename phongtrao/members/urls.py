"""/hoi-vien/: the member registry's pages."""

from __future__ import annotations

from django.urls import path

from phongtrao.members import views

app_name = "members"
urlpatterns = [
    path("", views.home, name="home"),
    path("quyen-xem-ho-so/", views.grants_page, name="grants"),
    path("ho-so/<str:uid>/", views.member_page, name="member"),
    path("ho-so/<str:uid>/ra-khoi-hoi/", views.member_leave_view, name="leave"),
    path("ho-so/<str:uid>/chuyen-sinh-hoat/", views.member_transfer_view, name="transfer"),
    path(
        "chuyen-sinh-hoat/<int:pk>/nhan/",
        views.transfer_decide_view,
        {"decision": "accept"},
        name="transfer-accept",
    ),
    path(
        "chuyen-sinh-hoat/<int:pk>/tu-choi/",
        views.transfer_decide_view,
        {"decision": "reject"},
        name="transfer-reject",
    ),
    path("<str:unit_uid>/", views.unit_page, name="unit"),
    path("<str:unit_uid>/nhap-excel/", views.import_view, name="import"),
    path("<str:unit_uid>/nhap-excel/<int:pk>/", views.import_job_page, name="import-job"),
    path(
        "<str:unit_uid>/nhap-excel/<int:pk>/tien-do/",
        views.import_job_progress,
        name="import-job-progress",
    ),
    path("<str:unit_uid>/danh-sach.xlsx", views.export_xlsx, name="export-xlsx"),
    path("<str:unit_uid>/danh-sach.pdf", views.export_pdf, name="export-pdf"),
    path("<str:unit_uid>/the-hoi-vien.pdf", views.cards_pdf, name="cards"),
]
