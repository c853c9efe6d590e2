"""How fast the region tree and the scoping are at 100,000 regions, on SQLite and PostgreSQL.

    python -m bench.regions [--regions N] [--database sqlite|postgres|both] [--repeat R]

Each database runs in a child process of its own (Django is set up once per process) on a
scratch database: a SQLite file under var/bench/, or a PostgreSQL database `wenming_bench`
that is created first and dropped at the end. The child migrates, writes a deterministic
tree with `bulk_create`, then times every measurement R times after one warm-up run and
reports best, median and p95 (nearest rank) in milliseconds, and how many SQL statements
one run takes. The parent prints a table and writes it to docs/benchmarks.md with the
machine's facts, the indexes on the region table and the query plans.

The tree for N regions keeps the proportions of the reference tree at 100,000: 1 city,
20 districts, 25 streets a district, 20 communities a street, and the remaining 89,479
grids spread evenly over the communities (about 9 each). On top come one office unit per
district, one street office per street, a city office staff account and one office staff
account per district.
"""

import argparse
import json
import math
import os
import platform
import re
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var" / "bench"
SQLITE_PATH = VAR_DIR / "regions.sqlite3"
DOCS_PATH = BASE_DIR / "docs" / "benchmarks.md"
DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/wenming_bench"
DATABASES = ("sqlite", "postgres")
DATABASE_LABELS = {"sqlite": "SQLite", "postgres": "PostgreSQL"}

REFERENCE_REGIONS = 100_000
# Districts, streets and communities at REFERENCE_REGIONS; grids take the rest.
REFERENCE_SHAPE = (20, 500, 10_000)
# Province 98 does not exist, so no real place is named (the demo city uses 99).
CITY_CODE = "980100000000"
CITY_NAME = "基准市"
UNIT_PREFIX = "BM-"
PAGE_SIZE = 50
MIN_REGIONS = 1000


# The tree ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Shape:
    """How many regions of each level below the one city."""

    districts: int
    streets: int
    communities: int
    grids: int

    @property
    def total(self) -> int:
        return 1 + self.districts + self.streets + self.communities + self.grids

    @classmethod
    def for_regions(cls, regions: int) -> "Shape":
        """The reference proportions scaled to exactly `regions` regions."""
        factor = regions / REFERENCE_REGIONS
        districts = max(1, round(REFERENCE_SHAPE[0] * factor))
        streets = max(districts, round(REFERENCE_SHAPE[1] * factor))
        communities = max(streets, round(REFERENCE_SHAPE[2] * factor))
        shape = cls(
            districts, streets, communities, regions - 1 - districts - streets - communities
        )
        shape.check()
        return shape

    def check(self) -> None:
        """Every parent gets a child, and every code segment fits its digits."""
        if self.grids < self.communities:
            raise ValueError("too few regions: every community needs at least one grid")
        if self.districts > 99:
            raise ValueError("too many regions: a city has at most 99 districts (2 digits)")
        for children, parents in (
            (self.streets, self.districts),
            (self.communities, self.streets),
            (self.grids, self.communities),
        ):
            if math.ceil(children / parents) > 999:
                raise ValueError("too many children under one parent (3 digits)")


def _spread(count: int, parents: list):
    """(parent, number within parent) for `count` children spread evenly, in path order."""
    numbers = [0] * len(parents)
    for index in range(count):
        slot = index * len(parents) // count
        numbers[slot] += 1
        yield parents[slot], numbers[slot]


