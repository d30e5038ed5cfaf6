from django.urls import path

import portal.converters  # noqa: F401  (registers the key converters)
from approvals import views

urlpatterns = [
    path("approvals/", views.queue, name="approvals"),
    path("orders/<order:number>/decide/", views.decide, name="order-decide"),
]
