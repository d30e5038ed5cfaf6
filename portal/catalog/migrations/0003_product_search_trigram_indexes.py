"""Trigram indexes for searching products by any part of the SKU or name, ignoring case.

Django's ``icontains`` is ``UPPER(col::text) LIKE UPPER('%text%')``; a GIN index with
``gin_trgm_ops`` on exactly ``UPPER(col)`` answers it without reading every product. The
catalog's search and its type-ahead suggestions both filter this way. ``pg_trgm`` ships with
PostgreSQL and is a trusted extension: the database's owner may create it.
"""

from django.db import migrations

class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0002_product_sku_pattern"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE EXTENSION IF NOT EXISTS pg_trgm",
            # Other objects may come to use the extension: it stays.
            reverse_sql=migrations.RunSQL.noop,
        ),
        migrations.RunSQL(
            "CREATE INDEX product_sku_trgm ON catalog_product USING gin (UPPER(sku) gin_trgm_ops)",
            reverse_sql="DROP INDEX product_sku_trgm",
        ),
        migrations.RunSQL(
            "CREATE INDEX product_name_trgm ON catalog_product "
            "USING gin (UPPER(name) gin_trgm_ops)",
            reverse_sql="DROP INDEX product_name_trgm",
        ),
    ]
