"""Dashboard and history throughput beside a trivial view, under gunicorn, on SQLite and PostgreSQL.

    .venv/bin/python bench/throughput.py [--seconds 10] [--rounds 1]
        [--databases sqlite,postgresql] [--port 8765] [--name itp_bench]

`--port` and `--name` (the PostgreSQL database, and the SQLite file bench/results/NAME.sqlite3)
let two runs on one machine stay out of each other's way.

For each database: migrate, seed the 10-year bench patient (3,650 counts, 500 bleeds, 20
treatments), start gunicorn (production settings, 2 workers for the 2 cores), then load
/healthz (the trivial view), the dashboard and the history page in turn with wrk on loopback,
each for a bounded time, and print requests/s, median and p99 latency and the ratio to the
trivial view. Needs wrk (apt-get install wrk).

On a machine shared with other work the load changes from one page's run to the next: with
`--rounds N` every page is loaded N times in turn, each ratio is taken against the trivial
view's run of the same round, and the medians are printed, with the lowest and highest ratio.
These are repeat (warm) views, the kept pieces of readings/page_cache.py: for the first view
after a change see bench/dashboard_views.py.
"""

import argparse
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
RESULTS = ROOT / "bench" / "results"
WRK = shutil.which("wrk") or "/usr/bin/wrk"


def database_url(kind: str, name: str) -> str:
    if kind == "sqlite":
        return f"sqlite:///{RESULTS / f'{name}.sqlite3'}"
    return f"postgres://postgres@127.0.0.1:5432/{name}"


SESSION_SCRIPT = """
from django.contrib.sessions.backends.db import SessionStore
from accounts.models import CareMembership
m = CareMembership.objects.select_related("user").get(user__email="bench@example.com")
s = SessionStore()
s["_auth_user_id"] = str(m.user.pk)
s["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
s["_auth_user_hash"] = m.user.get_session_auth_hash()
s.create()
print(s.session_key, m.patient_id)
"""


def environment(database_url: str) -> dict:
    return {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEF",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "BEHIND_TLS_PROXY": "false",
        "DATABASE_URL": database_url,
        "LOG_LEVEL": "WARNING",
    }


def manage(env: dict, *args: str) -> str:
    result = subprocess.run(
        [PY, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    return result.stdout


def prepare(kind: str, name: str, env: dict) -> tuple[str, str]:
    if kind == "postgresql":
        import psycopg
        from psycopg import sql

        # The server's maintenance database, only to create ours the first time.
        with psycopg.connect(
            "postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True
        ) as db:
            if not db.execute("SELECT 1 FROM pg_database WHERE datname=%s", [name]).fetchone():
                db.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    manage(env, "migrate", "--noinput")
    manage(env, "createcachetable")
    manage(env, "seed_bench")
    session, patient = manage(env, "shell", "-c", SESSION_SCRIPT).splitlines()[-1].split()
    return session, patient


def wrk(url: str, cookie: str, seconds: int) -> dict:
    output = subprocess.run(
        [WRK, "-t2", "-c8", f"-d{seconds}s", "--latency", "-H", f"Cookie: {cookie}", url],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if non_2xx:
        raise SystemExit(f"{url} answered {non_2xx.group(1)} errors:\n{output}")

    def latency(percentile: str) -> float:
        value, unit = re.search(rf"{percentile}%\s+([\d.]+)(us|ms|s)", output).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]

    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50": latency("50"),
        "p99": latency("99"),
    }


def wait_for(url: str) -> None:
    for _ in range(100):
        try:
            urllib.request.urlopen(url, timeout=1)  # noqa: S310 - loopback only
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"gunicorn did not answer on {url}")


def run(kind: str, name: str, port: int, seconds: int, rounds: int) -> None:
    env = environment(database_url(kind, name))
    session, patient = prepare(kind, name, env)
    server = subprocess.Popen(
        [PY, "-m", "gunicorn", "itptracker.wsgi", "--workers", "2", "--bind", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{base}/healthz")
        cookie = f"__Host-sessionid={session}"
        pages = {
            "trivial view (/healthz)": f"{base}/healthz",
            "dashboard (6 months)": f"{base}/p/{patient}/",
            "dashboard (all 10 years)": f"{base}/p/{patient}/?range=all",
            "history (counts)": f"{base}/p/{patient}/history/",
        }
        runs = [
            {label: wrk(url, cookie, seconds) for label, url in pages.items()}
            for _ in range(rounds)
        ]
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    print(f"\n{kind}: gunicorn 2 workers, wrk -t2 -c8 -d{seconds}s, {rounds} round(s), medians")
    head = f"{'page':28} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'vs trivial':>10}"
    print(head + ("  (lowest–highest)" if rounds > 1 else ""))
    for label in pages:
        rps, p50, p99 = ([run[label][key] for run in runs] for key in ("rps", "p50", "p99"))
        ratios = [run[label]["rps"] / run["trivial view (/healthz)"]["rps"] for run in runs]
        line = f"{label:28} {statistics.median(rps):8.0f} {statistics.median(p50):8.2f}"
        line += f" {statistics.median(p99):8.2f} {statistics.median(ratios):10.2f}"
        print(line + (f"  ({min(ratios):.2f}–{max(ratios):.2f})" if rounds > 1 else ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=1, help="each page this many times")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--name", default="itp_bench", help="database name (and SQLite file)")
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    manage(environment(database_url("sqlite", args.name)), "collectstatic", "--noinput")
    for kind in args.databases.split(","):
        run(kind, args.name, args.port, args.seconds, args.rounds)


if __name__ == "__main__":
    sys.exit(main())
