"""Throughput of every API list endpoint beside bare DRF and the values() floor, in one run.

    python -m bench.api_lists [--duration S] [--rounds R] [--warmup S] [--connections N]
                              [--workers W] [--endpoint NAME]...

On a scratch PostgreSQL database (`wenming_bench_api`, dropped and created first, dropped at
the end) with the demo city loaded, the script starts gunicorn with W sync workers on a
free local port under production settings (DEBUG off, persistent checked connections) plus
the bench URLconf (bench/settings.py), which mounts two comparison views per endpoint
(bench/views.py): a bare DRF `ListAPIView` (same serializer with DRF's stock
`to_representation`, same page size, same authentication) and the values() floor (the same
page through `values()` and `JsonResponse`). A load generator in this process (N threads,
one keep-alive HTTP/1.1 connection each, reconnecting when the server closes it) calls each
variant for a warm-up and then S seconds in R short turns, the variants of an endpoint
taking turns in a rotating order (so a change in the machine's load falls on all alike), as
the demo city's office staff at the city with an API token. It prints req/s, p50 and p95
latency and the two ratios, and writes them to docs/benchmarks.md (its own section; the
rest of the page is kept).

Before the load, one request per endpoint is profiled in-process (cProfile over 100 calls)
and split into the phases of a DRF list: authentication, permission, queryset and scoping,
filter backends, the count, serialization and rendering, and the SQL time within them.
"""

import argparse
import cProfile
import http.client
import json
import os
import pstats
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

from bench.regions import BASE_DIR, VAR_DIR, _scratch_postgres, machine_facts

DOCS_PATH = BASE_DIR / "docs" / "benchmarks.md"
DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/wenming_bench_api"
ENDPOINTS = {
    "regions": "/api/regions/",
    "units": "/api/units/",
    "frameworks": "/api/frameworks/",
    "indicators": "/api/indicators/",
    "ledger-entries": "/api/ledger-entries/",
    "tokens": "/api/tokens/",
}
VARIANTS = ("api", "drf", "values")
VARIANT_LABELS = {"api": "endpoint", "drf": "bare DRF", "values": "values() floor"}
DEMO_PASSWORD = "Bench-Demo-2026!x"  # noqa: S105  (demo accounts of a scratch database)
USERNAME = "city_staff"
# Extra tokens so the token list has more than the one the benchmark signs in with.
EXTRA_TOKENS = 9
START_MARKER = "<!-- bench.api_lists: start -->"
END_MARKER = "<!-- bench.api_lists: end -->"
PROFILE_CALLS = 100

# Phases of a DRF list request, by the functions cProfile sees (cumulative time).
PHASES = [
    ("authentication", "rest_framework/views.py", "perform_authentication"),
    ("permission", "rest_framework/views.py", "check_permissions"),
    ("queryset and scoping", "wenming/", "get_queryset"),
    ("filter backends", "rest_framework/generics.py", "filter_queryset"),
    ("count", "django/core/paginator.py", "count"),
    ("serialization", "rest_framework/serializers.py", "data"),
    ("rendering", "rest_framework/response.py", "rendered_content"),
    ("SQL (all statements)", "django/db/backends/utils.py", "execute"),
]


def variant_path(name: str, variant: str) -> str:
    return ENDPOINTS[name] if variant == "api" else f"/bench/{name}/{variant}/"


def server_environment(postgres_url: str) -> dict:
    """Production settings: DEBUG off, a secret key, plain HTTP on the loopback."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABASE_", "DJANGO_", "CACHE_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        DEBUG="false",
        SECRET_KEY="bench-only-" + "k" * 50,
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        SECURE_SSL_REDIRECT="false",
        DATABASE_URL=postgres_url,
        WENMING_VAR_DIR=str(VAR_DIR),
        PYTHONPATH=str(BASE_DIR),
    )
    return env


# Children: preparing the database, profiling ---------------------------------------------


def prepare() -> dict:
    """Migrate, load the demo city, make the benchmark account's tokens; return its key."""
    import django

    django.setup()
    from django.core.management import call_command

    from wenming.accounts import services
    from wenming.accounts.models import User

    call_command("migrate", interactive=False, verbosity=0)
    with open(os.devnull, "w") as quiet:
        call_command("load_demo", password=DEMO_PASSWORD, stdout=quiet)
    user = User.objects.get(username=USERNAME)
    for number in range(EXTRA_TOKENS):
        services.create_api_token(user, name=f"bench {number}")
    _token, key = services.create_api_token(user, name="bench")
    with django.db.connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"key": key}


