from django.contrib.auth import views as auth_views
from django.urls import path

from portal.accounts import views

urlpatterns = [
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("company/users/", views.company_users, name="company-users"),
    path("company/users/<int:pk>/", views.company_user_edit, name="company-user-edit"),
]
