"""What the product page says about VAT, and how its numbers line up."""

import re

import pytest
from django.contrib.auth import get_user_model

from portal.accounts.models import Company

pytestmark = pytest.mark.django_db


def text_of(html: str, testid: str) -> str:
    match = re.search(rf'<(\w+)[^>]*data-testid="{testid}"[^>]*>(.*?)</\1>', html, re.S)
    assert match, f"no {testid} on the page"
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(2)).split())


def page(client, username: str, sku: str = "DRILL-18V") -> str:
    client.force_login(get_user_model().objects.get(username=username))
    response = client.get(f"/catalog/{sku}/")
    assert response.status_code == 200
    return response.content.decode()


def test_a_tax_exempt_company_is_not_told_its_price_excludes_vat(client, demo):
    # given Borealis, which is tax exempt
    assert Company.objects.get(code="borealis").tax_exempt

    # when its buyer opens a product
    html = page(client, "borealis.buyer")

    # then the page says no VAT is charged, and names no VAT rate
    assert text_of(html, "vat-note") == "no VAT: your company is exempt"
    assert text_of(html, "vat-rate") == "None: your company is VAT exempt"
    assert "excl. VAT" not in html
    assert "19 %" not in html


def test_a_company_that_pays_vat_sees_prices_excluding_it_and_the_rate(client, demo):
    html = page(client, "acme.buyer")

    assert text_of(html, "vat-note") == "excl. VAT"
    assert text_of(html, "vat-rate") == "19 %"


def test_an_operator_sees_the_products_vat_rate(client, demo):
    html = page(client, "admin")

    assert text_of(html, "vat-rate") == "19 %"
    assert 'data-testid="vat-note"' not in html


def test_the_tier_table_aligns_quantities_and_prices_right_under_their_headers(client, demo):
    html = page(client, "acme.buyer", "BOLT-M8-50")

    table = re.search(r'<table class="table" data-testid="tier-table">.*?</table>', html, re.S)
    headers = re.findall(r"<th\b[^>]*>", table.group(0))
    cells = re.findall(r"<td[^>]*>", table.group(0))
    assert headers == ['<th scope="col" class="num">'] * 2
    assert cells and set(cells) == {'<td class="num">'}
    # the rule that right-aligns a numeric header, beside the page's own stylesheet
    assert "/static/css/catalog.css" in html


def test_catalog_skus_do_not_wrap_and_the_price_header_is_numeric(client, demo):
    client.force_login(get_user_model().objects.get(username="acme.buyer"))
    html = client.get("/catalog/?q=bolt").content.decode()

    assert '<td class="sku"><a href="/catalog/BOLT-M8-50/">BOLT-M8-50</a></td>' in html
    assert re.search(r'<th class="num orderable">\s*<a href="\?[^"]*sort=price[^"]*">', html)
    assert "/static/css/catalog.css" in html


def test_the_stylesheet_right_aligns_numeric_headers_and_keeps_skus_whole():
    from pathlib import Path

    css = (Path(__file__).parents[2] / "static/css/catalog.css").read_text()
    assert re.search(r"\.table th\.num\s*\{\s*text-align:\s*right;", css)
    assert re.search(r"\.table td\.sku\s*\{\s*white-space:\s*nowrap;", css)
