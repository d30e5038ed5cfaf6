"""Each order keeps the warehouse of its latest reservation, so that the orders to pick in a
warehouse are found through an index instead of through every order's stock movements."""

from django.db import migrations, models

# Every order that ever reserved: the warehouse of its newest reservation, as
# ``inventory.permissions.with_ships_from`` used to read it for each order.
BACKFILL = """
UPDATE orders_order AS o
   SET reserved_in_id = latest.warehouse_id
  FROM (
        SELECT DISTINCT ON (m.order_id) m.order_id, s.warehouse_id
          FROM inventory_stockmovement AS m
          JOIN inventory_stocklevel AS s ON s.id = m.stock_id
         WHERE m.kind = 'reservation'
         ORDER BY m.order_id, m.id DESC
       ) AS latest
 WHERE o.id = latest.order_id
"""


class Migration(migrations.Migration):
    dependencies = [
        ("inventory", "0006_order_reservation_index"),
        ("orders", "0009_event_actor_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="order",
            name="reserved_in",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                editable=False,
                null=True,
                on_delete=models.deletion.PROTECT,
                related_name="+",
                to="inventory.warehouse",
            ),
        ),
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop),
        migrations.AddIndex(
            model_name="order",
            index=models.Index(
                condition=models.Q(("status", "approved")),
                fields=["reserved_in", "submitted_at", "id"],
                name="order_to_pick",
            ),
        ),
    ]