def profile(key: str) -> dict:
    """Per endpoint: ms per request and per phase, from cProfile over PROFILE_CALLS calls."""
    import django

    django.setup()
    from django.test import Client

    client = Client(HTTP_AUTHORIZATION=f"Token {key}")
    found = {}
    for name, path in ENDPOINTS.items():
        for _ in range(5):
            assert client.get(path).status_code == 200
        profiler = cProfile.Profile()
        started = time.perf_counter()
        profiler.enable()
        for _ in range(PROFILE_CALLS):
            client.get(path)
        profiler.disable()
        total = (time.perf_counter() - started) / PROFILE_CALLS * 1000
        stats = pstats.Stats(profiler).stats
        phases = {}
        for label, file_part, function in PHASES:
            # The outermost of same-named functions (ListSerializer.data calls
            # Serializer.data): the largest cumulative time, not their sum.
            cumulative = max(
                (
                    entry[3]
                    for (filename, _line, func), entry in stats.items()
                    if func == function and file_part in filename
                ),
                default=0.0,
            )
            phases[label] = cumulative / PROFILE_CALLS * 1000
        found[name] = {"total": total, "phases": phases}
    return found


# The load ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(port: int, path: str, headers: dict) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def hammer(port: int, path: str, headers: dict, seconds: float, connections: int) -> dict:
    """`connections` threads calling `path` for `seconds`; latencies and failures."""
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def worker():
        mine, bad = [], []
        connection = None
        while time.perf_counter() < deadline:
            if connection is None:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            started = time.perf_counter()
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
            except (OSError, http.client.HTTPException) as error:
                bad.append(type(error).__name__)
                connection.close()
                connection = None
                continue
            mine.append(time.perf_counter() - started)
            if response.status != 200:
                bad.append(str(response.status))
            if response.will_close:
                connection.close()
                connection = None
        if connection is not None:
            connection.close()
        with lock:
            latencies.extend(mine)
            failures.extend(bad)

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {
        "latencies": latencies,
        "seconds": time.perf_counter() - started,
        "failures": failures,
    }


