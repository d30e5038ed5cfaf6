"""The cart through its pages: today's prices, VAT per line, bad quantities and rule breaches."""

import json
import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils.html import escape

from portal.orders.models import Order, OrderLine

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true", "HX-Target": "cart"}
NOT_WHOLE = "Quantity must be a whole number of at least 1."
BAD_QUANTITIES = [
    ("0", NOT_WHOLE),
    ("-1", NOT_WHOLE),
    ("1e9", NOT_WHOLE),
    ("abc", NOT_WHOLE),
    ("\u0663", NOT_WHOLE),  # Arabic-Indic digit three
    ("1000000000", "Quantity must be at most 1,000,000."),
    ("", "This field is required."),
]


def signed_in(client, username):
    client.force_login(get_user_model().objects.get(username=username))
    return client


def texts(html: str, testid: str) -> list[str]:
    """The visible text of every element marked ``data-testid=testid``."""
    found = re.findall(rf'data-testid="{testid}"[^>]*>(.*?)</(?:td|div|p)>', html, re.S)
    return [re.sub(r"<[^>]+>", "", text).strip() for text in found]


def vat_cells(html: str) -> list[str]:
    """The VAT column of the cart lines (the cell after the line total)."""
    return re.findall(r'data-testid="line-total">[^<]*</td>\s*<td class="num">([^<]*)</td>', html)


def cart_of(username: str) -> Order:
    return Order.objects.get(buyer__username=username, status="draft", number__isnull=True)


def line_of(username: str, sku: str) -> OrderLine:
    return cart_of(username).lines.get(product__sku=sku)


def add(client, sku: str, quantity, **kwargs):
    return client.post("/cart/add/", {"sku": sku, "quantity": quantity}, **kwargs)


@pytest.fixture
def buyer(client, demo):
    return signed_in(client, "acme.buyer")


# -- cart maths ------------------------------------------------------------------------------


def test_a_line_is_priced_at_todays_price_with_vat_per_line(buyer):
    # given Acme's buyer puts 9 boxes of BOLT-M8-50 in the cart
    response = add(buyer, "BOLT-M8-50", "9")
    assert response.status_code == 302

    # when the cart is opened
    html = buyer.get("/cart/").content.decode()

    # then the line costs Acme's price below the first tier, VAT 19 % on the line
    assert texts(html, "line-unit-price") == ["€11.25"]
    assert texts(html, "line-total") == ["€101.25"]
    assert vat_cells(html) == ["€19.24"]  # 19.2375 rounded
    assert texts(html, "subtotal") == ["€101.25"]
    assert texts(html, "tax-total") == ["€19.24"]
    assert texts(html, "total") == ["€120.49"]
    assert "Wholesale EUR" in texts(html, "line-explanation")[0]


def test_changing_the_quantity_reprices_the_line_and_the_totals(buyer):
    # given 9 x BOLT-M8-50 in the cart
    add(buyer, "BOLT-M8-50", "9")
    line = line_of("acme.buyer", "BOLT-M8-50")

    # when the buyer sets the quantity to 50 with a plain form post
    response = buyer.post(f"/cart/lines/{line.pk}/", {"quantity": "50"})

    # then they are sent back to the cart, which shows the ≥ 50 tier
    assert response.status_code == 302
    assert response["Location"] == "/cart/"
    html = buyer.get("/cart/").content.decode()
    assert texts(html, "line-unit-price") == ["€10.08"]
    assert texts(html, "line-total") == ["€504.00"]
    assert vat_cells(html) == ["€95.76"]
    assert texts(html, "total") == ["€599.76"]
    line.refresh_from_db()
    assert line.quantity == 50


