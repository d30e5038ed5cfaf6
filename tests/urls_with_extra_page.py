"""The project's URLs plus one page nobody listed in the access table."""

from django.http import HttpResponse
from django.urls import path

from portal.urls import urlpatterns as portal_urlpatterns

urlpatterns = [
    *portal_urlpatterns,
    path("reports/unlisted/", lambda request: HttpResponse("?"), name="unlisted-report"),
]
