"""Peak memory of the downloads for 1,000 and 200,000 counts: it must not grow with the rows.

    .venv/bin/python bench/export_memory.py [--rows 1000,200000] [--database sqlite|postgresql]

Builds a scratch database (a temporary SQLite file, or the PostgreSQL database
itp_bench_export, created if missing and emptied of bench rows afterwards), gives one patient
per size that many counts (each with a lab and a note), then streams each download (the exact
CSV file, and the ZIP to read in a spreadsheet) through the real view function
(`transfer_views.export_file`, the StreamingHttpResponse the download page returns) into a byte
counter. tracemalloc measures the peak Python memory of each run on its
own. For contrast it also measures loading the same rows at once (`list(queryset.values())`),
which is what a non-streaming export would hold.
"""

import argparse
import datetime
import os
import sys
import tempfile
import time
import tracemalloc
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/itp_bench_export"
SEED_BATCH = 5000


def setup(database: str, scratch: Path) -> None:
    if database == "postgresql":
        import psycopg

        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/test", autocommit=True) as db:
            exists = "SELECT 1 FROM pg_database WHERE datname='itp_bench_export'"
            if not db.execute(exists).fetchone():
                db.execute("CREATE DATABASE itp_bench_export")
        os.environ["DATABASE_URL"] = POSTGRES_URL
    else:
        os.environ["DATABASE_URL"] = f"sqlite:///{scratch / 'export_memory.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "itptracker.settings")
    sys.path.insert(0, str(ROOT))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def seed(rows: int):
    from accounts.models import User
    from accounts.patients import start_record
    from readings.models import PlateletReading

    user = User.objects.create_user(
        email=f"export-bench-{rows}-{time.time_ns()}@example.com",
        password=None,
        display_name="Export Bench",
    )
    patient = start_record(user, name=f"Bench {rows}")
    start = datetime.date(1900, 1, 1)
    for first in range(0, rows, SEED_BATCH):
        PlateletReading.objects.bulk_create(
            PlateletReading(
                patient=patient,
                created_by=user,
                drawn_on=start + datetime.timedelta(days=i % 40_000),
                count=Decimal(i % 400) + Decimal("0.5"),
                entered_text=str(i % 400),
                entered_unit="e9/L",
                lab="City hospital lab",
                note=f"Routine check {i}, after clinic: all fine, no bruising.",
            )
            for i in range(first, min(rows, first + SEED_BATCH))
        )
    return user, patient


def measure_export(user, patient, layout: str) -> tuple[int, int, float]:
    """(peak bytes, file bytes, seconds) for streaming a whole download through the view."""
    from django.test import RequestFactory

    from readings import exports, transfer_views
    from readings.entries import KINDS

    request = RequestFactory().get("/")
    request.user = user
    selection = exports.Selection(tuple(KINDS))
    tracemalloc.start()
    tracemalloc.reset_peak()
    started = time.perf_counter()
    response = transfer_views.export_file(request, patient, selection, layout)
    size = sum(len(chunk) for chunk in response.streaming_content)
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak, size, seconds


def measure_loading_at_once(patient) -> int:
    from readings.models import PlateletReading

    tracemalloc.start()
    tracemalloc.reset_peak()
    rows = list(PlateletReading.objects.filter(patient=patient).values())
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del rows
    return peak


def cleanup(users) -> None:
    from readings.models import PlateletReading

    for user, patient in users:
        PlateletReading.objects.filter(patient=patient).delete()
        patient.delete()
        user.delete()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", default="1000,200000")
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args()
    sizes = [int(size) for size in args.rows.split(",")]
    with tempfile.TemporaryDirectory() as scratch:
        setup(args.database, Path(scratch))
        from readings.transfer_forms import EXACT, SHEETS

        seeded = []
        try:
            print(f"Downloads, {args.database}: peak Python memory (tracemalloc) while streaming")
            print(
                f"{'rows':>9} {'download':>12} {'file':>10} {'time':>7} {'peak':>10} "
                f"{'all at once':>12}"
            )
            for rows in sizes:
                user, patient = seed(rows)
                seeded.append((user, patient))
                at_once = measure_loading_at_once(patient)
                for layout in (EXACT, SHEETS):
                    peak, size, seconds = measure_export(user, patient, layout)
                    print(
                        f"{rows:>9,} {layout:>12} {size / 2**20:>8.1f}MB {seconds:>6.1f}s "
                        f"{peak / 2**20:>8.2f}MB {at_once / 2**20:>10.1f}MB"
                    )
        finally:
            cleanup(seeded)


if __name__ == "__main__":
    main()
