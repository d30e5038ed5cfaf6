"""A data version for the orders waiting to be picked (``portal.versions.PICKS``), so that
the picks waiting, which every page of warehouse staff shows, can be cached with it.

It moves when an order comes or goes, and when one changes what the pick lists read of it:
its status (approved, shipped, cancelled ...), the warehouse holding its stock, its company,
number or submission. Carts being filled (lines, the order's version) leave it alone.
"""

from django.db import migrations

SEQUENCE = "portal_version_picks"
CHANGED = """
    OLD.status IS DISTINCT FROM NEW.status
    OR OLD.reserved_in_id IS DISTINCT FROM NEW.reserved_in_id
    OR OLD.company_id IS DISTINCT FROM NEW.company_id
    OR OLD.number IS DISTINCT FROM NEW.number
    OR OLD.submitted_at IS DISTINCT FROM NEW.submitted_at
"""

# As portal.0002_data_versions does, the version moves when the statement runs and again
# for each row at commit; an update moves it only when it changed what the picks read.
FORWARDS = f"""
CREATE SEQUENCE {SEQUENCE};
CREATE TRIGGER portal_picks_version_now AFTER INSERT OR DELETE OR TRUNCATE ON orders_order
    FOR EACH STATEMENT EXECUTE FUNCTION portal_version_bump('{SEQUENCE}');
CREATE TRIGGER portal_picks_version_now_changed AFTER UPDATE ON orders_order
    FOR EACH ROW WHEN ({CHANGED}) EXECUTE FUNCTION portal_version_bump('{SEQUENCE}');
CREATE CONSTRAINT TRIGGER portal_picks_version_at_commit AFTER INSERT OR DELETE ON orders_order
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION portal_version_bump('{SEQUENCE}');
CREATE CONSTRAINT TRIGGER portal_picks_version_at_commit_changed AFTER UPDATE ON orders_order
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN ({CHANGED}) EXECUTE FUNCTION portal_version_bump('{SEQUENCE}');
"""

BACKWARDS = f"""
DROP TRIGGER portal_picks_version_now ON orders_order;
DROP TRIGGER portal_picks_version_now_changed ON orders_order;
DROP TRIGGER portal_picks_version_at_commit ON orders_order;
DROP TRIGGER portal_picks_version_at_commit_changed ON orders_order;
DROP SEQUENCE {SEQUENCE};
"""


class Migration(migrations.Migration):
    dependencies = [
        ("inventory", "0007_warehouse_permissions_move_the_users_version"),
        ("orders", "0010_order_reserved_in"),
        ("portal", "0002_data_versions"),
    ]

    operations = [migrations.RunSQL(FORWARDS, BACKWARDS)]