def summarise(runs: list[dict]) -> dict:
    """Requests a second over all runs of a variant, latency percentiles (nearest rank)."""
    latencies = sorted(value for run in runs for value in run["latencies"])
    seconds = sum(run["seconds"] for run in runs)
    failures = [kind for run in runs for kind in run["failures"]]

    def rank(share):
        if not latencies:
            return 0.0
        return latencies[max(0, -(-len(latencies) * share // 100) - 1)] * 1000

    return {
        "requests": len(latencies),
        "seconds": seconds,
        "per_second": len(latencies) / seconds,
        "p50": rank(50),
        "p95": rank(95),
        "failures": len(failures),
        "failure_kinds": sorted(set(failures)),
    }


def start_server(env: dict, port: int, workers: int) -> subprocess.Popen:
    gunicorn = Path(sys.executable).with_name("gunicorn")
    command = [
        str(gunicorn),
        "wenming.wsgi:application",
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
    ]
    server = subprocess.Popen(command, cwd=BASE_DIR, env=env)  # noqa: S603  (fixed arguments)
    for _ in range(200):
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with {server.returncode}")
        try:
            if get(port, "/healthz", {})[0] == 200:
                return server
        except OSError:
            pass
        time.sleep(0.1)
    server.terminate()
    raise SystemExit("gunicorn did not answer /healthz within 20 s")


def check_bodies(port: int, headers: dict) -> dict:
    """Every variant answers 200; the endpoint and bare DRF answer the same first page."""
    checks = {}
    for name in ENDPOINTS:
        bodies = {}
        for variant in VARIANTS:
            status, body = get(port, variant_path(name, variant), headers)
            if status != 200:
                raise SystemExit(f"{variant_path(name, variant)} answered {status}: {body[:300]}")
            bodies[variant] = json.loads(body)
        api, drf, floor = bodies["api"], bodies["drf"], bodies["values"]
        checks[name] = {
            "count": api["count"],
            "rows": len(api["results"]),
            "same_as_drf": api["results"] == drf["results"] and api["count"] == drf["count"],
            "floor_ids_match": [row["id"] for row in api["results"]]
            == [row["id"] for row in floor["results"]],
        }
    return checks


# The report ----------------------------------------------------------------------------


def _ratio(numerator: float, denominator: float) -> str:
    return f"{numerator / denominator:.2f}" if denominator else "–"


def table(results: dict, checks: dict) -> str:
    head = (
        "| endpoint | rows (count) | endpoint req/s | p50 ms | p95 ms | bare DRF req/s | p50 ms "
        "| p95 ms | values() req/s | p50 ms | p95 ms | endpoint ÷ bare DRF "
        "| endpoint ÷ values() |"
    )
    lines = [head, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for name, by_variant in results.items():
        cells = [f"`{ENDPOINTS[name]}`", f"{checks[name]['rows']} ({checks[name]['count']})"]
        for variant in VARIANTS:
            figures = by_variant[variant]
            cells += [
                f"{figures['per_second']:.0f}",
                f"{figures['p50']:.0f}",
                f"{figures['p95']:.0f}",
            ]
        api = by_variant["api"]["per_second"]
        cells += [
            _ratio(api, by_variant["drf"]["per_second"]),
            _ratio(api, by_variant["values"]["per_second"]),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def profile_table(profiles: dict) -> str:
    labels = [label for label, _file, _function in PHASES]
    lines = [
        "| endpoint | ms per request (profiled) | " + " | ".join(labels) + " |",
        "|---|" + "---:|" * (len(labels) + 1),
    ]
    for name, found in profiles.items():
        cells = [f"`{ENDPOINTS[name]}`", f"{found['total']:.1f}"]
        cells += [f"{found['phases'][label]:.1f}" for label in labels]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


# Written by hand from the profiles and runs of 2026-12-01 (commit 2140d65 before the
# changes); the tables above and below are measured afresh on every run.
FINDINGS = [
    "Before the changes, one `/api/regions/` request (50 of 2,467 regions, cProfile, "
    "37 ms) spent 15 ms (40 %) serializing: DRF's `Field.get_attribute` for every field "
    "and row, its `is_simple_callable` check running `inspect.signature` on "
    "`get_level_display` 50 times a request (4 ms) and `get_level_display` forcing a lazy "
    "label each time (4 ms); 10 ms in the pagination count, 3.5 ms in the permission check "
    "(the memberships query, which `restrict` then reuses from the user), 3 ms in the "
    "token lookup, 1.5 ms in the FilterSet and under 1 ms rendering. Every list already "
    "sent one statement each for the token, the memberships, the count and the page (no "
    "N+1), and persistent connections with health checks were already the production "
    "default (`DATABASE_CONN_MAX_AGE` 60 unless DEBUG, `DATABASE_CONN_HEALTH_CHECKS` on).",
    "",
    "Changed: (1) `FastRepresentation` (wenming/api/serializers.py) plans each field once "
    "per list and reads rows by plain attribute access, choice labels from a per-language "
    "table, DRF's own code for anything else; a test compares it with DRF's output row for "
    "row in both languages for every list serializer. (2) The pagination reads the first "
    "page before the count: a page with room to spare is every row, so small and filtered "
    "lists send no COUNT (pinned API list counts dropped by one). (3) List querysets "
    "`only()` the columns the serializer shows (derived from its fields by "
    "`read_columns`): no boundaries, paths, timestamps or indicator text for the rows "
    "and their related rows. (4) The unit list decides the mobile mask once, not per row.",
    "",
    "A short run before the changes, same machine and load generator (2 s a variant, one "
    "after the other, so noisier than the turns above): endpoint ÷ bare DRF 0.61 regions, "
    "0.84 units, 0.24 frameworks, 0.94 ledger entries, 0.73 tokens and 1.46 indicators "
    "(within that run's noise); endpoint ÷ values() 0.12–0.34.",
    "",
    "What is left: a full page still sends four statements (token, memberships, count, "
    "page) against bare DRF's three and the floor's one, and when the two cores are busy "
    "each round trip costs more than the Python around it (SQL is the largest column "
    "below). Halving the gap to the floor needs fewer round trips: the memberships with "
    "the token in one statement, or cached with an invalidation on every membership "
    "change; not done here.",
]


def section(facts: dict, args, checks: dict, results: dict, profiles: dict) -> str:
    failures = {
        f"{name} {variant}": figures["failure_kinds"]
        for name, by_variant in results.items()
        for variant, figures in by_variant.items()
        if figures["failures"]
    }
    different = [name for name, check in checks.items() if not check["same_as_drf"]]
    lines = [
        START_MARKER,
        "## API list endpoints beside bare DRF and the values() floor",
        "",
        "Written by `python -m bench.api_lists` (part of `make bench`). The demo city on "
        "PostgreSQL, production settings (DEBUG off, `CONN_MAX_AGE` 60 with health checks), "
        f"gunicorn with {args.workers} sync workers, {args.connections} concurrent "
        f"connections from a threaded load generator on the same machine, {args.warmup:g} s "
        f"warm-up and {args.duration:g} s measured per variant in {args.rounds} turns, the "
        "variants of an endpoint taking turns in a rotating order in the same run. Called "
        "as the city's office staff with an API token; page size 50. *Bare DRF* is a "
        "`ListAPIView` over the same rows with the same "
        "serializer (DRF's stock per-field `to_representation`), `PageNumberPagination` "
        "and the same authentication, without scoping or filter backends; the *values() floor* "
        "is the same page read with `values()` and sent by `JsonResponse` through the same "
        "middleware, with no DRF, no sign-in and no count.",
        "",
        f"- date: {facts['date']}",
        f"- command: `{facts['command']}`",
        f"- code: {facts['code']}",
        f"- `nproc`: {facts['nproc']} ({facts['cpu']}), memory {facts['memory']}, load "
        f"average {facts['load']} (1, 5, 15 min) when the run ended",
        f"- {facts['os']}, Python {facts['python']}, Django {facts['django']}",
        *(f"- {db}" for db in facts["databases"]),
        "",
        table(results, checks),
        "",
        "Every endpoint answered the same first page as bare DRF, byte for byte after JSON "
        "decoding."
        if not different
        else f"Different from bare DRF: {', '.join(different)} (a bug: the bodies must match).",
        "Failed requests: none." if not failures else f"Failed requests: {failures}.",
        "",
        "### What the profile showed, and what changed",
        "",
        *FINDINGS,
        "",
        "### Where one request's time goes (cProfile, ms)",
        "",
        f"In-process (`django.test.Client`, same settings, {PROFILE_CALLS} calls per endpoint "
        "under cProfile, which slows Python code about twofold). Phases overlap where one "
        "calls another: SQL time is also inside the phase that sent it (the count, the "
        "page query inside serialization, the token and membership lookups inside "
        "authentication and permission).",
        "",
        profile_table(profiles),
        "",
        END_MARKER,
    ]
    return "\n".join(lines)


def write_docs(path: Path, text: str) -> None:
    """Replace this benchmark's section of the page, or add it at the end."""
    page = path.read_text() if path.exists() else "# Benchmarks\n"
    pattern = re.compile(re.escape(START_MARKER) + r".*?" + re.escape(END_MARKER), re.S)
    if pattern.search(page):
        page = pattern.sub(lambda _match: text, page)
    else:
        page = page.rstrip() + "\n\n" + text + "\n"
    path.write_text(page)


def run_child(mode: str, env: dict, *extra: str) -> dict:
    result_path = VAR_DIR / f"api-lists-{mode}.json"
    result_path.unlink(missing_ok=True)
    command = [sys.executable, "-m", "bench.api_lists", f"--{mode}", str(result_path), *extra]
    subprocess.run(command, cwd=BASE_DIR, env=env, check=True)  # noqa: S603  (our own module)
    return json.loads(result_path.read_text())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.api_lists", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--duration", type=float, default=10, help="measured seconds a variant")
    parser.add_argument("--warmup", type=float, default=2, help="warm-up seconds a variant")
    parser.add_argument(
        "--rounds", type=int, default=5, help="turns the measured seconds are split into"
    )
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument(
        "--endpoint", action="append", choices=list(ENDPOINTS), help="only these (repeatable)"
    )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("BENCH_API_POSTGRES_URL", DEFAULT_POSTGRES_URL),
        help="scratch PostgreSQL database, created and dropped (its name must contain 'bench')",
    )
    parser.add_argument("--output", type=Path, default=DOCS_PATH)
    parser.add_argument("--no-output", action="store_true", help="print only, write no file")
    parser.add_argument("--prepare", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--profile", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--key", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.prepare:
        args.prepare.write_text(json.dumps(prepare()))
        return 0
    if args.profile:
        args.profile.write_text(json.dumps(profile(args.key)))
        return 0

    VAR_DIR.mkdir(parents=True, exist_ok=True)
    command = "python -m bench.api_lists " + " ".join(argv if argv is not None else sys.argv[1:])
    names = args.endpoint or list(ENDPOINTS)
    env = server_environment(args.postgres_url)
    started = time.perf_counter()
    _scratch_postgres(args.postgres_url, create=True)
    server = None
    try:
        key = run_child("prepare", env)["key"]
        print("profiling one request per endpoint…", flush=True)
        profiles = run_child("profile", env, "--key", key)
        port = free_port()
        server = start_server(env, port, args.workers)
        headers = {"Authorization": f"Token {key}", "Host": "127.0.0.1"}
        checks = check_bodies(port, headers)
        results = {}
        for name in names:
            runs = {variant: [] for variant in VARIANTS}
            for variant in VARIANTS:
                hammer(port, variant_path(name, variant), headers, args.warmup, args.connections)
            # Short turns in a rotating order, so a change in the machine's load while the
            # endpoint is measured falls on every variant alike.
            for turn in range(args.rounds):
                order = VARIANTS[turn % len(VARIANTS) :] + VARIANTS[: turn % len(VARIANTS)]
                for variant in order:
                    runs[variant].append(
                        hammer(
                            port,
                            variant_path(name, variant),
                            headers,
                            args.duration / args.rounds,
                            args.connections,
                        )
                    )
            results[name] = {variant: summarise(runs[variant]) for variant in VARIANTS}
            for variant in VARIANTS:
                figures = results[name][variant]
                print(
                    f"  {variant_path(name, variant):32} {figures['per_second']:7.1f} req/s  "
                    f"p50 {figures['p50']:6.1f} ms  p95 {figures['p95']:6.1f} ms  "
                    f"failures {figures['failures']}",
                    flush=True,
                )
        with_version = [{"version": _postgres_version(args.postgres_url)}]
        facts = machine_facts(command.strip(), with_version)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        _scratch_postgres(args.postgres_url, create=False)
    checks = {name: checks[name] for name in names}
    profiles = {name: profiles[name] for name in names}
    print(f"\n{table(results, checks)}\n\n{profile_table(profiles)}\n")
    if not args.no_output:
        write_docs(args.output, section(facts, args, checks, results, profiles))
        print(f"written to {args.output}")
    print(f"total {time.perf_counter() - started:.0f} s")
    return 0


def _postgres_version(url: str) -> str:
    import psycopg

    with psycopg.connect(url, connect_timeout=5) as connection:
        (server,) = connection.execute("SHOW server_version").fetchone()
    return f"PostgreSQL {server} (database {urlsplit(url).path.lstrip('/')})"


if __name__ == "__main__":
    # The children set Django up; the parent never does (it only reads bench.regions' helpers).
    sys.exit(main())
