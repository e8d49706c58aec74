from __future__ import annotations

from django.urls import path

from phongtrao.accounts import account_views, views

app_name = "accounts"
urlpatterns = [
    path("dang-nhap/", views.LoginView.as_view(), name="login"),
    path("dang-xuat/", views.LogoutView.as_view(), name="logout"),
    path("tai-khoan/", views.accounts_list, name="list"),
    path("tai-khoan/cua-toi/", account_views.me, name="me"),
    path(
        "tai-khoan/doi-mat-khau/",
        account_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path("tai-khoan/dang-xuat-moi-phien/", account_views.sessions_end, name="sessions_end"),
    path(
        "tai-khoan/<int:user_id>/dat-lai-mat-khau/",
        account_views.password_reset_member,
        name="password_reset_member",
    ),
    path(
        "tai-khoan/<int:user_id>/mo-khoa-dang-nhap/",
        account_views.lockout_lift_member,
        name="lockout_lift_member",
    ),
    path(
        "tai-khoan/xac-thuc-hai-buoc/",
        account_views.two_factor_setup,
        name="two_factor_setup",
    ),
    path(
        "tai-khoan/xac-thuc-hai-buoc/tat/",
        account_views.two_factor_off,
        name="two_factor_off",
    ),
    path("tai-khoan/ma-xac-thuc/", account_views.two_factor_verify, name="two_factor_verify"),
    path(
        "tai-khoan/<int:user_id>/tat-xac-thuc-hai-buoc/",
        account_views.two_factor_off_member,
        name="two_factor_off_member",
    ),
    path("quen-mat-khau/", account_views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "quen-mat-khau/da-gui/",
        account_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "quen-mat-khau/<uidb64>/<token>/",
        account_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "quen-mat-khau/xong/",
        account_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]