def generate(shape: Shape) -> dict:
    """Write the tree, units, accounts and memberships; return what was made."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from wenming.regions.models import Membership, Region, TreeNode, Unit

    def region(code, name, level, parent):
        return Region(
            code=code,
            name=name,
            level=level,
            parent=parent,
            path=TreeNode.build_path(parent.path if parent else None, code),
            depth=parent.depth + 1 if parent else 1,
        )

    def unit(code, name, unit_type, place, parent):
        return Unit(
            code=f"{UNIT_PREFIX}{code}",
            name=name,
            short_name=name[:40],
            type=unit_type,
            region=place,
            parent=parent,
            path=TreeNode.build_path(parent.path if parent else None, f"{UNIT_PREFIX}{code}"),
            depth=parent.depth + 1 if parent else 1,
        )

    def bulk(model, objects):
        created = model.objects.bulk_create(objects, batch_size=2000)
        assert all(obj.pk is not None for obj in created), "the database returned no ids"
        return created

    level = Region.Level
    with transaction.atomic():
        (city,) = bulk(Region, [region(CITY_CODE, CITY_NAME, level.CITY, None)])
        districts = bulk(
            Region,
            [
                region(f"{CITY_CODE[:4]}{n:02d}000000", f"基准{n:02d}区", level.DISTRICT, city)
                for n in range(1, shape.districts + 1)
            ],
        )
        streets = bulk(
            Region,
            [
                region(f"{p.code[:6]}{n:03d}000", f"{p.name}第{n}街道", level.STREET, p)
                for p, n in _spread(shape.streets, districts)
            ],
        )
        communities = bulk(
            Region,
            [
                region(f"{p.code[:9]}{n:03d}", f"第{n}社区", level.COMMUNITY, p)
                for p, n in _spread(shape.communities, streets)
            ],
        )
        bulk(
            Region,
            [
                region(f"{p.code}{n:03d}", f"第{n}网格", level.GRID, p)
                for p, n in _spread(shape.grids, communities)
            ],
        )

        (city_office,) = bulk(Unit, [unit("WMB", f"{CITY_NAME}文明办", "office", city, None)])
        district_offices = bulk(
            Unit,
            [
                unit(f"D{i:02d}-WMB", f"{d.name}文明办", "office", d, city_office)
                for i, d in enumerate(districts, start=1)
            ],
        )
        office_of = {office.region_id: office for office in district_offices}
        street_offices = bulk(
            Unit,
            [
                unit(
                    f"{s.code[4:9]}-JD",
                    f"{s.name}办事处",
                    "street_office",
                    s,
                    office_of[s.parent_id],
                )
                for s in streets
            ],
        )

        user_model = get_user_model()
        unusable = make_password(None)
        city_staff, *district_staff = bulk(
            user_model,
            [user_model(username="city_staff", full_name="市文明办科员", password=unusable)]
            + [
                user_model(
                    username=f"district{n:02d}", full_name=f"区文明办科员{n}", password=unusable
                )
                for n in range(1, shape.districts + 1)
            ],
        )
        bulk(
            Membership,
            [Membership(user=city_staff, role="office_staff", region=city, title="综合科科员")]
            + [
                Membership(user=user, role="office_staff", region=district, title="区文明办科员")
                for user, district in zip(district_staff, districts, strict=True)
            ],
        )
    return {
        "regions": Region.objects.count(),
        "units": 1 + len(district_offices) + len(street_offices),
        "users": 1 + len(district_staff),
        "memberships": 1 + len(district_staff),
    }


# Timing ----------------------------------------------------------------------------------


@dataclass
class Row:
    """One measurement: its samples in milliseconds, statements per run and rows it found."""

    key: str
    label: str
    samples: list
    queries: int
    rows: int | None = None

    @property
    def best(self) -> float:
        return min(self.samples)

    @property
    def median(self) -> float:
        ordered = sorted(self.samples)
        middle = len(ordered) // 2
        if len(ordered) % 2:
            return ordered[middle]
        return (ordered[middle - 1] + ordered[middle]) / 2

    @property
    def p95(self) -> float:
        ordered = sorted(self.samples)
        return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def measure(key, label, fn, repeat, *, warmups=1):
    """Run `fn` once under CaptureQueriesContext, warm up, then time it `repeat` times."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        result = fn()
    # Read now: a request through the test client clears the query log when not capturing.
    queries = len(captured.captured_queries)
    for _ in range(warmups):
        fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    rows = result if isinstance(result, int) else None
    row = Row(key, label, samples, queries, rows)
    print(
        f"  {label:<62} median {_ms(row.median):>8} ms  p95 {_ms(row.p95):>8} ms"
        f"  {row.queries} quer{'y' if row.queries == 1 else 'ies'}",
        flush=True,
    )
    return row


def _ms(value: float) -> str:
    return f"{value:.2f}" if value < 100 else f"{value:.0f}"


def statements(fn) -> list[tuple[str, object]]:
    """The (sql, params) pairs `fn` sends, exactly as Django passes them to the driver."""
    from django.db import connection

    calls = []

    def hook(execute, sql, params, many, context):
        calls.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(hook):
        fn()
    return calls


