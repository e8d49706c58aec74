from __future__ import annotations

from django.urls import path

from phongtrao.accounts import views

app_name = "accounts"
urlpatterns = [
    path("dang-nhap/", views.LoginView.as_view(), name="login"),
    path("dang-xuat/", views.LogoutView.as_view(), name="logout"),
    path("tai-khoan/", views.accounts_list, name="list"),
]
