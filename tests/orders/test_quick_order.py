import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile

from portal.catalog.models import Product
from portal.orders.models import Order, OrderLine
from portal.orders.quick_order import (
    MAX_LINES,
    MAX_UPLOAD_BYTES,
    QuickOrderInputError,
    parse_quick_order,
    read_upload,
)
from pricing.engine import quantity_errors

pytestmark = pytest.mark.django_db

NOT_WHOLE = "Quantity must be a whole number of at least 1."


@pytest.fixture
def catalog(demo) -> dict[str, Product]:
    return {product.sku: product for product in Product.objects.all()}


def ordered(result) -> list[tuple[str, int]]:
    return [(row.product.sku, row.quantity) for row in result.valid]


def test_valid_lines_go_to_the_cart_in_the_order_typed(catalog):
    # when a buyer pastes two good lines
    result = parse_quick_order("BOLT-M8-50, 50\nNUT-M8, 100")

    # then both are valid, with their products and line numbers
    assert ordered(result) == [("BOLT-M8-50", 50), ("NUT-M8", 100)]
    assert [row.line_no for row in result.valid] == [1, 2]
    assert result.valid[0].product == catalog["BOLT-M8-50"]
    assert result.invalid == []
    assert result.error is None


@pytest.mark.parametrize(
    "line",
    [
        "BOLT-M8-50,50",
        "BOLT-M8-50;50",
        "BOLT-M8-50\t50",
        "BOLT-M8-50   50",
        "  BOLT-M8-50 ;  50  ",
        '"BOLT-M8-50","50"',
        "BOLT-M8-50;50;",
    ],
)
def test_separators(catalog, line):
    # when the line uses a comma, semicolon, tab, blanks, quotes or a trailing empty column
    result = parse_quick_order(line)

    # then it reads the same
    assert ordered(result) == [("BOLT-M8-50", 50)]


@pytest.mark.parametrize("header", ["sku,quantity", "SKU;qty", "Sku\tQuantity", "sku quantity"])
def test_header_line_is_skipped(catalog, header):
    # when the paste starts with a header
    result = parse_quick_order(f"{header}\nNUT-M8, 5")

    # then the header is neither a row nor an error
    assert ordered(result) == [("NUT-M8", 5)]
    assert result.invalid == []


def test_empty_lines_are_skipped_but_keep_line_numbers(catalog):
    # given blank, whitespace-only and empty-column lines around two rows
    text = "\n\nNUT-M8, 5\r\n   \n\t\n;;;\nXYZ, 1\n"

    # when parsed
    result = parse_quick_order(text)

    # then only the two rows count, numbered as the user sees them
    assert [row.line_no for row in result.valid] == [3]
    assert [row.line_no for row in result.invalid] == [7]


@pytest.mark.parametrize("text", ["", "  \n\n\t", "sku,quantity\n"])
def test_nothing_to_order_is_an_error(demo, text):
    result = parse_quick_order(text)

    assert result.error == "Paste or upload at least one line with a SKU and a quantity."
    assert result.valid == result.invalid == []


def test_unknown_sku(catalog):
    result = parse_quick_order("XYZ, 5")

    assert result.valid == []
    [row] = result.invalid
    assert (row.sku, row.quantity, row.product) == ("XYZ", 5, None)
    assert row.errors == ["Unknown SKU 'XYZ'."]


def test_inactive_product_is_not_available(catalog):
    # given a product that is no longer sold
    Product.objects.filter(sku="NUT-M8").update(is_active=False)

    # when it is ordered
    result = parse_quick_order("NUT-M8, 5")

    # then the row says so, in the pricing engine's words
    [row] = result.invalid
    assert row.errors == ["NUT-M8 is no longer sold."]


def test_sku_matches_regardless_of_case(catalog):
    result = parse_quick_order("bolt-m8-50, 5")

    assert ordered(result) == [("BOLT-M8-50", 5)]


def test_exact_case_wins_when_skus_differ_only_in_case(catalog):
    # given two products whose SKUs differ only in case
    lower = Product.objects.create(
        sku="nut-m8", name="Odd one", category=catalog["NUT-M8"].category
    )

    # when each is typed exactly, and once in a third spelling
    result = parse_quick_order("nut-m8, 1\nNUT-M8, 2\nNut-M8, 3")

    # then the exact ones match and the ambiguous one is sent back
    assert [(row.product, row.quantity) for row in result.valid] == [
        (lower, 1),
        (catalog["NUT-M8"], 2),
    ]
    assert result.invalid[0].errors == ["SKU 'Nut-M8' matches several products; type it exactly."]


