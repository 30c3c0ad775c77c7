"""The real app in headless Chromium: every page renders, filters follow the user in the URL, nothing leaves localhost."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import ROOT

ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
PAGES = ["", "budgets", "fse", "map", "themes", "projects", "quality"]

pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(warehouse):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (./dev.sh test does)")
    port = _free_port()
    env = {**os.environ, "ESS_WAREHOUSE": str(warehouse)}
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboard.py"),
                             "--server.port", str(port), "--server.address", "127.0.0.1"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(f"{base}/_stcore/health", timeout=2).status == 200:
                break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("streamlit did not start: " + proc.stdout.read().decode()[-2000:])
    yield base
    proc.terminate()
    proc.wait(timeout=20)


def _settle(page):
    page.wait_for_selector("[data-testid='stMainBlockContainer'] h1", timeout=60_000)
    page.wait_for_function("!document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000)
    page.wait_for_timeout(1500)


def test_pages_in_chromium(server):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    outside = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM,
                                    args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1500, "height": 1800})
        page.on("request", lambda r: outside.append(r.url)
                if not r.url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:")) else None)
        for name in PAGES:
            page.goto(f"{server}/{name}")
            _settle(page)
            assert page.locator("[data-testid='stException']").count() == 0, name
            assert "Traceback" not in page.content()
            page.screenshot(path=str(ARTIFACTS / f"page_{name or 'overview'}.png"), full_page=True)
        # The map draws our boundaries (a canvas/svg inside the plotly map) without any tile server.
        page.goto(f"{server}/map")
        _settle(page)
        assert page.locator(".js-plotly-plot").count() >= 6
        # One filter set in the sidebar goes to the URL, and follows the user to another page.
        page.goto(f"{server}/fse")
        _settle(page)
        box = page.get_by_label("Recherche (titre, organisation)")
        box.fill("mobicoop")
        box.press("Enter")
        page.wait_for_url("**q=mobicoop**", timeout=30_000)
        _settle(page)
        assert "Sur la base de 1 projet sur 159" in page.inner_text("[data-testid='stMainBlockContainer']")
        page.get_by_role("link", name="Carte").click()
        page.wait_for_url("**/map?**q=mobicoop**", timeout=30_000)
        _settle(page)
        page.screenshot(path=str(ARTIFACTS / "map_filtered.png"), full_page=True)
        # A shared link reopens the same view in a new session.
        other = browser.new_page()
        other.goto(f"{server}/themes?reg=76&lang=en")
        _settle(other)
        assert "Based on 23 of 159 projects" in other.inner_text("[data-testid='stMainBlockContainer']")
        browser.close()
    assert outside == [], outside[:5]