def test_vat_is_rounded_half_away_from_zero_on_each_line_and_totals_add_the_lines(buyer):
    # given lines whose VAT falls on (6 x 11.25 = 67.50 → 12.825) or near half a cent
    add(buyer, "BOLT-M8-50", "6")
    add(buyer, "NUT-M8", "20")  # 20 x 4.32 = 86.40 → VAT 16.416

    # when the cart is opened
    html = buyer.get("/cart/").content.decode()

    # then each line's VAT is rounded on its own, half away from zero (not to even)
    assert texts(html, "line-total") == ["€67.50", "€86.40"]
    assert vat_cells(html) == ["€12.83", "€16.42"]
    # and the totals are the sums of the lines (19 % of 153.90 would be 29.24)
    assert texts(html, "subtotal") == ["€153.90"]
    assert texts(html, "tax-total") == ["€29.25"]
    assert texts(html, "total") == ["€183.15"]


def test_a_tax_exempt_company_pays_no_vat(client, demo):
    # given Borealis, which is tax-exempt, orders bolts
    borealis = signed_in(client, "borealis.buyer")
    add(borealis, "BOLT-M8-50", "9")

    # when its buyer opens the cart
    html = borealis.get("/cart/").content.decode()

    # then VAT is zero on the line and in total, and the total is the subtotal
    assert vat_cells(html) == ["$0.00"]
    assert texts(html, "tax-total") == ["$0.00"]
    assert texts(html, "total") == texts(html, "subtotal")
    assert "(exempt)" in html


def test_htmx_quantity_change_returns_only_the_repriced_cart(buyer):
    # given 9 x BOLT-M8-50 in the cart
    add(buyer, "BOLT-M8-50", "9")
    line = line_of("acme.buyer", "BOLT-M8-50")

    # when the quantity changes with HTMX for the whole cart
    response = buyer.post(f"/cart/lines/{line.pk}/", {"quantity": "10"}, headers=HTMX)

    # then only the #cart fragment comes back, already priced at the ≥ 10 tier
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert html.lstrip().startswith('<div id="cart">')
    assert texts(html, "line-unit-price") == ["€10.71"]
    assert texts(html, "line-total") == ["€107.10"]
    assert texts(html, "total") == ["€127.45"]  # 107.10 + 20.35 (20.349)


def line_target(line) -> dict:
    """What the quantity field of a cart line sends: it replaces its own line."""
    return {"HX-Request": "true", "HX-Target": f"line-{line.pk}"}


def test_a_quantity_changed_in_its_line_answers_with_that_line_and_the_totals(buyer):
    # given 9 x BOLT-M8-50 and 3 x NUT-M8 in the cart
    add(buyer, "BOLT-M8-50", "9")
    add(buyer, "NUT-M8", "3")
    line = line_of("acme.buyer", "BOLT-M8-50")
    whole = buyer.get("/cart/").content.decode()

    # when the bolts' quantity changes to 10 from their line
    response = buyer.post(f"/cart/lines/{line.pk}/", {"quantity": "10"}, headers=line_target(line))

    # then the bolts' line comes back at the ≥ 10 tier, the nuts' line does not
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith(f'<tr id="line-{line.pk}"')
    assert texts(html, "line-unit-price") == ["€10.71"]
    assert "NUT-M8" not in html
    # and with it, out of band, the totals and the checkout's button, as the cart shows them
    assert '<tfoot id="cart-totals" hx-swap-oob="true">' in html
    assert '<div id="checkout-submit" hx-swap-oob="true">' in html
    after = buyer.get("/cart/").content.decode()
    assert texts(html, "total") == texts(after, "total") != texts(whole, "total")
    for testid in ("subtotal", "tax-total", "total"):
        assert texts(html, testid) == texts(after, testid), testid
    assert "Submit order" in html
    # and the navigation's cart count, which a changed quantity leaves as it was
    assert json.loads(response["HX-Trigger"])["portal:counts"] == {"cart": 2}


