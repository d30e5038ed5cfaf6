from django.contrib.auth import views as auth_views
from django.urls import path

from portal.accounts import views

urlpatterns = [
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password-reset/", views.PasswordResetView.as_view(), name="password-reset"),
    path(
        "accounts/password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_sent.html"),
        name="password-reset-sent",
    ),
    path(
        "accounts/password-reset/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="accounts/password_reset_complete.html"
        ),
        name="password-reset-complete",
    ),
    path(
        "accounts/password-reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    path("accounts/two-factor/", views.two_factor_setup, name="two-factor"),
    path("accounts/two-factor/verify/", views.two_factor_verify, name="two-factor-verify"),
    path(
        "accounts/invitation/<uidb64>/<token>/",
        views.InviteAcceptView.as_view(),
        name="invite-accept",
    ),
    path("company/users/", views.company_users, name="company-users"),
    path("company/users/invite/", views.company_user_invite, name="company-user-invite"),
    path("company/users/<int:pk>/", views.company_user_edit, name="company-user-edit"),
    path(
        "company/users/<int:pk>/deactivate/",
        views.company_user_deactivate,
        name="company-user-deactivate",
    ),
    path(
        "company/users/<int:pk>/reactivate/",
        views.company_user_reactivate,
        name="company-user-reactivate",
    ),
    path(
        "company/users/<int:pk>/invite-again/",
        views.company_user_invite_again,
        name="company-user-invite-again",
    ),
]
