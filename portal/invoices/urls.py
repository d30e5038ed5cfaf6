from django.urls import path

import portal.converters  # noqa: F401  (registers the path converters)
from portal.invoices import views

urlpatterns = [
    path("invoices/", views.invoice_list, name="invoices"),
    path("invoices/archives/", views.archive_create, name="invoice-archive-create"),
    path("invoices/archives/<int:pk>/", views.archive_detail, name="invoice-archive"),
    path(
        "invoices/archives/<int:pk>/download/",
        views.archive_download,
        name="invoice-archive-download",
    ),
    path("invoices/<invoice:number>/", views.invoice_detail, name="invoice"),
    path("invoices/<invoice:number>/pdf/", views.invoice_pdf, name="invoice-pdf"),
    path("invoices/<invoice:number>/xml/", views.invoice_xml_download, name="invoice-xml"),
    path("invoices/<invoice:number>/pay/", views.invoice_pay, name="invoice-pay"),
    path("invoices/<invoice:number>/credit/", views.invoice_credit_note, name="invoice-credit"),
    path("invoices/<invoice:number>/card/", views.invoice_card, name="invoice-card"),
    path("finance/aging/", views.aging_report, name="aging"),
    path("finance/attention/", views.payment_attention, name="payment-attention"),
    path("stripe/webhook/", views.stripe_webhook, name="stripe-webhook"),
]
