from django.contrib import admin
from django.urls import include, path

from portal import views

admin.site.site_header = "B2B portal administration"
admin.site.site_title = "B2B portal admin"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("", include("portal.accounts.urls")),
    path("", include("portal.catalog.urls")),
    path("", include("portal.orders.urls")),
    path("", include("approvals.urls")),
    path("", include("inventory.urls")),
    path("", include("portal.invoices.urls")),
    path("", include("portal.audit.urls")),
    path("admin/", admin.site.urls),
]
