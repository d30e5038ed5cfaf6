import django_tables2 as tables
from django_tables2.data import TableData

from portal.audit.selectors import audit_rows


class AuditData(TableData):
    """The trail of ``events_visible_to`` for a table: a page is read and told on slicing.

    Never read whole; the order is the selector's (newest first) and not the URL's.
    """

    def __getitem__(self, key):
        if isinstance(key, slice):
            return audit_rows(self.data[key])
        return audit_rows(self.data[key : key + 1])[0]

    def __len__(self):
        return self.data.count()

    def order_by(self, aliases):
        return None


class AuditTable(tables.Table):
    at = tables.DateTimeColumn(verbose_name="When", format="Y-m-d H:i:s")
    who = tables.Column(verbose_name="Who")
    source = tables.TemplateColumn(
        verbose_name="Where", template_name="audit/_source.html", accessor="source"
    )
    what = tables.TemplateColumn(verbose_name="What", template_name="audit/_what.html")
    changes = tables.TemplateColumn(
        verbose_name="Old → new", template_name="audit/_changes.html", empty_values=()
    )

    class Meta:
        orderable = False
        attrs = {"class": "table", "id": "audit-table"}
        row_attrs = {"data-kind": lambda record: record.kind.key}
        empty_text = "No events match."
