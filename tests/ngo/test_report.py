"""The HTML report, rendered in headless Chromium: the figures are there and the page requests nothing.

Without Chromium the browser tests skip with one line naming what to install (`apt-get install -y chromium`),
so the README's test command passes on a fresh machine. CI sets SCAMBOT_REQUIRE_BROWSER=1 (.ci/run installs
Chromium): there a missing browser fails, so CI cannot pass silently.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import socket
import subprocess
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli.core import main
from bot.ngo.report import render_report
from bot.ngo.stats import collect
from bot.state.store import State

BROWSERS = ("chromium", "chromium-browser", "google-chrome")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage", "--hide-scrollbars", "--window-size=1100,2200"]
# The browser's own traffic (network time, sign-in, search preconnects...), switched off so that the
# recording proxy sees only what the page asks for. None of these stops a page's own requests: the
# control test below proves the proxy still catches them.
QUIET_BROWSER = ["--disable-domain-reliability", "--no-pings", "--disable-client-side-phishing-detection",
                 "--disable-default-apps", "--disable-extensions", "--safebrowsing-disable-auto-update",
                 "--metrics-recording-only", "--dns-prefetch-disable", "--gaia-url=http://127.0.0.1:9/",
                 "--google-base-url=http://127.0.0.1:9/",
                 "--disable-features=NetworkTimeServiceQuerying,OptimizationHints,MediaRouter,Translate,"
                 "AutofillServerCommunication,PreconnectToSearch,NetworkPrediction"]


def chromium() -> str:
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    if os.environ.get("SCAMBOT_REQUIRE_BROWSER") == "1":
        pytest.fail("chromium is not installed, and SCAMBOT_REQUIRE_BROWSER=1: apt-get install -y chromium")
    pytest.skip("the HTML report is checked in Chromium, which is not installed: apt-get install -y chromium")


class RecordingProxy:
    """A proxy that answers nothing and records every connection: any request the page makes lands here."""

    def __init__(self) -> None:
        self.requests: list[bytes] = []
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(2)
                try:
                    self.requests.append(conn.recv(4096))
                    conn.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                except OSError:
                    self.requests.append(b"")

    def close(self) -> None:
        self.sock.close()


# Hosts of the browser's own services, which some Chromium versions call whatever the flags say (156 checks
# for component updates at start). Exact names: a page fetching e.g. fonts.googleapis.com is still caught.
BROWSER_SERVICE_HOSTS = (b"update.googleapis.com", b"clients1.google.com", b"clients2.google.com",
                         b"redirector.gvt1.com", b"edgedl.me.gvt1.com", b"accounts.google.com",
                         b"safebrowsing.googleapis.com", b"optimizationguide-pa.googleapis.com",
                         b"content-autofill.googleapis.com", b"www.google.com")


def page_requests(proxy: RecordingProxy) -> list[bytes]:
    """The recorded requests, without the browser's calls to its own services."""
    def host(request: bytes) -> bytes:
        line = request.split(b"\r\n", 1)[0].split(b" ")
        target = line[1] if len(line) > 1 else b""
        return target.split(b"://", 1)[-1].split(b"/", 1)[0].rsplit(b":", 1)[0]
    return [r for r in proxy.requests if host(r) not in BROWSER_SERVICE_HOSTS]


def render(path: Path, tmp_path: Path, proxy: RecordingProxy, *extra: str) -> subprocess.CompletedProcess:
    profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"
    args = [chromium(), *CHROMIUM_FLAGS, *QUIET_BROWSER, f"--user-data-dir={profile}",
            f"--proxy-server=http://127.0.0.1:{proxy.port}", "--proxy-bypass-list=<-loopback>",
            *extra, path.resolve().as_uri()]
    return subprocess.run(args, capture_output=True, text=True, timeout=90, stdin=subprocess.DEVNULL)


@pytest.fixture()
def populated(tmp_path, monkeypatch):
    monkeypatch.setenv("SCAMBOT_HASH_KEY", "report-test-key-of-32-bytes-or-more")
    monkeypatch.setenv("SCAMBOT_DATA_DIR", str(tmp_path / "data"))
    state = State.open(tmp_path / "data")
    for i in range(23):
        ref = state.user_ref(i)
        state.set_user(ref, lang="ar", country="IQ", source="basra_poster")
        state.record_question(ref, "ar", topic="study-offer", answered=i < 15, source="basra_poster")
    for i in range(100, 103):  # three French speakers: a count to hide
        ref = state.user_ref(i)
        state.set_user(ref, lang="fr", country="CM", source="<script>alert(1)</script>")
        state.record_question(ref, "fr", topic="job-offer", answered=True)
    for i in range(7):
        state.record_check(state.user_ref(i), "ar", "high", ["military-terms", "signing-bonus"])
    yield state
    state.close()


def test_report_is_self_contained(populated):
    page = render_report(collect(populated))
    assert not re.search(r"(?i)\b(?:https?:)?//", page.replace("<!doctype html>", ""))  # no URL at all
    assert not re.search(r"(?i)<(?:script|link|img|iframe|object|embed)\b|@import|url\(|\bsrc=", page)
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    assert "&lt;script&gt;" in page and "<script>alert" not in page  # a hostile source name is only text


def test_report_in_headless_chromium_shows_the_figures_and_requests_nothing(populated, tmp_path):
    result = CliRunner().invoke(main, ["report", "--html", str(tmp_path / "out" / "report.html")])
    assert result.exit_code == 0, result.output
    report = tmp_path / "out" / "report.html"
    proxy = RecordingProxy()
    try:
        dumped = render(report, tmp_path, proxy, "--dump-dom")
        shot = tmp_path / "report.png"
        shooting = render(report, tmp_path, proxy, f"--screenshot={shot}")
    finally:
        proxy.close()
    assert dumped.returncode == 0, dumped.stderr[-2000:]
    dom = html.unescape(dumped.stdout)
    assert "Questions per language" in dom and "basra_poster" in dom and "study-offer" in dom
    card = re.search(r'data-figure="questions"><span class="n"><span>(\d+)</span>', dumped.stdout)
    assert card and card.group(1) == "26"
    assert re.search(r"<td>fr</td><td class=\"num\"><span class=\"hidden-value\">&lt;5</span>", dumped.stdout)
    assert "<svg" in dumped.stdout and "<rect" in dumped.stdout  # the charts were parsed as SVG
    assert "<script>alert(1)</script>" in dom and "<script>" not in dumped.stdout  # escaped, never executed
    assert shooting.returncode == 0 and shot.read_bytes()[:4] == b"\x89PNG" and shot.stat().st_size > 10_000
    assert page_requests(proxy) == [], proxy.requests  # no request left the page


def test_the_proxy_would_have_seen_a_request(tmp_path):
    """The control for the test above: a page that does load something is caught by the recording proxy."""
    leaky = tmp_path / "leaky.html"
    leaky.write_text('<!doctype html><html><body><img src="http://report-leak.example/pixel.png"></body></html>')
    proxy = RecordingProxy()
    try:
        render(leaky, tmp_path, proxy, "--dump-dom")
    finally:
        proxy.close()
    assert any(b"report-leak.example" in request for request in proxy.requests), proxy.requests
