"""The Nu HTML Checker (vnu.jar, pinned in package.json and installed by `make`), run as one
local HTTP service for the whole test run: starting Java takes seconds, a check then takes a
fraction of one."""

import http.client
import json
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
# Written by `make test`: the Java that vnu-jar found on the machine, or downloaded for it.
JAVA_FOUND_BY_MAKE = ROOT / "build" / "vnu-java"
STARTUP_SECONDS = 120  # reading the HTML spec takes ~10 s on a busy 2-core machine
# Errors in what a library draws into the page at run time rather than in our own HTML, each
# kept here with the reason and until when.
LIBRARY_ERRORS: tuple[str, ...] = ()


def java() -> str:
    if JAVA_FOUND_BY_MAKE.exists():
        return JAVA_FOUND_BY_MAKE.read_text().strip()
    found = shutil.which("java")
    if found is None:
        raise RuntimeError("No Java for the HTML checker: run `make test` once.")
    return found


class HtmlChecker:
    """Started at once, waited for at the first check (the browser has work to do meanwhile)."""

    def __init__(self):
        if not JAR.exists():
            raise RuntimeError(f"{JAR} is missing: run `make test` once (npm ci installs it).")
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 (open while it runs: stop() closes it)
        command = [java(), "-Dnu.validator.servlet.bind-address=127.0.0.1"]
        command += ["-cp", str(JAR), "nu.validator.servlet.Main", str(self.port)]
        self.process = subprocess.Popen(command, stdout=self.log, stderr=subprocess.STDOUT)
        self.ready = False

    def errors(self, html: str) -> list[str]:
        """The checker's errors in `html` (warnings are not errors), each with its line."""
        self._wait_until_ready()
        headers = {"Content-Type": "text/html; charset=utf-8"}
        messages = json.loads(self._ask("POST", "/?out=json&level=error", html.encode(), headers))
        messages = messages["messages"]
        # "non-document-error": the checker could not read the page, which is not a pass.
        return [
            f"line {m.get('lastLine', '?')}: {m['message']} [{m.get('extract', '')}]"
            for m in messages
            if m["type"] in ("error", "non-document-error")
            and not m["message"].startswith(LIBRARY_ERRORS)
        ]

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)
        self.log.close()

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + STARTUP_SECONDS
        while not self.ready:
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.log.seek(0)
                output = self.log.read().decode(errors="replace")
                raise RuntimeError(f"The HTML checker did not start:\n{output}")
            try:
                self._ask("GET", "/")
                self.ready = True
            except ConnectionError:
                time.sleep(0.2)

    def _ask(self, method: str, path: str, body=None, headers=None) -> bytes:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            # The checker refuses a request without a User-Agent.
            connection.request(method, path, body, {"User-Agent": "itp-tests", **(headers or {})})
            response = connection.getresponse()
            answer = response.read()
        finally:
            connection.close()
        if response.status != 200:
            raise RuntimeError(f"The HTML checker answered {response.status}: {answer[:500]!r}")
        return answer