def explain(sql: str, params) -> str:
    """SQLite's EXPLAIN QUERY PLAN as a tree, or PostgreSQL's EXPLAIN (ANALYZE, BUFFERS)."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
            depth = {0: -1}
            lines = []
            for node, parent, _unused, detail in cursor.fetchall():
                depth[node] = depth.get(parent, -1) + 1
                lines.append("  " * depth[node] + detail)
            return "\n".join(lines)
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        return "\n".join(line for (line,) in cursor.fetchall())


def verdict(plan: str, vendor: str) -> str:
    """How the plan reaches the region table: an index range, or a scan with LIKE as a filter."""
    if vendor == "sqlite":
        search = re.search(
            r"SEARCH regions_region USING (?:COVERING )?INDEX (\S+) \(([^)]*)\)", plan
        )
        if search:
            return f"index range search on {search.group(1)} ({search.group(2)})"
        scan = re.search(r"SCAN regions_region(?: USING (COVERING )?INDEX (\S+))?", plan)
        if not scan:
            return "no access to regions_region"
        if not scan.group(2):
            return "full table scan"
        if scan.group(1):
            return f"full scan of every entry of {scan.group(2)}, LIKE tested on each"
        return (
            f"scan of {scan.group(2)} in path order from the start, LIKE tested on each row "
            "until the page is full (no index range: every row sorting before the subtree is read)"
        )
    # PostgreSQL: the node that reads the region table itself (not the parent alias t2).
    node = re.search(
        r"(Seq Scan|Bitmap Heap Scan|Index Only Scan|Index Scan)(?: using (\S+))? "
        r"on regions_region  \(",
        plan,
    )
    if not node:
        return "no access to regions_region"
    removed = re.search(r"Rows Removed by Filter: (\d+)", plan[node.start() :])
    count = int(removed.group(1)) if removed else 0
    thrown = f", {count:,} row{'' if count == 1 else 's'} read and discarded" if count else ""
    if node.group(1) == "Seq Scan":
        return f"sequential scan of the whole table{thrown}"
    if node.group(1) == "Bitmap Heap Scan":
        index = re.search(r"Bitmap Index Scan on (\S+)", plan)
        return f"bitmap index range scan on {index.group(1)}"
    detail = plan[node.end() :].split("->", 1)[0]
    if "Index Cond" in detail:
        return f"{node.group(1).lower()} range on {node.group(2)}"
    return (
        f"{node.group(1).lower()} on {node.group(2)} from its start, in index order, with the "
        f"condition tested on each row (no index range){thrown}"
    )


# The child: one database -----------------------------------------------------------------


def configure(database: str, postgres_url: str) -> None:
    """Point Django at the scratch database; must run before django.setup()."""
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    os.environ["DJANGO_SETTINGS_MODULE"] = "wenming.settings"
    os.environ["DEBUG"] = "true"
    os.environ["WENMING_VAR_DIR"] = str(VAR_DIR)
    os.environ["ALLOWED_HOSTS"] = "testserver"
    if database == "sqlite":
        _remove_sqlite()
        os.environ["DATABASE_URL"] = f"sqlite:///{SQLITE_PATH}"
    else:
        os.environ["DATABASE_URL"] = postgres_url


def _remove_sqlite() -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{SQLITE_PATH}{suffix}").unlink(missing_ok=True)


def run_one(database: str, regions: int, repeat: int, postgres_url: str) -> dict:
    """Migrate, generate and measure on one database; return the figures."""
    shape = Shape.for_regions(regions)
    configure(database, postgres_url)

    import django

    django.setup()

    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from wenming.core.permissions import forget_memberships
    from wenming.regions.models import Region

    vendor = connection.vendor
    label = DATABASE_LABELS[database]
    if vendor == "sqlite":
        version = f"SQLite {connection.Database.sqlite_version}"
        collation = "BINARY"
    else:
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            (server,) = cursor.fetchone()
            cursor.execute("SHOW lc_collate")
            (collation,) = cursor.fetchone()
        version = f"PostgreSQL {server} (lc_collate {collation})"
    print(f"\n== {label}: {version}", flush=True)

    start = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    migrate_seconds = time.perf_counter() - start
    start = time.perf_counter()
    made = generate(shape)
    generate_seconds = time.perf_counter() - start
    start = time.perf_counter()
    with connection.cursor() as cursor:
        # PostgreSQL's autovacuum would do this shortly after a load; SQLite only when asked.
        cursor.execute("ANALYZE")
    analyze_seconds = time.perf_counter() - start
    print(
        f"  migrate {migrate_seconds:.1f} s, {made['regions']:,} regions in "
        f"{generate_seconds:.1f} s, ANALYZE {analyze_seconds:.1f} s",
        flush=True,
    )
    # Query logging (DEBUG) costs a round trip per statement on SQLite: off while timing;
    # CaptureQueriesContext still counts the statements of each measurement.
    settings.DEBUG = False

    table = Region._meta.db_table
    districts = list(Region.objects.filter(level=Region.Level.DISTRICT).order_by("path"))
    district = districts[len(districts) // 2]
    prefix = district.path
    # Paths are codes and '/', and '0' is the character right after '/': every path in the
    # subtree sorts in [prefix, prefix without its last '/' + '0').
    upper = prefix[:-1] + "0"
    user_model = get_user_model()
    staff = user_model.objects.get(username=f"district{len(districts) // 2 + 1:02d}")
    city_staff = user_model.objects.get(username="city_staff")
    assert staff.memberships.get().region_id == district.pk

    def subtree_count():
        """The project's own subtree query, whatever its lookup compiles to."""
        return Region.objects.subtree(district).count()

    def startswith_count():
        """Django's `__startswith`: LIKE 'p%' (ESCAPE '\\' on SQLite)."""
        return Region.objects.filter(path__startswith=prefix).count()

    range_sql = f"SELECT COUNT(*) FROM {table} WHERE path >= %s AND path < %s"  # noqa: S608

    def range_count():
        with connection.cursor() as cursor:
            cursor.execute(range_sql, [prefix, upper])
            return cursor.fetchone()[0]

    def naive_walk():
        total, frontier = 1, [district.pk]
        while frontier:
            frontier = list(
                Region.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)
            )
            total += len(frontier)
        return total

    cte_sql = (
        f"WITH RECURSIVE subtree(id) AS (SELECT id FROM {table} WHERE id = %s "  # noqa: S608
        f"UNION ALL SELECT r.id FROM {table} r JOIN subtree s ON r.parent_id = s.id) "
        "SELECT COUNT(*) FROM subtree"
    )

    def cte_count():
        with connection.cursor() as cursor:
            cursor.execute(cte_sql, [district.pk])
            return cursor.fetchone()[0]

    def restrict_count(user):
        def run():
            forget_memberships(user)  # as in a request: the memberships are read afresh
            return Region.objects.restrict(user, "view").count()

        return run

    def first_page(user):
        def run():
            forget_memberships(user)
            rows = list(
                Region.objects.restrict(user, "view")
                .select_related("parent")
                .order_by("path")[:PAGE_SIZE]
            )
            assert len(rows) == PAGE_SIZE
            return len(rows)

        return run

    def page_where(**lookups):
        def run():
            rows = list(
                Region.objects.filter(**lookups)
                .select_related("parent")
                .order_by("path")[:PAGE_SIZE]
            )
            assert len(rows) == PAGE_SIZE
            return len(rows)

        return run

    startswith_page = page_where(path__startswith=prefix)
    range_page = page_where(path__gte=prefix, path__lt=upper)

    def api_list(user, expected):
        client = Client()
        client.force_login(user)

        def run():
            response = client.get(f"/api/regions/?page_size={PAGE_SIZE}")
            assert response.status_code == 200, response.status_code
            body = response.json()
            assert body["count"] == expected, (body["count"], expected)
            assert len(body["results"]) == PAGE_SIZE
            return body["count"]

        return run

    expected = subtree_count()
    checks = {
        "subtree()": expected,
        "startswith": startswith_count(),
        "range": range_count(),
        "naive walk": naive_walk(),
        "recursive CTE": cte_count(),
        "restrict (district staff)": restrict_count(staff)(),
    }
    assert len(set(checks.values())) == 1, f"the subtree counts disagree: {checks}"
    everything = Region.objects.count()
    assert restrict_count(city_staff)() == everything

    rows = []
    plans = []

    def run(key, label, fn, **options):
        rows.append(measure(key, label, fn, repeat, **options))

    def plan_of(key, title, fn, *, statement=-1):
        sql, params = statements(fn)[statement]
        plan = explain(sql, params)
        plans.append(
            {
                "key": key,
                "title": title,
                "sql": sql,
                "params": [str(p) for p in params or []],
                "plan": plan,
                "verdict": verdict(plan, vendor),
            }
        )

    where = f"district {district.code}, {expected:,} regions"
    run("subtree", f"1  subtree(district).count(), the project's lookup ({where})", subtree_count)
    run("startswith", "1a path__startswith count (Django's LIKE)", startswith_count)
    run("range", "1b path >= p AND path < p' count (raw SQL)", range_count)
    run("walk", "2  naive walk: parent_id IN (…) per level", naive_walk)
    run("cte", "2b WITH RECURSIVE on parent_id (raw SQL)", cte_count)
    run("restrict_count", "3  restrict(district staff).count()", restrict_count(staff))
    run(
        "restrict_page",
        f"3b restrict(district staff) first page ({PAGE_SIZE}, select_related parent)",
        first_page(staff),
    )
    run(
        "restrict_count_city",
        f"3c restrict(city staff).count() ({everything:,} regions)",
        restrict_count(city_staff),
    )
    run(
        "restrict_page_city",
        f"3d restrict(city staff) first page ({PAGE_SIZE})",
        first_page(city_staff),
    )
    run("startswith_page", "3e first page by path__startswith (Django's LIKE)", startswith_page)
    run("range_page", "3f first page by path__gte/path__lt (ORM range)", range_page)
    page_label = f"GET /api/regions/?page_size={PAGE_SIZE}"
    run("api", f"4  {page_label} as district staff", api_list(staff, expected), warmups=2)
    run("api_city", f"4b {page_label} as city staff", api_list(city_staff, everything), warmups=2)

    plan_of("subtree", "1 subtree(district).count()", subtree_count)
    plan_of("startswith", "1a path__startswith count", startswith_count)
    plan_of("range", "1b range count", range_count)
    plan_of("walk", "2 naive walk, second level (parent_id IN …)", naive_walk, statement=1)
    forget_memberships(staff)
    plan_of("restrict_page", "3b restrict(district staff) first page", first_page(staff))
    plan_of("startswith_page", "3e first page by path__startswith", startswith_page)
    plan_of("range_page", "3f first page by range", range_page)

    if vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA case_sensitive_like = ON")
        try:
            run(
                "startswith_csl",
                "1c path__startswith count, PRAGMA case_sensitive_like=ON",
                startswith_count,
            )
            plan_of(
                "startswith_csl",
                "1c path__startswith count, PRAGMA case_sensitive_like=ON",
                startswith_count,
            )
        finally:
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA case_sensitive_like = OFF")

    if vendor == "postgresql":
        # Two experiments, each in a transaction that is rolled back.
        like_index = next(
            name
            for name in _index_names(connection, table)
            if name.startswith(f"{table}_path_") and name.endswith("_like")
        )
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f'DROP INDEX "{like_index}"')
            plan_of(
                "startswith_no_like_index",
                f"1a path__startswith count with {like_index} dropped (rolled back)",
                startswith_count,
            )
            transaction.set_rollback(True)
        # In the "C" collation the plain unique index serves LIKE 'p%' and ORDER BY path.
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f'ALTER TABLE {table} ALTER COLUMN path TYPE varchar(400) COLLATE "C"')
            cursor.execute(f"ANALYZE {table}")
            collate = 'path COLLATE "C" (rolled back)'
            run("subtree_c", f"1d subtree(district).count(), {collate}", subtree_count)
            run(
                "restrict_page_c",
                f"3g restrict(district staff) first page, {collate}",
                first_page(staff),
            )
            plan_of("subtree_c", f"1d subtree(district).count(), {collate}", subtree_count)
            forget_memberships(staff)
            plan_of(
                "restrict_page_c",
                f"3g restrict(district staff) first page, {collate}",
                first_page(staff),
            )
            transaction.set_rollback(True)

    api_run = api_list(staff, expected)  # signs in outside the capture
    with CaptureQueriesContext(connection) as captured:
        api_run()
    api_statements = [query["sql"] for query in captured.captured_queries]

    result = {
        "database": database,
        "version": version,
        "collation": collation,
        "shape": asdict(shape),
        "made": made,
        "migrate_seconds": migrate_seconds,
        "generate_seconds": generate_seconds,
        "analyze_seconds": analyze_seconds,
        "district": {"code": district.code, "path": prefix, "subtree": expected},
        "repeat": repeat,
        "rows": [
            {**asdict(row), "best": row.best, "median": row.median, "p95": row.p95} for row in rows
        ],
        "plans": plans,
        "api_statements": api_statements,
        "indexes": _indexes(connection, table),
    }
    connection.close()
    if database == "sqlite":
        _remove_sqlite()
    return result