def test_a_rule_broken_in_its_line_shows_there_and_in_the_totals_as_on_the_cart(buyer):
    # given 12 pairs of gloves (sold in twelves) and 3 x NUT-M8 in the cart
    add(buyer, "GLOVE-L", "12")
    add(buyer, "NUT-M8", "3")
    glove = line_of("acme.buyer", "GLOVE-L")

    # when the gloves are set to 13 from their line
    response = buyer.post(
        f"/cart/lines/{glove.pk}/", {"quantity": "13"}, headers=line_target(glove)
    )

    # then the change is kept, and the line says which rule it breaks
    html = response.content.decode()
    assert response.status_code == 200
    assert "GLOVE-L is sold in multiples of 12." in html
    assert line_of("acme.buyer", "GLOVE-L").quantity == 13
    # and the totals and the checkout's button are what the cart page now shows
    after = buyer.get("/cart/").content.decode()
    for testid in ("subtotal", "tax-total", "total"):
        assert texts(html, testid) == texts(after, testid), testid
    assert "Fix the lines marked above" in html
    assert "Fix the lines marked above" in after


def test_a_bad_quantity_in_its_line_is_refused_there_as_typed(buyer):
    # given 9 x BOLT-M8-50 in the cart
    add(buyer, "BOLT-M8-50", "9")
    line = line_of("acme.buyer", "BOLT-M8-50")
    before = buyer.get("/cart/").content.decode()

    # when "abc" is typed as its quantity
    response = buyer.post(f"/cart/lines/{line.pk}/", {"quantity": "abc"}, headers=line_target(line))

    # then its line says why, keeps "abc", and nothing changed
    html = response.content.decode()
    assert response.status_code == 400
    assert NOT_WHOLE in html
    assert 'value="abc" aria-invalid="true"' in html
    assert line_of("acme.buyer", "BOLT-M8-50").quantity == 9
    assert texts(html, "total") == texts(before, "total")


@pytest.mark.parametrize("typed", ["10", "abc"], ids=["good quantity", "bad quantity"])
def test_a_quantity_change_keeps_the_checkout_fields_as_typed(buyer, typed):
    # given a cart line and a checkout form the buyer has started to fill in
    add(buyer, "BOLT-M8-50", "9")
    line = line_of("acme.buyer", "BOLT-M8-50")
    typed_checkout = {"po_number": "PO-TYPED-7", "note": "Ring twice", "token": "x"}

    # when they change the line's quantity in place (the checkout fields come along)
    response = buyer.post(
        f"/cart/lines/{line.pk}/", {"quantity": typed, **typed_checkout}, headers=HTMX
    )

    # then the re-rendered cart still holds what they typed, with the cart's own token
    html = response.content.decode()
    assert 'value="PO-TYPED-7"' in html
    assert re.search(r">\s*Ring twice</textarea>", html)
    assert f'value="{cart_of("acme.buyer").checkout_token}"' in html


def test_htmx_cart_get_returns_the_fragment_and_plain_get_the_page(buyer):
    # given a line in the cart
    add(buyer, "NUT-M8", "3")

    # when the cart is fetched with and without HTMX
    fragment = buyer.get("/cart/", headers=HTMX)
    page = buyer.get("/cart/")

    # then HTMX gets the fragment, a plain request the whole page, and caches tell them apart
    assert "<html" not in fragment.content.decode()
    assert "<html" in page.content.decode()
    assert texts(fragment.content.decode(), "line-total") == ["€12.96"]
    assert "HX-Request" in page["Vary"]


def test_removing_a_line_reprices_the_cart(buyer):
    # given two lines
    add(buyer, "BOLT-M8-50", "9")
    add(buyer, "NUT-M8", "3")
    bolt = line_of("acme.buyer", "BOLT-M8-50")

    # when the bolts are removed with HTMX
    response = buyer.post(f"/cart/lines/{bolt.pk}/", {"action": "remove"}, headers=HTMX)

    # then only the nuts are left and the totals follow
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert texts(html, "line-total") == ["€12.96"]
    assert texts(html, "total") == ["€15.42"]  # 12.96 + 2.46
    assert list(cart_of("acme.buyer").lines.values_list("product__sku", flat=True)) == ["NUT-M8"]
    # and the navigation's cart count follows too
    assert json.loads(response["HX-Trigger"])["portal:counts"] == {"cart": 1}