@pytest.mark.parametrize("quantity", ["0", "00", "-1", "1e9", "abc", "٣", "1.5", "+5", "½"])
def test_quantity_must_be_a_whole_number(catalog, quantity):
    # when the quantity is not a plain positive number in ASCII digits
    result = parse_quick_order(f"BOLT-M8-50, {quantity}")

    # then the row is invalid and says why
    [row] = result.invalid
    assert row.quantity is None
    assert row.errors == [NOT_WHOLE]


@pytest.mark.parametrize("line", ["BOLT-M8-50", "BOLT-M8-50,", "BOLT-M8-50 ;  "])
def test_missing_quantity(catalog, line):
    [row] = parse_quick_order(line).invalid

    assert row.errors == ["Quantity is missing."]


@pytest.mark.parametrize("quantity", ["1000001", "9" * 5000])
def test_quantity_above_the_maximum(catalog, quantity):
    [row] = parse_quick_order(f"BOLT-M8-50, {quantity}").invalid

    assert row.errors == ["Quantity must be at most 1,000,000."]


def test_leading_zeros_and_the_maximum_itself_are_fine(catalog):
    result = parse_quick_order("BOLT-M8-50, 007\nNUT-M8, 1000000")

    assert ordered(result) == [("BOLT-M8-50", 7), ("NUT-M8", 1_000_000)]


def test_extra_columns_are_an_error(catalog):
    # "1,000" splits into two columns; guessing would order 1
    [row] = parse_quick_order("BOLT-M8-50, 1,000").invalid

    assert row.errors == ["Expected a SKU and a quantity, e.g. 'BOLT-M8-50, 50'."]


def test_unknown_sku_and_bad_quantity_are_both_reported(catalog):
    [row] = parse_quick_order("XYZ, abc").invalid

    assert row.errors == ["Unknown SKU 'XYZ'.", NOT_WHOLE]


def test_duplicates_are_merged_into_the_first_line(catalog):
    # when the same product appears twice, in different case
    result = parse_quick_order("BOLT-M8-50, 20\nNUT-M8, 10\nbolt-m8-50, 30")

    # then it is one row of 50 at the first position
    assert ordered(result) == [("BOLT-M8-50", 50), ("NUT-M8", 10)]
    assert result.valid[0].line_no == 1
    assert result.valid[0].text == "BOLT-M8-50, 20\nbolt-m8-50, 30"


def test_an_invalid_duplicate_is_not_merged(catalog):
    result = parse_quick_order("NUT-M8, 10\nNUT-M8, abc")

    assert ordered(result) == [("NUT-M8", 10)]
    assert [row.line_no for row in result.invalid] == [2]


@pytest.mark.parametrize("quantity", [13, 6])
def test_rule_breaches_use_the_engines_messages(catalog, quantity):
    # given GLOVE-L, sold from 12 in multiples of 12
    glove = catalog["GLOVE-L"]

    # when ordered off the rules
    [row] = parse_quick_order(f"GLOVE-L, {quantity}").invalid

    # then the row carries exactly the pricing engine's messages
    assert row.errors == quantity_errors(glove, quantity)
    assert "GLOVE-L is sold in multiples of 12." in row.errors


def test_rule_breaches_by_example(catalog):
    result = parse_quick_order("GLOVE-L, 6\nGLOVE-L, 6\nDRILL-18V, 21\nNUT-M8, 1")

    # the two gloves make 12, which is fine; the drill is capped at 20
    assert ordered(result) == [("GLOVE-L", 12), ("NUT-M8", 1)]
    [drill] = result.invalid
    assert drill.errors == ["DRILL-18V: at most 20 per order."]


def test_merged_lines_breaking_a_rule_are_reported_once(catalog):
    # when two drill lines are fine alone but not together
    result = parse_quick_order("DRILL-18V, 15\nNUT-M8, 1\nDRILL-18V, 10")

    # then one invalid row carries both lines
    [row] = result.invalid
    assert (row.line_no, row.quantity) == (1, 25)
    assert row.errors == ["DRILL-18V: at most 20 per order."]
    assert result.invalid_text == "DRILL-18V, 15\nDRILL-18V, 10"


def test_invalid_text_keeps_exactly_the_invalid_lines(catalog):
    # given a paste of good and bad lines
    text = "BOLT-M8-50, 5\n  XYZ ;1\n\nNUT-M8, abc\r\nGLOVE-L, 24\nDRILL-18V 21"

    # when parsed
    result = parse_quick_order(text)

    # then the bad lines go back to the textarea as typed, in their order
    assert result.invalid_text == "  XYZ ;1\nNUT-M8, abc\nDRILL-18V 21"
    assert ordered(result) == [("BOLT-M8-50", 5), ("GLOVE-L", 24)]