def _index_names(connection, table) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = %s", [table])
        return [name for (name,) in cursor.fetchall()]


def _indexes(connection, table) -> list[str]:
    """The indexes on the region table, as the database describes them."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"PRAGMA index_list({table})")
            described = []
            for _seq, name, unique, origin, _partial in cursor.fetchall():
                cursor.execute(f'PRAGMA index_xinfo("{name}")')
                columns = [
                    f"{column} COLLATE {collation}"
                    for _seqno, _cid, column, _desc, collation, key in cursor.fetchall()
                    if key and column
                ]
                kind = "UNIQUE " if unique else ""
                described.append(f"{kind}{name} ({', '.join(columns)}) [origin {origin}]")
            return described
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = %s ORDER BY indexname", [table]
        )
        return [definition for (definition,) in cursor.fetchall()]


# The parent: scratch databases, the table, the docs ------------------------------------------


def _scratch_postgres(url: str, *, create: bool) -> None:
    """Create (after dropping any leftover) or drop the scratch PostgreSQL database."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if "bench" not in name:
        raise SystemExit(f"refusing to create or drop {name!r}: a scratch name contains 'bench'")
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        if create:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _run_child(database: str, args) -> dict:
    result_path = VAR_DIR / f"result-{database}.json"
    result_path.unlink(missing_ok=True)
    command = [
        sys.executable,
        "-m",
        "bench.regions",
        "--child",
        database,
        "--regions",
        str(args.regions),
        "--repeat",
        str(args.repeat),
        "--postgres-url",
        args.postgres_url,
        "--result",
        str(result_path),
    ]
    subprocess.run(command, cwd=BASE_DIR, check=True)  # noqa: S603  (our own module, fixed args)
    return json.loads(result_path.read_text())


