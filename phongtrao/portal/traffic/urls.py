from __future__ import annotations

from django.urls import path

from phongtrao.portal.traffic import views

app_name = "traffic"
urlpatterns = [
    path("lien-ket/<int:link_id>/", views.link_follow, name="link_follow"),
    path("phien/gia-han/", views.session_extend, name="session_extend"),
    path("phien/ket-thuc/", views.session_end, name="session_end"),
]
