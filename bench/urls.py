from django.http import HttpResponse
from django.urls import path

from portal.urls import urlpatterns as portal_urlpatterns

HELLO_PATH = "bench/hello/"


def hello(request):
    return HttpResponse("Hello, world", content_type="text/plain")


urlpatterns = [path(HELLO_PATH, hello, name="bench-hello"), *portal_urlpatterns]