def test_adding_the_same_product_again_grows_the_line(buyer):
    # given 9 x BOLT-M8-50
    add(buyer, "BOLT-M8-50", "9")

    # when 41 more are added
    add(buyer, "BOLT-M8-50", "41")

    # then there is one line of 50 at the ≥ 50 price
    assert cart_of("acme.buyer").lines.count() == 1
    html = buyer.get("/cart/").content.decode()
    assert texts(html, "line-unit-price") == ["€10.08"]
    assert texts(html, "line-total") == ["€504.00"]


# -- bad quantities --------------------------------------------------------------------------


def snapshot(username: str):
    cart = cart_of(username)
    return cart.version, sorted(cart.lines.values_list("product__sku", "quantity"))


@pytest.mark.parametrize(("typed", "message"), BAD_QUANTITIES)
def test_a_bad_quantity_is_not_added_with_htmx(buyer, typed, message):
    # given a cart with 9 x BOLT-M8-50
    add(buyer, "BOLT-M8-50", "9")
    before = snapshot("acme.buyer")

    # when a bad quantity is added from a catalog row with HTMX
    response = add(buyer, "BOLT-M8-50", typed, headers={"HX-Request": "true"})

    # then the answer is 400 with the reason, and the cart has not changed
    assert response.status_code == 400
    assert message in response.content.decode()
    assert snapshot("acme.buyer") == before


@pytest.mark.parametrize(("typed", "message"), BAD_QUANTITIES)
def test_a_bad_quantity_is_not_added_with_a_plain_post(buyer, typed, message):
    # given a cart with 9 x BOLT-M8-50
    add(buyer, "BOLT-M8-50", "9")
    before = snapshot("acme.buyer")

    # when a bad quantity is posted without JavaScript
    response = add(buyer, "BOLT-M8-50", typed)

    # then a 400 page says why and offers the form again with what was typed
    body = response.content.decode()
    assert response.status_code == 400
    assert f"Not added: {message}" in body
    assert f'name="quantity" inputmode="numeric" size="5" value="{escape(typed)}"' in body
    assert snapshot("acme.buyer") == before


@pytest.mark.parametrize(("typed", "message"), BAD_QUANTITIES)
@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_a_bad_line_quantity_keeps_what_was_typed(buyer, typed, message, headers):
    # given a cart with 9 x BOLT-M8-50
    add(buyer, "BOLT-M8-50", "9")
    line = line_of("acme.buyer", "BOLT-M8-50")
    before = snapshot("acme.buyer")

    # when the buyer types a bad quantity on the line
    response = buyer.post(f"/cart/lines/{line.pk}/", {"quantity": typed}, headers=headers)

    # then the cart comes back as 400 with the reason and the typed text still in the input
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert f'id="q-{line.pk}" name="quantity" inputmode="numeric" size="6" value="{typed}"' in html
    # and nothing changed
    assert snapshot("acme.buyer") == before
    line.refresh_from_db()
    assert line.quantity == 9


@pytest.mark.parametrize("sent", ["plain", "htmx", "in its line"])
@pytest.mark.parametrize(
    "action",
    [{"quantity": "7"}, {"quantity": "abc"}, {"action": "remove"}],
    ids=["set", "refused", "remove"],
)
def test_a_line_of_another_buyers_cart_is_not_found(buyer, demo, sent, action):
    # given the manager has a line in their own cart, and the buyer has a cart of their own
    manager = signed_in(Client(), "acme.manager")
    add(manager, "NUT-M8", "3")
    theirs = line_of("acme.manager", "NUT-M8")
    add(buyer, "BOLT-M8-50", "9")
    versions = {cart.pk: cart.version for cart in Order.objects.all()}

    # when the buyer posts to the manager's line
    headers = {"plain": {}, "htmx": HTMX, "in its line": line_target(theirs)}[sent]
    response = buyer.post(f"/cart/lines/{theirs.pk}/", action, headers=headers)

    # then that line does not exist for them, and it and every cart are untouched
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.quantity == 3
    assert {cart.pk: cart.version for cart in Order.objects.all()} == versions


