"""Model fields shared by apps: the materialised path and its subtree lookup."""

from django.db import models
from django.db.models import Lookup

# Paths hold only codes ([0-9A-Za-z-]) and '/'; every such character sorts below '~', so
# "path >= prefix AND path < prefix || '~'" selects exactly the paths starting with prefix.
PATH_UPPER_SENTINEL = "~"


class PathField(models.CharField):
    """A materialised path such as '/990100000000/990101000000/'; supports `__within`."""


@PathField.register_lookup
class Within(Lookup):
    """`path__within=prefix`: the node with that path and everything beneath it.

    A range on the indexed column, compared bytewise. Django's `startswith` would compile
    to LIKE, which SQLite never serves from this index (its LIKE ignores case). On
    PostgreSQL the comparison names the "C" collation, so the result is right whatever
    the column's collation is; migration regions 0003 gives the column that collation so
    the unique index also serves the range and ORDER BY path.
    """

    lookup_name = "within"

    def range_sql(self, compiler, connection, collate=""):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        lhs = f"{lhs}{collate}"
        prefix = self.rhs
        params = [*lhs_params, prefix, *lhs_params, prefix + PATH_UPPER_SENTINEL]
        return f"({lhs} >= %s AND {lhs} < %s)", params

    def as_sql(self, compiler, connection):
        return self.range_sql(compiler, connection)

    def as_postgresql(self, compiler, connection):
        return self.range_sql(compiler, connection, collate=' COLLATE "C"')
