"""Each order's number of lines, kept by triggers on the lines, for the navigation's cart
count (``OrderLineCount``).

A statement that adds or removes lines adds or takes away how many it wrote for each order,
in one statement per statement (not per row), so a cart filled with 200 products at once
costs one upsert. A line moved to another order (nothing does, but an UPDATE could) is
counted out of one and into the other.
"""

import django.db.models.deletion
from django.db import migrations, models

TRIGGERS = """
CREATE FUNCTION orders_linecount_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO orders_linecount AS c (order_id, lines)
    SELECT order_id, count(*) FROM added GROUP BY order_id
    ON CONFLICT (order_id) DO UPDATE SET lines = c.lines + EXCLUDED.lines;
    RETURN NULL;
END $$;

CREATE FUNCTION orders_linecount_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE orders_linecount AS c SET lines = c.lines - r.n
      FROM (SELECT order_id, count(*) AS n FROM removed GROUP BY order_id) AS r
     WHERE c.order_id = r.order_id;
    RETURN NULL;
END $$;

CREATE FUNCTION orders_linecount_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE orders_linecount SET lines = lines - 1 WHERE order_id = OLD.order_id;
    INSERT INTO orders_linecount AS c (order_id, lines) VALUES (NEW.order_id, 1)
    ON CONFLICT (order_id) DO UPDATE SET lines = c.lines + 1;
    RETURN NULL;
END $$;

CREATE TRIGGER orders_linecount_added AFTER INSERT ON orders_orderline
    REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION orders_linecount_added();
CREATE TRIGGER orders_linecount_removed AFTER DELETE ON orders_orderline
    REFERENCING OLD TABLE AS removed
    FOR EACH STATEMENT EXECUTE FUNCTION orders_linecount_removed();
CREATE TRIGGER orders_linecount_moved AFTER UPDATE OF order_id ON orders_orderline
    FOR EACH ROW WHEN (OLD.order_id IS DISTINCT FROM NEW.order_id)
    EXECUTE FUNCTION orders_linecount_moved();

INSERT INTO orders_linecount (order_id, lines)
SELECT order_id, count(*) FROM orders_orderline GROUP BY order_id;
"""

DROP_TRIGGERS = """
DROP TRIGGER orders_linecount_added ON orders_orderline;
DROP TRIGGER orders_linecount_removed ON orders_orderline;
DROP TRIGGER orders_linecount_moved ON orders_orderline;
DROP FUNCTION orders_linecount_added();
DROP FUNCTION orders_linecount_removed();
DROP FUNCTION orders_linecount_moved();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0010_order_reserved_in"),
    ]

    operations = [
        migrations.CreateModel(
            name="OrderLineCount",
            fields=[
                (
                    "order",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="line_count",
                        serialize=False,
                        to="orders.order",
                    ),
                ),
                ("lines", models.PositiveIntegerField()),
            ],
            options={"db_table": "orders_linecount"},
        ),
        migrations.RunSQL(TRIGGERS, DROP_TRIGGERS),
    ]
