#!/usr/bin/env python3
"""Follow the README's deploy recipe in a fresh clone and load a dashboard from the result.

    .ci/deploy_recipe.py        (from .ci/run; standard library only)

The recipe is the ```sh block under "## Deploying on PostgreSQL behind gunicorn" in the clone's
own README, so CI checks the recipe as written at this commit:

- its `export` line is the operator's: this script sets the same variables with values of its
  own (DEBUG=false, a new 50+ character SECRET_KEY, ALLOWED_HOSTS=127.0.0.1, a PostgreSQL
  database of its own, TRUSTED_PROXY_COUNT=1) and leaves REDIS_URL (so the database cache) and
  EMAIL_HOST (so e-mail to the console) unset; SECURE_SSL_REDIRECT stays as the recipe leaves
  it, on. A variable it does not know stops it: update this script with the recipe;
- the lines after it, up to gunicorn, run in order in the clone, each of which must succeed;
- the gunicorn line starts in the background, its --bind moved to a free port; the lines after
  it (other long-running processes, the worker) are not run.

Then it seeds the demo account, checks /healthz over plain HTTP, logs in as a browser behind
the TLS proxy would (X-Forwarded-Proto: https), loads the dashboard, its Plotly.js and its CSS,
the service worker and every file it loads and keeps, and stops gunicorn. Exits non-zero with
the reason on the first thing that fails.

    ITP_CI_DEPLOY_DATABASE   PostgreSQL database to create, use and drop (default itp_deploy_ci)
    ITP_CI_DEPLOY_PORT       port for gunicorn (default: a free one the system picks)
"""

import http.client
import http.cookies
import os
import re
import secrets
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEADING = "## Deploying on PostgreSQL behind gunicorn"
POSTGRES = "postgres://postgres@127.0.0.1:5432"
# The recipe's variables this script leaves unset, and why.
LEFT_UNSET = {"REDIS_URL": "the database cache", "EMAIL_HOST": "e-mail to the console"}


class Failed(Exception):
    pass


def main() -> int:
    database = os.environ.get("ITP_CI_DEPLOY_DATABASE", "itp_deploy_ci")
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", database):
        raise SystemExit(
            f"ITP_CI_DEPLOY_DATABASE must be a plain lower-case name, not {database!r}"
        )
    port = int(os.environ.get("ITP_CI_DEPLOY_PORT") or free_port())
    started = time.monotonic()
    try:
        with tempfile.TemporaryDirectory(prefix="itp-deploy-") as tmp:
            follow_the_recipe(Path(tmp) / "itptracker", database, port)
    except Failed as failure:
        print(f"\nFAILED: {failure}", file=sys.stderr)
        return 1
    print(f"\nThe deploy recipe works: {time.monotonic() - started:.0f} s in all.")
    return 0


def follow_the_recipe(clone: Path, database: str, port: int) -> None:
    commit = git("rev-parse", "HEAD")
    print(f"Cloning {commit[:12]} into {clone}", flush=True)
    git("clone", "--quiet", "--no-checkout", str(ROOT), str(clone))
    git("-C", str(clone), "checkout", "--quiet", commit)
    export, steps, server, others = recipe((clone / "README.md").read_text(encoding="utf-8"))
    env = environment(export, database)
    psql(f'DROP DATABASE IF EXISTS "{database}"', f'CREATE DATABASE "{database}"')
    try:
        for command in steps:
            run(command, clone, env)
        seeded = run(shlex.join([*manage_command(steps), "seed_demo"]), clone, env)
        email, password = demo_login(seeded)
        check_site(clone, env, server, port, email, password)
        for command in others:
            print(f"(not run: {command})")
    finally:
        psql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def recipe(readme: str) -> tuple[str, list[str], str, list[str]]:
    """(the export command, the commands before gunicorn, gunicorn's, the commands after it)."""
    try:
        section = readme.split(HEADING, 1)[1]
        block = section.split("```sh\n", 1)[1].split("\n```", 1)[0]
    except IndexError:
        raise Failed(f"README.md has no ```sh block under {HEADING!r}") from None
    commands = [line.strip() for line in block.replace("\\\n", " ").splitlines() if line.strip()]
    servers = [i for i, line in enumerate(commands) if shlex.split(line)[0].endswith("gunicorn")]
    if not commands[0].startswith("export ") or not servers:
        raise Failed("the recipe must start with `export …` and start gunicorn")
    at = servers[0]
    return commands[0], commands[1:at], commands[at], commands[at + 1 :]