def test_too_many_lines_are_rejected_without_a_query(demo, django_assert_num_queries):
    # given a paste of 10,000 lines
    text = "BOLT-M8-50, 1\n" * 10_000

    # when parsed
    with django_assert_num_queries(0):
        result = parse_quick_order(text)

    # then nothing is parsed and the user is told why
    assert result.error == "Paste at most 1,000 lines at a time (you pasted 10,000)."
    assert result.valid == result.invalid == []


def test_too_much_text_is_rejected(demo):
    result = parse_quick_order("BOLT-M8-50, 1" + " " * MAX_UPLOAD_BYTES)

    assert result.error == "Paste at most 256 KB at a time."


def test_the_line_limit_does_not_count_the_header(catalog):
    result = parse_quick_order("sku,qty\n" + "NUT-M8, 1\n" * MAX_LINES)

    assert result.error is None
    assert ordered(result) == [("NUT-M8", MAX_LINES)]


def test_one_query_for_the_largest_paste(catalog, django_assert_max_num_queries):
    # given the most lines allowed, over every product in the catalog, one unknown
    products = list(catalog.values())
    lines = [f"{products[n % len(products)].sku.lower()}, 1" for n in range(MAX_LINES - 1)]
    text = "\n".join([*lines, "XYZ, 1"])

    # when parsed
    with django_assert_max_num_queries(1):
        result = parse_quick_order(text)

    # then every product was found in that one query
    rows = result.valid + result.invalid
    assert {row.product.sku for row in rows if row.product} == set(catalog)
    assert [row.sku for row in rows if row.product is None] == ["XYZ"]


def test_sku_no_product_could_have_costs_no_query(demo, django_assert_num_queries):
    # given a SKU with a NUL byte (PostgreSQL refuses it) and one longer than any SKU
    too_long = "X" * 41

    # when parsed
    with django_assert_num_queries(0):
        result = parse_quick_order(f"BAD\x00SKU, 1\n{too_long}, 1")

    # then both are unknown without asking the database
    assert [row.errors for row in result.invalid] == [
        ["Unknown SKU 'BAD\x00SKU'."],
        [f"Unknown SKU '{too_long}'."],
    ]


