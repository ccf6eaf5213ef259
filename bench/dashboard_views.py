"""The dashboard in process, cold (the first view after a change) beside warm (a repeat view).

    .venv/bin/python bench/dashboard_views.py [--views 200] [--database sqlite|postgresql]
        [--name itp_bench_views]

Builds a scratch database (a temporary SQLite file, or the PostgreSQL database `--name`,
created if missing), seeds the 10-year bench patient (`manage.py seed_bench`: 3,650 counts,
500 bleeds, 20 treatment courses) and loads, through Django's test client with production
settings, `/healthz` (the trivial view) and the dashboard for 6 months and for all time, each
warm and cold. Cold means the record changed just before the view: its `records_version` is
raised (what every new entry does), so the kept pieces (readings/page_cache.py) are built
again; the raise itself is not timed. Prints, for each, the median wall-clock time and the
median CPU time of the process (on a machine shared with other work the wall clock also
counts the waits for a core; the CPU time does not), and the size of the page and of the
chart's figure JSON.
"""

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup(database: str, name: str, scratch: Path) -> None:
    if database == "postgresql":
        import psycopg
        from psycopg import sql

        # The server's maintenance database, only to create ours the first time.
        with psycopg.connect(
            "postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True
        ) as db:
            if not db.execute("SELECT 1 FROM pg_database WHERE datname=%s", [name]).fetchone():
                db.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{name}"
    else:
        os.environ["DATABASE_URL"] = f"sqlite:///{scratch / f'{name}.sqlite3'}"
    os.environ.update(
        DJANGO_SETTINGS_MODULE="itptracker.settings",
        DEBUG="false",
        SECRET_KEY="bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEF",
        ALLOWED_HOSTS="testserver",
        SECURE_SSL_REDIRECT="false",
        BEHIND_TLS_PROXY="false",
        LOG_LEVEL="WARNING",
    )
    sys.path.insert(0, str(ROOT))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("collectstatic", "--noinput", verbosity=0)  # production's hashed names
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    call_command("seed_bench", verbosity=0)


def timed(load, views: int, before=None) -> tuple[list[float], list[float]]:
    """Milliseconds per view, wall clock and CPU; `before` runs untimed before each one."""
    wall, cpu = [], []
    for _ in range(views):
        if before:
            before()
        start, start_cpu = time.perf_counter(), time.process_time()
        load()
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--views", type=int, default=200)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--name", default="itp_bench_views", help="database (or SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        setup(args.database, args.name, Path(scratch))
        run(args.views)


def run(views: int) -> None:
    from django.test import Client

    from accounts.models import CareMembership, Patient
    from readings.management.commands.seed_bench import BENCH_EMAIL

    membership = CareMembership.objects.select_related("user").get(user__email=BENCH_EMAIL)
    client = Client()
    client.force_login(membership.user)
    patient_id = membership.patient_id

    def change() -> None:
        Patient.objects.mark_changed(patient_id)

    def page(path: str):
        def load():
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)
            return response

        return load

    dashboard = {"6 months": f"/p/{patient_id}/", "all time": f"/p/{patient_id}/?range=all"}
    print(f"{views} views each, medians in ms")
    print(f"{'view':34} {'wall':>8} {'CPU':>8} {'page KB':>8} {'figure KB':>10}")
    rows = [("/healthz (trivial)", page("/healthz"), None)]
    for label, path in dashboard.items():
        rows.append((f"dashboard, {label}, warm", page(path), None))
        rows.append((f"dashboard, {label}, cold", page(path), change))
    for label, load, before in rows:
        body = load().content  # also fills the cache for the warm views
        timed(load, max(views // 10, 5), before)  # settle
        wall, cpu = timed(load, views, before)
        figure = re.search(rb'<template id="chart-data">(.*?)</template>', body, re.S)
        sizes = f"{len(body) / 1024:8.1f} {len(figure.group(1)) / 1024 if figure else 0:10.1f}"
        medians = f"{statistics.median(wall):8.2f} {statistics.median(cpu):8.2f}"
        print(f"{label:34} {medians} {sizes}")


if __name__ == "__main__":
    sys.exit(main())