def environment(export: str, database: str) -> dict[str, str]:
    """Production settings of our own for each variable the recipe exports."""
    names = [word.split("=", 1)[0] for word in shlex.split(export)[1:]]
    ours = {
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"{POSTGRES}/{database}",
        "TRUSTED_PROXY_COUNT": "1",
    }
    unknown = [name for name in names if name not in ours and name not in LEFT_UNSET]
    if unknown:
        raise Failed(f"the recipe exports {unknown}, which .ci/deploy_recipe.py does not set")
    for name in names:
        print(f"  {name}: {'set here' if name in ours else 'unset, ' + LEFT_UNSET[name]}")
    # Nothing of the CI machine's own set-up (a REDIS_URL, a CACHE_URL) may stand in for them.
    dropped = {*names, *LEFT_UNSET, "CACHE_URL"}
    return {**{k: v for k, v in os.environ.items() if k not in dropped}, **ours}


def run(command: str, cwd: Path, env: dict) -> str:
    print(f"\n$ {command}", flush=True)
    started = time.monotonic()
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", command],  # noqa: S607 - from PATH, as a shell would
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    print(result.stdout, end="")
    print(f"  ({time.monotonic() - started:.1f} s, exit {result.returncode})", flush=True)
    if result.returncode != 0:
        raise Failed(f"`{command}` exited with {result.returncode}")
    return result.stdout


def manage_command(steps: list[str]) -> list[str]:
    """How the recipe runs manage.py (".venv/bin/python manage.py"), to run seed_demo alike."""
    for command in steps:
        words = shlex.split(command, comments=True)
        if "manage.py" in words:
            return words[: words.index("manage.py") + 1]
    raise Failed("the recipe never runs manage.py")


def demo_login(seed_output: str) -> tuple[str, str]:
    found = re.search(r"Demo login: (\S+) / password: (\S+)", seed_output)
    if not found:
        raise Failed("seed_demo did not print the demo login")
    return found.group(1), found.group(2)