def upload(content: bytes, name: str = "order.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


def test_upload_utf8(demo):
    assert read_upload(upload("BOLT-M8-50;5\nStück-1;2\n".encode())) == "BOLT-M8-50;5\nStück-1;2\n"


def test_upload_utf8_with_byte_order_mark(catalog):
    # given a "CSV UTF-8" file from Excel, which starts with a BOM
    text = read_upload(upload(b"\xef\xbb\xbfsku;quantity\r\nNUT-M8;5\r\n"))

    # then the BOM is gone and the header is still recognised
    assert text == "sku;quantity\r\nNUT-M8;5\r\n"
    assert ordered(parse_quick_order(text)) == [("NUT-M8", 5)]


@pytest.mark.parametrize(
    "content", ["Stück;5".encode("cp1252"), b"\xff\xfeN\x00U\x00T\x00", b"\xff\xfe"]
)
def test_upload_not_utf8_is_refused(content):
    with pytest.raises(QuickOrderInputError) as refused:
        read_upload(upload(content))

    assert str(refused.value) == (
        "The file is not UTF-8 text. Save it as “CSV UTF-8” and upload it again."
    )


def test_upload_binary_is_refused():
    with pytest.raises(QuickOrderInputError, match="not a CSV text file"):
        read_upload(upload(b"PK\x03\x04\x00\x00"))


def test_upload_too_big_is_refused():
    # given a file one byte over the limit
    content = b"NUT-M8;1\n" * (MAX_UPLOAD_BYTES // 9) + b"\n" * (MAX_UPLOAD_BYTES % 9 + 1)

    # then it is refused before it is decoded
    with pytest.raises(QuickOrderInputError) as refused:
        read_upload(upload(content))

    assert str(refused.value) == "The file is larger than 256 KB; split it and upload each part."


def test_upload_at_the_limit_is_read(demo):
    content = b"NUT-M8;1\n" * (MAX_UPLOAD_BYTES // 9)

    assert read_upload(upload(content)).count("\n") == MAX_UPLOAD_BYTES // 9


# -- the quick order page --------------------------------------------------------------------


def cart_lines_of(username: str) -> list[tuple[str, int]]:
    return sorted(
        OrderLine.objects.filter(
            order__buyer__username=username, order__status="draft", order__number__isnull=True
        ).values_list("product__sku", "quantity")
    )


@pytest.fixture
def buyer(client, demo):
    client.force_login(get_user_model().objects.get(username="acme.buyer"))
    return client


def paste(client, text: str):
    return client.post("/cart/quick-order/", {"lines": text})


def test_quick_order_adds_to_an_existing_line_only_within_its_rules(buyer):
    # given 15 drills in the cart (at most 20 may be ordered)
    assert buyer.post("/cart/add/", {"sku": "DRILL-18V", "quantity": "15"}).status_code == 302

    # when a quick order asks for 10 more drills and 5 nuts
    response = paste(buyer, "DRILL-18V, 10\nNUT-M8, 5")

    # then the nuts go in, and the drill line stays on screen with the reason, on the sum
    html = response.content.decode()
    assert response.status_code == 400
    assert "1 line not added" in html
    assert (
        "DRILL-18V: at most 20 per order. With the 15 already there, the line would hold 25."
        in html
    )
    assert "DRILL-18V, 10</textarea>" in html
    assert cart_lines_of("acme.buyer") == [("DRILL-18V", 15), ("NUT-M8", 5)]


def test_quick_order_cannot_grow_a_line_past_the_cap(buyer):
    # given 999,000 boxes of nuts in the cart
    assert buyer.post("/cart/add/", {"sku": "NUT-M8", "quantity": "999000"}).status_code == 302

    # when a quick order asks for 5,000 more
    response = paste(buyer, "NUT-M8, 5000")

    # then it is refused with the reason and the line is unchanged
    assert response.status_code == 400
    assert "NUT-M8: at most 1,000,000 on one line." in response.content.decode()
    assert cart_lines_of("acme.buyer") == [("NUT-M8", 999000)]


def test_quick_order_of_lines_within_the_rules_grows_them(buyer):
    # given 15 drills in the cart
    buyer.post("/cart/add/", {"sku": "DRILL-18V", "quantity": "15"})

    # when a quick order asks for 5 more
    response = paste(buyer, "DRILL-18V, 5")

    # then the line holds the maximum, and the buyer lands on the cart
    assert response.status_code == 302
    assert response["Location"] == "/cart/"
    assert cart_lines_of("acme.buyer") == [("DRILL-18V", 20)]


def test_a_quick_order_with_nothing_to_add_creates_no_cart(buyer):
    # when a buyer without a cart pastes only lines that cannot be ordered
    response = paste(buyer, "NOPE-404, 1\nGLOVE-L, 5")

    # then both stay on screen and no cart was written
    assert response.status_code == 400
    assert "2 lines not added" in response.content.decode()
    assert not Order.objects.filter(buyer__username="acme.buyer").exists()


@pytest.mark.parametrize(
    "text",
    ["NUT\x00M8, 1", "NUT-M8, 1\x00", "\x00", "NUT-M8, 1\nBOLT\x00M8-50, 2"],
    ids=["in sku", "in quantity", "alone", "second line"],
)
def test_a_paste_with_a_nul_byte_is_refused_with_a_message(buyer, text):
    # when a paste holds a NUL byte
    response = paste(buyer, text)

    # then the form says so (400) and nothing is written
    assert response.status_code == 400
    assert "Null characters are not allowed." in response.content.decode()
    assert not Order.objects.filter(buyer__username="acme.buyer").exists()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("NUT\x01M8, 1", "Unknown SKU"),
        ("NUT-M8\x1b[31m, 1", "Unknown SKU"),
        ("NUT-M8, 1\x7f", "Quantity must be a whole number of at least 1."),
        ("NUT-M8, \u202e1", "Quantity must be a whole number of at least 1."),
    ],
    ids=["SOH in sku", "escape sequence", "DEL after quantity", "bidi override"],
)
def test_a_paste_with_control_characters_flags_the_line(buyer, text, message):
    # when a paste holds other control characters
    response = paste(buyer, text)

    # then the line stays on screen with the reason (400) and nothing is written
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Order.objects.filter(buyer__username="acme.buyer").exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"NUT-M8;1\n\x00\x00", "The file is not a CSV text file."),
        (b"NUT\x01M8;1\n", "Unknown SKU"),
        (b"\xff\xfeN\x00U\x00T\x00", "The file is not UTF-8 text."),
    ],
    ids=["NUL", "control character", "UTF-16"],
)
def test_an_upload_with_control_characters_is_refused_with_a_message(buyer, content, message):
    # when such a file is uploaded
    response = buyer.post("/cart/quick-order/", {"lines": "", "file": upload(content)})

    # then the page says why (400) and nothing is written
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Order.objects.filter(buyer__username="acme.buyer").exists()
