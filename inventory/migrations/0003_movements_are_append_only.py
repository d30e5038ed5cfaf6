"""Stock movements are the ledger: once written, the database refuses to change them."""

from django.db import migrations

APPEND_ONLY = """
CREATE FUNCTION inventory_stockmovement_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'stock movements are append-only: % refused', TG_OP
        USING ERRCODE = 'check_violation';
END
$$;
CREATE TRIGGER inventory_stockmovement_append_only
    BEFORE UPDATE OR DELETE ON inventory_stockmovement
    FOR EACH ROW EXECUTE FUNCTION inventory_stockmovement_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS inventory_stockmovement_append_only ON inventory_stockmovement;
DROP FUNCTION IF EXISTS inventory_stockmovement_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("inventory", "0002_stock_levels_and_movements")]

    operations = [migrations.RunSQL(APPEND_ONLY, DROP)]