def test_a_line_removed_in_another_tab_is_not_found_when_its_quantity_changes(buyer):
    # given two lines, of which another tab has removed the bolts
    add(buyer, "BOLT-M8-50", "9")
    add(buyer, "NUT-M8", "3")
    bolts = line_of("acme.buyer", "BOLT-M8-50")
    buyer.post(f"/cart/lines/{bolts.pk}/", {"action": "remove"}, headers=HTMX)
    version = cart_of("acme.buyer").version

    # when this tab changes the bolts' quantity in their line
    response = buyer.post(
        f"/cart/lines/{bolts.pk}/", {"quantity": "10"}, headers=line_target(bolts)
    )

    # then that line is not found, and the cart is as the other tab left it
    assert response.status_code == 404
    assert cart_of("acme.buyer").version == version
    assert lines_of("acme.buyer") == [("NUT-M8", 3)]


def test_a_line_id_in_nobodys_cart_is_not_found_and_creates_no_cart(buyer):
    # given the buyer has no cart
    before = Order.objects.count()

    # when they post to a line id that does not exist
    response = buyer.post("/cart/lines/999999/", {"quantity": "7"})

    # then it is a 404 and no cart was made for them on the way
    assert response.status_code == 404
    assert Order.objects.count() == before


# -- quantity rules --------------------------------------------------------------------------


def set_quantity(client, username: str, sku: str, quantity) -> None:
    line = line_of(username, sku)
    response = client.post(f"/cart/lines/{line.pk}/", {"quantity": str(quantity)})
    assert response.status_code == 302


def test_a_quantity_rule_breach_shows_on_the_line_and_blocks_submit(buyer):
    # given 13 pairs of gloves, which are sold in twelves, next to a good line
    add(buyer, "NUT-M8", "3")
    add(buyer, "GLOVE-L", "12")
    set_quantity(buyer, "acme.buyer", "GLOVE-L", 13)

    # when the cart is opened
    html = buyer.get("/cart/").content.decode()

    # then the glove line says why, and there is no submit button but a request to fix it
    glove = line_of("acme.buyer", "GLOVE-L")
    row = re.search(rf'<tr id="line-{glove.pk}".*?</tr>', html, re.S).group(0)
    assert "GLOVE-L is sold in multiples of 12." in row
    nut = line_of("acme.buyer", "NUT-M8")
    nut_row = re.search(rf'<tr id="line-{nut.pk}".*?</tr>', html, re.S).group(0)
    assert 'role="alert"' not in nut_row
    assert "Submit order" not in html
    assert "Fix the lines marked above" in html


def test_fixing_the_quantity_brings_the_submit_button_back(buyer):
    # given 13 pairs of gloves
    add(buyer, "GLOVE-L", "12")
    set_quantity(buyer, "acme.buyer", "GLOVE-L", 13)
    glove = line_of("acme.buyer", "GLOVE-L")

    # when the buyer corrects it to 24 with HTMX
    html = buyer.post(f"/cart/lines/{glove.pk}/", {"quantity": "24"}, headers=HTMX)
    html = html.content.decode()

    # then the error is gone and the order can be submitted
    assert "multiples of 12" not in html
    assert "Fix the lines marked above" not in html
    assert "Submit order" in html


def test_a_drill_above_the_maximum_is_flagged(buyer):
    # given 21 drills, one more than may be ordered at once, typed on the cart line
    add(buyer, "DRILL-18V", "20")
    set_quantity(buyer, "acme.buyer", "DRILL-18V", 21)

    # when the cart is opened
    html = buyer.get("/cart/").content.decode()

    # then the line says so and submit is blocked
    assert "DRILL-18V: at most 20 per order." in html
    assert "Fix the lines marked above" in html
    assert line_of("acme.buyer", "DRILL-18V").quantity == 21


# -- what an add may leave on a line ---------------------------------------------------------


def lines_of(username: str) -> list[tuple[str, int]]:
    carts = Order.objects.filter(buyer__username=username, status="draft", number__isnull=True)
    return sorted(OrderLine.objects.filter(order__in=carts).values_list("product__sku", "quantity"))


