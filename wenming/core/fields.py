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

    SQLite's LIKE is case-insensitive and never uses the index for `startswith`, so the
    subtree is a range on the indexed column; PostgreSQL's LIKE uses the
    varchar_pattern_ops index Django adds for unique CharFields, and its collation may not
    order '/' bytewise, so there the lookup stays a LIKE.
    """

    lookup_name = "within"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        prefix = self.rhs
        params = [*lhs_params, prefix, *lhs_params, prefix + PATH_UPPER_SENTINEL]
        return f"({lhs} >= %s AND {lhs} < %s)", params

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        pattern = connection.ops.prep_for_like_query(self.rhs) + "%"
        return f"{lhs}::text LIKE %s", [*lhs_params, pattern]