def check_site(clone: Path, env: dict, server: str, port: int, email: str, password: str):
    words = shlex.split(server, comments=True)
    if "--bind" not in words:
        raise Failed("the gunicorn line has no --bind")
    words[words.index("--bind") + 1] = f"127.0.0.1:{port}"
    print(f"\n$ {shlex.join(words)}   (the recipe's line, on port {port})", flush=True)
    log = (clone / "gunicorn.log").open("w")
    gunicorn = subprocess.Popen(words, cwd=clone, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        browser = Browser(port)
        wait_for(browser, gunicorn)
        load_a_dashboard(browser, email, password)
    except Failed:
        print((clone / "gunicorn.log").read_text()[-5000:], file=sys.stderr)
        raise
    finally:
        gunicorn.send_signal(signal.SIGTERM)
        try:
            gunicorn.wait(timeout=30)
        except subprocess.TimeoutExpired:
            gunicorn.kill()
            gunicorn.wait()
        log.close()
    print("gunicorn stopped")


def wait_for(browser: "Browser", gunicorn: subprocess.Popen) -> None:
    """Until /healthz answers 200 over plain HTTP, as the load balancer asks it."""
    for _ in range(150):
        if gunicorn.poll() is not None:
            raise Failed(f"gunicorn exited with {gunicorn.returncode}")
        try:
            status, _, body = browser.get("/healthz", proxied=False)
        except OSError:
            time.sleep(0.2)
            continue
        if status != 200:
            raise Failed(f"/healthz over plain HTTP answered {status}: {body[:200]!r}")
        print(f"/healthz over plain HTTP: 200 {body.decode()}")
        return
    raise Failed("gunicorn did not answer within 30 s")


def load_a_dashboard(browser: "Browser", email: str, password: str) -> None:
    status, _, body = browser.get("/login/")
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    expect(status == 200 and token is not None, f"the login page answered {status}")
    form = {"csrfmiddlewaretoken": token.group(1).decode(), "username": email, "password": password}
    status, response, _ = browser.post("/login/", form)
    expect(status == 302, f"logging in answered {status}, not a redirect")
    for _ in range(3):  # the start page sends a member on to their record's dashboard
        path = response.getheader("Location")
        status, response, body = browser.get(path)
        if status != 302:
            break
    expect(status == 200, f"the dashboard {path} answered {status}")
    print(f"Logged in as {email}; the dashboard {path}: 200")
    files = {
        "Plotly.js": rb'data-plotly-src="([^"]+)"',
        "Plotly's CSS": rb'id="plotly.js-style-global"[^>]* href="([^"]+)"',
        "the site's CSS": rb'rel="stylesheet" href="([^"]*/app[^"]*\.css)"',
    }
    for name, pattern in files.items():
        found = re.search(pattern, body)
        expect(found is not None, f"the dashboard links no {name}")
        url = found.group(1).decode()
        status, _, content = browser.get(url)
        expect(status == 200 and len(content) > 0, f"{name} ({url}) answered {status}")
        print(f"{name}: {url}: 200, {len(content):,} bytes")
    load_the_service_worker(browser)
    switch_to_spanish(browser, path, body)


def switch_to_spanish(browser: "Browser", path: str, page: bytes) -> None:
    """The switch at the foot of the page, then the dashboard again: in Spanish only if the
    deploy compiled the catalogue."""
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    expect(token is not None, "the dashboard has no form token for the language switch")
    form = {"csrfmiddlewaretoken": token.group(1).decode(), "language": "es", "next": path}
    status, _, _ = browser.post("/language/", form)
    expect(status == 302, f"the language switch answered {status}, not a redirect")
    status, _, body = browser.get(path)
    spanish = b'<html lang="es">' in body and b"Panel de" in body
    expect(status == 200 and spanish, "the dashboard is not in Spanish after the switch")
    print(f"The dashboard {path} in Spanish after the switch: 200")


def load_the_service_worker(browser: "Browser") -> None:
    """The service worker and every file it loads and keeps, as the deploy names them (hashed
    static files): a browser installs it only if each answers."""
    status, _, body = browser.get("/sw.js")
    expect(status == 200, f"/sw.js answered {status}")
    scripts = re.search(rb"importScripts\(([^)]*)\)", body)
    kept = re.search(rb"precacheAndRoute\((\[.*?\])\);", body)
    expect(scripts is not None and kept is not None, "/sw.js loads or keeps nothing")
    urls = re.findall(rb'"(/[^"]+)"', scripts.group(1) + kept.group(1))
    for url in dict.fromkeys(url.decode() for url in urls):
        status, _, content = browser.get(url)
        expect(status == 200 and len(content) > 0, f"the service worker's {url} answered {status}")
    print(f"/sw.js: 200, and the {len(set(urls))} files it loads and keeps: 200")


def expect(condition: bool, failure: str) -> None:
    if not condition:
        raise Failed(failure)


class Browser:
    """A browser behind the TLS proxy, as gunicorn sees it: the proxy's headers, and the
    cookies sent back (the site's are Secure, __Host- ones, which no cookie jar would send
    over the plain HTTP between the proxy and gunicorn)."""

    def __init__(self, port: int):
        self.port = port
        self.origin = f"https://127.0.0.1:{port}"
        self.cookies: dict[str, str] = {}

    def get(self, path: str, proxied: bool = True):
        return self.request("GET", path, None, proxied)

    def post(self, path: str, form: dict):
        return self.request("POST", path, form, proxied=True)

    def request(self, method: str, path: str, form: dict | None, proxied: bool):
        headers = {}
        if proxied:
            headers.update({"X-Forwarded-Proto": "https", "X-Forwarded-For": "127.0.0.1"})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers.update(
                {
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Origin": self.origin,
                    "Referer": self.origin + path,
                }
            )
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request(method, path, body, headers)
            response = connection.getresponse()
            content = response.read()
        finally:
            connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in http.cookies.SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response.status, response, content


def git(*args: str) -> str:
    return subprocess.run(
        ["git", *args],  # noqa: S607 - from PATH, as a shell would
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


def psql(*statements: str) -> None:
    commands = [arg for statement in statements for arg in ("-c", statement)]
    subprocess.run(
        ["psql", f"{POSTGRES}/postgres", "-v", "ON_ERROR_STOP=1", "-q", *commands],  # noqa: S607
        check=True,
        capture_output=True,
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


if __name__ == "__main__":
    sys.exit(main())
