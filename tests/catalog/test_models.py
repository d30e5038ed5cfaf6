"""What a SKU may be: the characters that fit a URL segment, in the form and in the database."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from portal.catalog.models import Category, Product

pytestmark = pytest.mark.django_db

GOOD = ["NUT-M8", "BOLT-M8-50", "FAS-00001", "nut-m8", "X", "PIPE_15.5", "A" * 40]
BAD = ["", "NUT M8", "NUT/M8", "NUT\x00M8", "ÉCROU-M8", ".NUT", "-NUT", "..", "A" * 41]


def product(sku: str) -> Product:
    return Product(sku=sku, name="Test product", category=Category.objects.first())


@pytest.mark.parametrize("sku", GOOD)
def test_a_sku_of_letters_digits_and_separators_is_valid(demo, sku):
    product(sku).full_clean(validate_unique=False)


@pytest.mark.parametrize("sku", BAD)
def test_any_other_sku_is_refused_with_a_message(demo, sku):
    with pytest.raises(ValidationError) as refused:
        product(sku).full_clean(validate_unique=False)

    assert "sku" in refused.value.message_dict


@pytest.mark.parametrize("sku", [s for s in BAD if "\x00" not in s and len(s) <= 40])
def test_the_database_refuses_a_sku_that_skipped_validation(demo, sku):
    with pytest.raises(IntegrityError), transaction.atomic():
        product(sku).save()
