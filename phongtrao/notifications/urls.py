from __future__ import annotations

from django.urls import path

from phongtrao.notifications import views

app_name = "notifications"
urlpatterns = [
    path("", views.notification_list, name="list"),
    path("nhan-thu/", views.notification_settings, name="settings"),
    path("thu-khong-gui-duoc/", views.mails_failed_page, name="failed"),
    path("da-doc/", views.notification_read_all, name="read_all"),
    path("<int:notification_id>/doc/", views.notification_read, name="read"),
]