ADD_REFUSALS = [
    # (already in the cart, added, why not)
    ([], ("GLOVE-L", "13"), "GLOVE-L is sold in multiples of 12."),
    ([], ("DRILL-18V", "21"), "DRILL-18V: at most 20 per order."),
    (
        [("DRILL-18V", "15")],
        ("DRILL-18V", "6"),
        "DRILL-18V: at most 20 per order. With the 15 already there, the line would hold 21.",
    ),
    (
        [("NUT-M8", "999999")],
        ("NUT-M8", "2"),
        "NUT-M8: at most 1,000,000 on one line. "
        "With the 999,999 already there, the line would hold 1,000,001.",
    ),
]


@pytest.mark.parametrize(("before", "added", "message"), ADD_REFUSALS)
@pytest.mark.parametrize("headers", [{}, {"HX-Request": "true"}], ids=["plain", "htmx"])
def test_an_add_that_would_break_a_rule_on_the_line_is_refused(
    buyer, before, added, message, headers
):
    # given what is already in the cart
    for sku, quantity in before:
        assert add(buyer, sku, quantity).status_code == 302
    lines_before = lines_of("acme.buyer")
    orders_before = Order.objects.count()

    # when an add would leave the line breaking a rule or the cap, counted on the sum
    response = add(buyer, *added, headers=headers)

    # then it is refused with the reason, and nothing is written
    assert response.status_code == 400
    assert escape(message) in response.content.decode()
    assert lines_of("acme.buyer") == lines_before
    assert Order.objects.count() == orders_before


def test_a_plain_refused_add_offers_the_form_again_with_what_was_typed(buyer):
    # given 15 drills in the cart
    add(buyer, "DRILL-18V", "15")

    # when 6 more are added without JavaScript
    response = add(buyer, "DRILL-18V", "6")

    # then the page says why and keeps the typed quantity, ready to retry
    body = response.content.decode()
    assert response.status_code == 400
    assert "Not added: DRILL-18V: at most 20 per order." in body
    assert 'name="quantity" inputmode="numeric" size="5" value="6"' in body


def test_adding_to_a_line_already_beyond_the_integer_range_is_refused_not_a_500(buyer):
    # given a line that was let grow past what PostgreSQL's integer holds minus one add
    add(buyer, "NUT-M8", "1")
    OrderLine.objects.filter(pk=line_of("acme.buyer", "NUT-M8").pk).update(quantity=2_147_000_000)

    # when a million more are added, with and without HTMX
    plain = add(buyer, "NUT-M8", "1000000")
    htmx = add(buyer, "NUT-M8", "1000000", headers={"HX-Request": "true"})

    # then both are refused with a message, and the line is as it was
    for response in (plain, htmx):
        assert response.status_code == 400
        assert "NUT-M8: at most 1,000,000 on one line." in response.content.decode()
    assert line_of("acme.buyer", "NUT-M8").quantity == 2_147_000_000


def test_an_add_that_keeps_the_line_within_the_rules_grows_it(buyer):
    # given 12 gloves and 15 drills
    add(buyer, "GLOVE-L", "12")
    add(buyer, "DRILL-18V", "15")

    # when 12 more gloves and 5 more drills are added
    gloves = add(buyer, "GLOVE-L", "12")
    drills = add(buyer, "DRILL-18V", "5", headers={"HX-Request": "true"})

    # then both lines grow, the drills to exactly their maximum
    assert gloves.status_code == 302
    assert drills.status_code == 200
    assert lines_of("acme.buyer") == [("DRILL-18V", 20), ("GLOVE-L", 24)]


# -- bad keys --------------------------------------------------------------------------------


BAD_SKUS = [
    ("NUT\x00M8", "Null characters are not allowed."),
    ("NUT-M8\x00", "Null characters are not allowed."),
    ("\x00", "Null characters are not allowed."),
    ("NUT\x01M8", "Unknown SKU"),
    ("N" * 41, "at most 40 characters"),
    ("NOPE-404", "Unknown SKU &#x27;NOPE-404&#x27;."),
]


