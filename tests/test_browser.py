"""The real app in headless Chromium: every page renders, filters follow the user in the URL, nothing leaves localhost."""

import os
import re
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
PAGES = ["", "budgets", "fse", "map", "themes", "projects", "quality", "organisations", "sources", "import"]
TOKEN = "browser-test-token"
# English words that have no business in the French interface (a word of the data — a title, an organisation's
# name — is allowed: the warehouse's own words are read below)
ENGLISH = re.compile(r"\b(the|and|with|without|of|projects?|amounts?|grants?|none|nan|download|search|filters?|regions?"
                     r"|themes|quality|issues?|rows?|files?|loaded|show|select|choose|chart|data|funded|laureates?"
                     r"|eligible|total budget|per|by|from|true|false|yes|no|previous|next)\b", re.I)
# Streamlit's own texts (not the app's): the uploader's instructions, the navigation's "View more", an input's hint
STREAMLIT_OWN = ("[data-testid='stFileUploaderDropzoneInstructions']", "[data-testid='stSidebarNavViewButton']",
                 "[data-testid='InputInstructions']")

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
    env = {**os.environ, "ESS_WAREHOUSE": str(warehouse), "ESS_IMPORT_ENABLED": "1", "ESS_IMPORT_TOKEN": TOKEN}
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


def _data_words(warehouse) -> set[str]:
    """The words of the data itself (titles, organisations, programmes, places, tags, sources): shown as printed."""
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    rows = con.execute("""SELECT string_agg(x, ' ') FROM (
        SELECT title || ' ' || coalesce(lead_org, '') || ' ' || coalesce(programme_name, '') AS x FROM projects
        UNION ALL SELECT coalesce(title, '') || ' ' || source_file FROM source_documents
        UNION ALL SELECT name FROM cofinancers UNION ALL SELECT tags FROM tag_sets
        UNION ALL SELECT coalesce(location_raw, '') FROM places)""").fetchone()
    con.close()
    return {w.lower() for w in re.findall(r"\w+", rows[0] or "")}


def _visible_text(page) -> str:
    hide = ", ".join(STREAMLIT_OWN)
    return page.evaluate("""(hide) => {
        const clone = document.body.cloneNode(true);
        clone.querySelectorAll(hide + ", script, style, svg, canvas").forEach(e => e.remove());
        document.body.appendChild(clone); clone.style.position = "absolute"; clone.style.left = "-99999px";
        const text = clone.innerText; clone.remove(); return text; }""", hide)


def _english_words(text: str, allowed: set[str]) -> list[str]:
    hits = []
    for line in text.splitlines():
        for m in ENGLISH.finditer(line):
            if m.group(0).lower() not in allowed:
                hits.append(f"{m.group(0)!r} in {line.strip()[:90]!r}")
    return hits


def _axe_serious(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    found = Axe().run(page).response["violations"]
    return [f"{v['id']} ({v['impact']}, {len(v['nodes'])}×): {v['nodes'][0]['target']}" for v in found
            if v["impact"] in ("serious", "critical")]


def _open(page, url: str) -> None:
    page.goto(url)
    _settle(page)
    token = page.get_by_label("Mot de passe ou jeton de l'opérateur")
    if url.rsplit("/", 1)[-1].startswith("import") and token.count():  # the Import page opens on its token
        token.fill(TOKEN)
        token.press("Enter")
        _settle(page)


def test_pages_in_chromium(server, warehouse):
    """Every page in French: renders, 0 serious or critical axe-core violation, no English word of ours, the
    document's language and each chart's accessible name set; then the filters in the URL and a shared link."""
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    outside, problems = [], {}
    allowed = _data_words(warehouse)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM,
                                    args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.on("request", lambda r: outside.append(r.url)
                if not r.url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:")) else None)
        for name in PAGES:
            _open(page, f"{server}/{name}")
            assert page.locator("[data-testid='stException']").count() == 0, name
            assert "Traceback" not in page.content()
            page.screenshot(path=str(ARTIFACTS / f"page_{name or 'overview'}.png"), full_page=True)
            assert page.evaluate("document.documentElement.lang") == "fr", name
            unnamed = page.evaluate("Array.from(document.querySelectorAll('[data-testid=stPlotlyChart]'))"
                                    ".filter(e => !e.getAttribute('aria-label') && !e.querySelector('[aria-label]:not(button)')).length")
            found = _axe_serious(page) + _english_words(_visible_text(page), allowed) + (
                [f"{unnamed} chart(s) without an accessible name"] if unnamed else [])
            if found:
                problems[name or "overview"] = found
        assert problems == {}, "\n".join(f"{k}: {v}" for k, vs in problems.items() for v in vs)
        # The map draws our boundaries, fetched from the app itself (no tile server), and the overseas regions in one
        # light figure beside it
        fetched = []
        page.on("request", lambda r: fetched.append(r.url) if "/app/static/" in r.url else None)
        page.goto(f"{server}/map")
        _settle(page)
        assert page.locator(".js-plotly-plot").count() == 2
        assert any(u.endswith("/app/static/geo/regions.geojson") for u in fetched), fetched
        # A click on a region filters every page: the sidebar and the URL both say so
        box = page.locator("[data-testid=stPlotlyChart]").first.bounding_box()
        page.mouse.click(box["x"] + box["width"] * 0.45, box["y"] + box["height"] * 0.75)
        page.wait_for_url("**reg=**", timeout=30_000)
        _settle(page)
        code = page.url.split("reg=")[1].split("&")[0]
        chosen = page.locator("[data-testid=stSidebar] [data-testid=stMultiSelect]").nth(2).inner_text()
        assert code in {"76", "75", "84", "93"} and "Région" in chosen and len(chosen.splitlines()) >= 2, (code, chosen)
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
        # A shared link reopens the same view in a new session, in English (the document says so)
        other = browser.new_page()
        other.goto(f"{server}/themes?reg=76&lang=en")
        _settle(other)
        assert "Based on 23 of 159 projects" in other.inner_text("[data-testid='stMainBlockContainer']")
        assert other.evaluate("document.documentElement.lang") == "en"
        browser.close()
    assert outside == [], outside[:5]