def machine_facts(command: str, results: list[dict]) -> dict:
    from importlib.metadata import version

    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        match = re.search(r"MemTotal:\s+(\d+) kB", meminfo.read_text())
        if match:
            memory = f"{int(match.group(1)) / 1024 / 1024:.1f} GiB"
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        match = re.search(r"model name\s*:\s*(.+)", cpuinfo.read_text())
        if match:
            cpu = match.group(1).strip()
    code = "unknown (not a git work tree)"
    try:
        git = ["git", "-C", str(BASE_DIR)]
        head = subprocess.run(  # noqa: S603  (fixed arguments)
            [*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(  # noqa: S603  (fixed arguments)
            [*git, "status", "--porcelain", "--", "wenming"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        code = f"commit {head}" + (", with uncommitted changes under wenming/" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        pass
    load = (
        ", ".join(f"{value:.2f}" for value in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    )
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "code": code,
        "load": load,
        "command": command,
        "nproc": cpus,
        "cpu": cpu,
        "memory": memory,
        "os": platform.platform(),
        "python": platform.python_version(),
        "django": version("django"),
        "databases": [r["version"] for r in results],
    }


def _ratio(numerator: float, denominator: float) -> str:
    return f"{numerator / denominator:.1f}×" if denominator else "–"


def table(results: list[dict]) -> str:
    """The figures as a Markdown table: one row per measurement, columns per database."""
    by_key = {}
    order = []
    for result in results:
        for row in result["rows"]:
            if row["key"] not in by_key:
                by_key[row["key"]] = {"label": row["label"]}
                order.append(row["key"])
            by_key[row["key"]][result["database"]] = row
    header = ["measurement"]
    for result in results:
        name = DATABASE_LABELS[result["database"]]
        header += [f"{name} best", f"{name} median", f"{name} p95", f"{name} queries"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" + "---:|" * (len(header) - 1)]
    for key in sorted(order, key=lambda k: _order(by_key[k]["label"])):
        cells = [by_key[key]["label"]]
        for result in results:
            row = by_key[key].get(result["database"])
            if row is None:
                cells += ["n/a"] * 4
            else:
                cells += [
                    _ms(row["best"]),
                    _ms(row["median"]),
                    _ms(row["p95"]),
                    str(row["queries"]),
                ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def ratios(results: list[dict]) -> str:
    """Median ratios that tell the story, as a Markdown table."""
    specs = [
        ("naive walk (2) ÷ subtree() (1)", "walk", "subtree"),
        ("naive walk (2) ÷ raw range (1b)", "walk", "range"),
        ("WITH RECURSIVE (2b) ÷ subtree() (1)", "cte", "subtree"),
        ("path__startswith (1a) ÷ subtree() (1)", "startswith", "subtree"),
        ("path__startswith (1a) ÷ raw range (1b)", "startswith", "range"),
        (
            "path__startswith (1a) ÷ same with case_sensitive_like (1c)",
            "startswith",
            "startswith_csl",
        ),
        ("first page: restrict (3b) ÷ ORM range (3f)", "restrict_page", "range_page"),
        ("first page: path__startswith (3e) ÷ ORM range (3f)", "startswith_page", "range_page"),
        (
            'first page: restrict (3b) ÷ restrict with path COLLATE "C" (3g)',
            "restrict_page",
            "restrict_page_c",
        ),
        ("API as city staff (4b) ÷ API as district staff (4)", "api_city", "api"),
    ]
    header = ["ratio of medians", *(DATABASE_LABELS[r["database"]] for r in results)]
    lines = ["| " + " | ".join(header) + " |", "|---|" + "---:|" * len(results)]
    for title, top, bottom in specs:
        cells = []
        for result in results:
            rows = {row["key"]: row for row in result["rows"]}
            if top in rows and bottom in rows:
                cells.append(_ratio(rows[top]["median"], rows[bottom]["median"]))
            else:
                cells.append("n/a")
        if any(cell != "n/a" for cell in cells):
            lines.append(f"| {title} | " + " | ".join(cells) + " |")
    if len(results) == 2:
        first, second = ({row["key"]: row for row in r["rows"]} for r in results)
        lines.append("")
        lines.append(
            f"| {DATABASE_LABELS[results[1]['database']]} ÷ "
            f"{DATABASE_LABELS[results[0]['database']]}, median | ratio |"
        )
        lines.append("|---|---:|")
        for key, row in sorted(first.items(), key=lambda item: _order(item[1]["label"])):
            if key in second:
                lines.append(f"| {row['label']} | {_ratio(second[key]['median'], row['median'])} |")
    return "\n".join(lines)


def _order(label: str) -> str:
    return label.split()[0]


def _where(sql: str) -> str:
    """The WHERE clause of a statement, for the findings."""
    clause = sql.split(" WHERE ", 1)[-1]
    clause = re.split(r" ORDER BY | LIMIT ", clause)[0].replace('"regions_region".', "")
    return re.sub(r"\((?:%s, )+%s\)", lambda m: f"(%s × {m.group(0).count('%s')})", clause)


def findings(results: list[dict]) -> list[str]:
    """Plain statements read off the plans and the figures, not written in advance."""
    notes = []
    for result in results:
        name = DATABASE_LABELS[result["database"]]
        rows = {row["key"]: row for row in result["rows"]}
        for plan in sorted(result["plans"], key=lambda plan: _order(plan["title"])):
            notes.append(f"{name}, {plan['title']}: `{_where(plan['sql'])}` → {plan['verdict']}.")
        notes.append(
            f"{name}: the naive level-by-level walk sends {rows['walk']['queries']} queries and "
            f"takes {_ratio(rows['walk']['median'], rows['subtree']['median'])} the time of "
            "`subtree()`."
        )
        notes.append(
            f"{name}: one region API list request sends {rows['api']['queries']} SQL statements "
            f"and takes {_ms(rows['api']['median'])} ms (median) for district staff, "
            f"{_ms(rows['api_city']['median'])} ms for city staff."
        )
    return notes


def explanations(results: list[dict]) -> list[str]:
    """Why the plans look as they do; each paragraph only when the run showed it."""
    paragraphs = []
    for result in results:
        plans = {plan["key"]: plan for plan in result["plans"]}
        rows = {row["key"]: row for row in result["rows"]}
        median = {key: _ms(row["median"]) for key, row in rows.items()}
        size = f"{result['district']['subtree']:,}"
        own = plans["subtree"]
        own_is_range = "range" in own["verdict"] and "no index range" not in own["verdict"]
        if result["database"] == "sqlite" and plans["startswith"]["verdict"].startswith("full"):
            paragraphs.append(
                "**SQLite and `__startswith`.** Django compiles `__startswith` to "
                "`LIKE 'p%' ESCAPE '\\'`. SQLite's LIKE ignores ASCII case by default, and its "
                "LIKE optimisation then needs an index in the NOCASE collation; the unique "
                "index on `path` is BINARY, so `path__startswith` reads the whole index: "
                f"{median['startswith']} ms for a {size}-region subtree (1a), and every "
                "subtree costs the same whole-index read whatever its size. The range "
                "`path >= p AND path < p'` is an index range search: "
                f"{median['range']} ms (1b), "
                f"{_ratio(rows['startswith']['median'], rows['range']['median'])} faster; the "
                f"ordered first page goes from {median['startswith_page']} ms (3e) to "
                f"{median['range_page']} ms (3f). `PRAGMA case_sensitive_like = ON` brings the "
                f"range search back too ({median['startswith_csl']} ms, 1c) but is no fix: "
                "Django's SQLite backend compiles `iexact`, `icontains` and `istartswith` to "
                "the same LIKE and relies on it ignoring case, so the pragma would make "
                "`code__iexact` and `name__icontains` case-sensitive on that connection."
            )
            paragraphs.append(
                "**The project's subtree lookup on SQLite.** `subtree()` and `restrict` compile "
                f"to `{_where(own['sql'])}`: {own['verdict']}, {median['subtree']} ms (1) and "
                f"{median['restrict_count']} ms with the membership query (3)."
                + (
                    ""
                    if own_is_range
                    else " That is the slow path above; a range lookup would fix it."
                )
            )
        if result["database"] == "postgres":
            text = (
                "**PostgreSQL.** The `_like` index (`varchar_pattern_ops`) that Django adds for "
                "a unique CharField makes `LIKE 'p%'` an index range scan "
                f"({median['startswith']} ms, 1a)"
            )
            if "startswith_no_like_index" in plans:
                text += f"; without it: {plans['startswith_no_like_index']['verdict']}"
            text += f". `subtree()` compiles to `{_where(own['sql'])}`: {own['verdict']}."
            page = plans["restrict_page"]["verdict"]
            if "no index range" in page and "restrict_page_c" in rows:
                text += (
                    " That index cannot return rows in `ORDER BY path` order under the "
                    f"database collation ({result['collation']}), so the first page of a list "
                    f"walks the plain unique index from the start and tests each row ({page}): "
                    f"the later a district sorts, the slower its first page "
                    f'({median["restrict_page"]} ms here, 3b). With `path` in the "C" '
                    "collation (tried in a rolled-back transaction) the plain index serves the "
                    f"prefix and the order at once: {median['restrict_page_c']} ms (3g), and "
                    f"{median['subtree_c']} ms for the count (1d). A range "
                    "`path >= p AND path < p'` is exact wherever the collation compares these "
                    "strings of digits and '/' character by character with '/' below '0', as "
                    "C, C.UTF-8, ICU and SQLite's BINARY do; under a glibc locale that weighs "
                    "punctuation differently it may not be, so check before relying on it."
                )
            paragraphs.append(text)
    return paragraphs


def _shorten(sql: str, width: int = 140) -> str:
    """A statement on one line: column lists and long literals elided."""
    sql = re.sub(r"^SELECT (?!COUNT\(|1 )(.{40,}?) FROM ", "SELECT … FROM ", sql)
    sql = re.sub(r"'[^']{20,}'", "'…'", sql)
    return sql if len(sql) <= width else sql[: width - 1] + "…"


def write_docs(path: Path, facts: dict, results: list[dict]) -> None:
    first = results[0]
    shape = first["shape"]
    made = first["made"]
    lines = [
        "# Benchmarks",
        "",
        "Written by `python -m bench.regions` (or `make bench`); rerun it to refresh this page.",
        "Benchmarks are never part of the test suite.",
        "",
        f"## Region tree and scoping at {made['regions']:,} regions",
        "",
        f"The tree: 1 city, {shape['districts']:,} districts, {shape['streets']:,} streets, "
        f"{shape['communities']:,} communities and {shape['grids']:,} grids: "
        f"**{made['regions']:,} regions**, with {made['units']:,} units, {made['users']:,} "
        f"accounts and {made['memberships']:,} office staff memberships (one at the city, one "
        "per district). Paths are codes joined by '/', as `TreeNode.build_path` makes them.",
        "",
        f"Measured on the middle district `{first['district']['code']}` "
        f"(path `{first['district']['path']}`, {first['district']['subtree']:,} regions in its "
        f"subtree) and its office staff. Every figure is in milliseconds over "
        f"{first['repeat']} runs after a warm-up (`time.perf_counter`): best, median and p95 "
        "(nearest rank). *Queries* is the number of SQL statements one run sends "
        "(`CaptureQueriesContext`). Query logging is off while timing. `ANALYZE` runs once "
        "after the load. The API figures go through the whole stack with `django.test.Client` "
        "and `force_login`: session, memberships, the pagination count and the page.",
        "",
        "### Machine",
        "",
        f"- date: {facts['date']}",
        f"- command: `{facts['command']}`",
        f"- code: {facts['code']}",
        f"- `nproc`: {facts['nproc']} ({facts['cpu']}), memory {facts['memory']}, load average "
        f"{facts['load']} (1, 5, 15 min) when the run ended",
        f"- {facts['os']}, Python {facts['python']}, Django {facts['django']}",
        *(f"- {db}" for db in facts["databases"]),
        "",
        "Loading: "
        + "; ".join(
            f"{DATABASE_LABELS[r['database']]} migrate {r['migrate_seconds']:.1f} s, "
            f"bulk_create {r['generate_seconds']:.1f} s, ANALYZE {r['analyze_seconds']:.1f} s"
            for r in results
        )
        + ".",
        "",
        "### Figures (ms)",
        "",
        table(results),
        "",
        "### Ratios",
        "",
        ratios(results),
        "",
        "### What the plans show",
        "",
        *(f"- {note}" for note in findings(results)),
        "",
    ]
    if explanations(results):
        lines += ["### Why", ""]
        for paragraph in explanations(results):
            lines += [paragraph, ""]
    for result in results:
        name = DATABASE_LABELS[result["database"]]
        lines += [f"### The statements of one API request, {name}", ""]
        lines += [f"1. `{_shorten(sql)}`" for sql in result["api_statements"]]
        lines += ["", f"### Indexes on regions_region, {name}", ""]
        lines += [f"- `{index}`" for index in result["indexes"]]
        lines += ["", f"### Plans, {name}", ""]
        for plan in sorted(result["plans"], key=lambda plan: _order(plan["title"])):
            lines += [
                f"**{plan['title']}**: {plan['verdict']}.",
                "",
                "```sql",
                plan["sql"],
                f"-- params: {plan['params']}",
                "```",
                "",
                "```",
                plan["plan"],
                "```",
                "",
            ]
    # Other benchmarks' sections (bench.api_lists) stay on the page, after this one.
    kept = []
    if path.exists():
        kept = [
            match.group(0)
            for match in re.finditer(
                r"<!-- (bench\.\w+): start -->.*?<!-- \1: end -->", path.read_text(), re.S
            )
        ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n\n".join(["\n".join(lines).rstrip(), *kept]) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.regions", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--regions", type=int, default=REFERENCE_REGIONS, help="regions in the tree"
    )
    parser.add_argument("--database", choices=[*DATABASES, "both"], default="both")
    parser.add_argument("--repeat", type=int, default=20, help="timed runs per measurement")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL),
        help="scratch PostgreSQL database, created and dropped (its name must contain 'bench')",
    )
    parser.add_argument("--output", type=Path, default=DOCS_PATH, help="Markdown file to write")
    parser.add_argument("--no-output", action="store_true", help="print only, write no file")
    parser.add_argument("--child", choices=DATABASES, help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    if args.regions < MIN_REGIONS:
        parser.error(f"--regions must be at least {MIN_REGIONS:,} (a district needs a full page)")
    try:
        Shape.for_regions(args.regions)
    except ValueError as error:
        parser.error(str(error))

    if args.child:
        try:
            result = run_one(args.child, args.regions, args.repeat, args.postgres_url)
        finally:
            if args.child == "sqlite":
                _remove_sqlite()
        args.result.write_text(json.dumps(result, ensure_ascii=False, indent=1))
        return 0

    VAR_DIR.mkdir(parents=True, exist_ok=True)
    command = "python -m bench.regions " + " ".join(argv if argv is not None else sys.argv[1:])
    started = time.perf_counter()
    results = []
    for database in DATABASES if args.database == "both" else (args.database,):
        if database == "postgres":
            try:
                _scratch_postgres(args.postgres_url, create=True)
            except Exception as error:
                if args.database == "both":
                    print(f"\nPostgreSQL skipped: {error}", file=sys.stderr)
                    continue
                raise
            try:
                results.append(_run_child(database, args))
            finally:
                _scratch_postgres(args.postgres_url, create=False)
        else:
            results.append(_run_child(database, args))

    facts = machine_facts(command.strip(), results)
    print(f"\n{table(results)}\n\n{ratios(results)}\n")
    for note in findings(results):
        print(f"- {note}")
    for paragraph in explanations(results):
        print(f"\n{paragraph}")
    if not args.no_output:
        write_docs(args.output, facts, results)
        print(f"\nwritten to {args.output}")
    print(f"total {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
