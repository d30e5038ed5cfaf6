from django.urls import path

from approvals import views

urlpatterns = [
    path("approvals/", views.queue, name="approvals"),
    path("orders/<str:number>/decide/", views.decide, name="order-decide"),
]