@pytest.mark.parametrize(("sku", "message"), BAD_SKUS)
def test_a_sku_no_product_has_is_refused_with_a_message(buyer, sku, message):
    # given no cart yet
    before = Order.objects.count()

    # when such a SKU is posted to the cart without JavaScript
    response = add(buyer, sku, "1")

    # then a 400 page says why, and nothing is written
    body = response.content.decode()
    assert response.status_code == 400
    assert "Not added: " in body
    assert message in body
    assert Order.objects.count() == before


@pytest.mark.parametrize(("sku", "message"), BAD_SKUS)
def test_a_sku_no_product_has_is_refused_with_htmx(buyer, sku, message):
    # when such a SKU is posted to the cart with HTMX
    response = add(buyer, sku, "1", headers={"HX-Request": "true"})

    # then the answer is a 400 fragment that says why, and no cart was written
    body = response.content.decode()
    assert response.status_code == 400
    assert 'role="alert"' in body
    assert message in body
    assert not Order.objects.filter(buyer__username="acme.buyer").exists()


@pytest.mark.parametrize("target", ["/cart/\x00", "/catalog/?q=\x00", "\x00/evil"])
def test_a_next_address_with_a_nul_byte_is_not_followed(buyer, target):
    # when an add names a next address holding a NUL byte
    response = buyer.post("/cart/add/", {"sku": "NUT-M8", "quantity": "1", "next": target})

    # then the add works and the buyer lands on their cart
    assert response.status_code == 302
    assert response["Location"] == "/cart/"


# -- a GET writes nothing --------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/cart/", "/cart/quick-order/"])
@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_opening_the_cart_or_quick_order_creates_no_cart(buyer, path, headers):
    # given a buyer without a cart
    before = Order.objects.count()

    # when they open the page
    response = buyer.get(path, headers=headers)

    # then it shows, and no order row was written
    assert response.status_code == 200
    assert Order.objects.count() == before


def test_an_empty_cart_shows_as_empty_without_a_row(buyer):
    # when a buyer without a cart opens it
    html = buyer.get("/cart/").content.decode()

    # then it says the cart is empty, offers no checkout, and there is still no cart
    assert 'data-testid="cart-empty"' in html
    assert "Submit order" not in html
    assert not Order.objects.filter(buyer__username="acme.buyer").exists()


def test_the_first_add_creates_the_cart(buyer):
    # given a buyer who has only looked at their cart
    buyer.get("/cart/")

    # when they add a product
    response = add(buyer, "NUT-M8", "3")

    # then the cart exists now, with that line
    assert response.status_code == 302
    assert lines_of("acme.buyer") == [("NUT-M8", 3)]


@pytest.mark.parametrize(
    "data",
    [{"sku": "NUT-M8", "quantity": "0"}, {"sku": "GLOVE-L", "quantity": "5"}],
    ids=["bad quantity", "rule breach"],
)
def test_a_refused_first_add_creates_no_cart(buyer, data):
    # when a buyer without a cart makes an add that is refused
    response = buyer.post("/cart/add/", data)

    # then no cart was written for it
    assert response.status_code == 400
    assert not Order.objects.filter(buyer__username="acme.buyer").exists()


def test_a_submit_without_a_cart_is_refused_and_creates_none(buyer):
    # when a buyer without a cart posts the checkout
    response = buyer.post("/cart/submit/", {"token": "00000000-0000-0000-0000-000000000000"})

    # then it is refused and no order row appears
    assert response.status_code == 400
    assert not Order.objects.filter(buyer__username="acme.buyer").exists()


def test_checkout_labels_only_what_the_buyer_fills_in(buyer):
    # given a cart with a line
    add(buyer, "NUT-M8", "3")

    # when the cart is opened
    html = buyer.get("/cart/").content.decode()

    # then the checkout's labels are the fields a buyer fills in; the submit token is
    # carried hidden, without a label of its own
    checkout = html[html.index('id="checkout"') :]
    labels = re.findall(r"<label[^>]*>([^<]*)</label>", checkout)
    assert labels and not any("token" in label.lower() for label in labels), labels
    assert re.search(r'<input type="hidden" name="token"', checkout)
