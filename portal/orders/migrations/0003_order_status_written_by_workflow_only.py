"""Only the state machine may write an order's status.

``approvals.workflow.order_transition`` sets ``portal.order_transition`` for the one
UPDATE it makes; any other INSERT of a non-draft order or change of status fails.
"""

from django.db import migrations

GUARD = """
CREATE FUNCTION orders_order_status_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF coalesce(current_setting('portal.order_transition', true), '') = 'on' THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'INSERT' AND NEW.status <> 'draft' THEN
        RAISE EXCEPTION 'a new order starts as a draft (status %)', NEW.status
            USING ERRCODE = 'check_violation';
    END IF;
    IF TG_OP = 'UPDATE' AND NEW.status IS DISTINCT FROM OLD.status THEN
        RAISE EXCEPTION 'order status % -> % outside approvals.workflow', OLD.status, NEW.status
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER orders_order_status_guard
    BEFORE INSERT OR UPDATE OF status ON orders_order
    FOR EACH ROW EXECUTE FUNCTION orders_order_status_guard();
"""

DROP = """
DROP TRIGGER IF EXISTS orders_order_status_guard ON orders_order;
DROP FUNCTION IF EXISTS orders_order_status_guard();
"""


class Migration(migrations.Migration):
    dependencies = [("orders", "0002_order_number_sequence")]

    operations = [migrations.RunSQL(GUARD, DROP)]
