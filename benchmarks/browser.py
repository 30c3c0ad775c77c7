"""The app's speed as a user feels it, in headless Chromium, against a floor measured in the same run.

    python -m benchmarks.browser [WAREHOUSE] [--rounds 7] [--pages overview map …]

Two Streamlit servers run side by side: the app, and a floor — a bare Streamlit page with one selectbox and one
10-point Plotly chart (two such pages, to navigate between). For every page of the app, in turns with the floor
(the same action on both, seconds apart, so that the machine's drift hits both alike):

- **filter change**: a region chosen in the sidebar (the floor: its selectbox), until the page is drawn;
- **warm navigation**: a click on the page's link from another page, until it is drawn;
- **server CPU per load**: the server process's user + system time for a fresh load of the page.

"Drawn" is the last change to the page's DOM after Streamlit's script state went back to not running (charts and
maps drawn included), taken when the DOM has been quiet for 600 ms. Medians are reported with their ratio to the
floor's. Results go to benchmarks/results/browser.json and a Markdown table (docs/performance.md).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
CHROMIUM = "/usr/bin/chromium"
PAGES = {"overview": "", "budgets": "budgets", "fse": "fse", "map": "map", "themes": "themes", "projects": "projects",
         "quality": "quality", "organisations": "organisations", "sources": "sources"}
NAV = {"overview": "Vue d'ensemble", "budgets": "Budgets", "fse": "Cofinancement FSE", "map": "Carte",
       "themes": "Thèmes", "projects": "Projets", "quality": "Qualité des données", "organisations": "Organisations",
       "sources": "Sources"}

FLOOR = '''
import plotly.graph_objects as go
import streamlit as st

def one():
    st.title("Plancher")
    choice = st.sidebar.selectbox("Statut", ["a", "b", "c", "d"], key="s")
    st.plotly_chart(go.Figure(go.Bar(x=list(range(10)), y=[(i * 7 + ord(choice)) % 10 for i in range(10)])))

def two():
    st.title("Deuxième")
    st.plotly_chart(go.Figure(go.Scatter(x=list(range(10)), y=list(range(10)))))

st.navigation([st.Page(one, title="Un", url_path="one", default=True), st.Page(two, title="Deux", url_path="two")]).run()
'''

# Records, in the page, the time of the last DOM change and of Streamlit's script state changes.
WATCH = """() => {
  window.__last = performance.now();
  new MutationObserver(() => { window.__last = performance.now(); })
    .observe(document.body, {childList: true, subtree: true, attributes: true, characterData: true});
}"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(script: Path, env: dict) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port),
                             "--server.address", "127.0.0.1", "--server.headless", "true",
                             "--browser.gatherUsageStats", "false"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            if urllib.request.urlopen(f"{base}/_stcore/health", timeout=2).status == 200:
                return proc, base
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise RuntimeError(f"{script} did not start")


def _cpu(pid: int) -> float:
    """User + system seconds of a process."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _drawn(page, t0: float, timeout: float = 60.0) -> float:
    """Seconds from ``t0`` (performance.now(), ms) to the page's last DOM change, once the script has run and the
    DOM has been quiet for 600 ms."""
    page.wait_for_function("document.querySelector('[data-testid=stApp]')"
                           ".getAttribute('data-test-script-state') !== 'running'", timeout=timeout * 1000)
    page.wait_for_function("performance.now() - window.__last > 600", timeout=timeout * 1000, polling=100)
    return (page.evaluate("window.__last") - t0) / 1000


def _act(page, action, prepare=None) -> float:
    """Seconds from ``action`` (a click) to the page drawn; ``prepare`` (opening a list, typing) is not timed."""
    page.bring_to_front()  # a background tab is throttled and its widgets inert
    if prepare:
        prepare()
    page.evaluate("window.__last = performance.now()")
    t0 = page.evaluate("performance.now()")
    action()
    page.wait_for_timeout(150)  # the rerun request reaches the server and the state turns 'running'
    return _drawn(page, t0)


def _open(page, url: str) -> None:
    page.bring_to_front()
    page.goto(url)
    page.wait_for_selector("[data-testid='stMainBlockContainer'] h1", timeout=90_000)
    page.evaluate(WATCH)
    _drawn(page, page.evaluate("performance.now()"))


def _open_list(page, label: str, option: str) -> None:
    """Open the sidebar's list labelled ``label`` and type ``option`` (the list is virtualised)."""
    page.locator("[data-testid='stSidebar']").get_by_label(label, exact=True).click()
    page.keyboard.type(option)


def _choose(page, option: str) -> None:
    """Click ``option`` in the open list (the timed part of a filter change)."""
    page.get_by_role("option", name=option, exact=True).first.click()


def measure(warehouse: Path, rounds: int, pages: list[str]) -> dict:
    from playwright.sync_api import sync_playwright

    env = {**os.environ, "ESS_WAREHOUSE": str(warehouse)}
    with tempfile.TemporaryDirectory(prefix="ess-floor-") as d:
        floor_script = Path(d) / "floor.py"
        floor_script.write_text(FLOOR, encoding="utf-8")
        app, app_url = _serve(ROOT / "dashboard.py", env)
        floor, floor_url = _serve(floor_script, env)
        out: dict = {"rounds": rounds, "pages": {}}
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM,
                                            args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"])
                ctx = browser.new_context(viewport={"width": 1440, "height": 900})
                a, f = ctx.new_page(), ctx.new_page()
                _open(a, f"{app_url}/")
                _open(f, f"{floor_url}/")
                for name in pages:
                    r = {"filter": [], "floor_filter": [], "nav": [], "floor_nav": [], "cpu": [], "floor_cpu": []}
                    for i in range(rounds):
                        # a fresh load of the page: the server's CPU for it
                        c0 = _cpu(app.pid)
                        _open(a, f"{app_url}/{PAGES[name]}")
                        r["cpu"].append(_cpu(app.pid) - c0)
                        c0 = _cpu(floor.pid)
                        _open(f, f"{floor_url}/")
                        r["floor_cpu"].append(_cpu(floor.pid) - c0)
                        # a filter change: a region chosen (a fresh load starts without it)
                        r["filter"].append(_act(a, lambda: _choose(a, "Occitanie"),
                                                lambda: _open_list(a, "Région", "Occitanie")))
                        letter = "abcd"[i % 3 + 1]
                        r["floor_filter"].append(_act(f, lambda: _choose(f, letter), lambda: _open_list(f, "Statut", letter)))
                        for x in (a, f):
                            x.keyboard.press("Escape")
                        # warm navigation: away, then back by the page's link
                        other = "Sources" if name != "sources" else "Budgets"
                        _act(a, lambda: a.get_by_role("link", name=other).click())
                        r["nav"].append(_act(a, lambda: a.get_by_role("link", name=NAV[name]).click()))
                        _act(f, lambda: f.get_by_role("link", name="Deux").click())
                        r["floor_nav"].append(_act(f, lambda: f.get_by_role("link", name="Un").click()))
                    med = {k: statistics.median(v) for k, v in r.items()}
                    out["pages"][name] = {
                        "filter_s": round(med["filter"], 3), "floor_filter_s": round(med["floor_filter"], 3),
                        "filter_ratio": round(statistics.median(x / y for x, y in zip(r["filter"], r["floor_filter"])), 2),
                        "nav_s": round(med["nav"], 3), "floor_nav_s": round(med["floor_nav"], 3),
                        "nav_ratio": round(statistics.median(x / y for x, y in zip(r["nav"], r["floor_nav"])), 2),
                        "cpu_s": round(med["cpu"], 3), "floor_cpu_s": round(med["floor_cpu"], 3)}
                    print(name, out["pages"][name], file=sys.stderr)
                browser.close()
        finally:
            for proc in (app, floor):
                proc.terminate()
                proc.wait(timeout=20)
    return out


def markdown(doc: dict) -> str:
    rows = ["| Page | Filter change (s) | × floor | Warm navigation (s) | × floor | Server CPU per load (s) |",
            "|---|---:|---:|---:|---:|---:|"]
    for name, r in doc["pages"].items():
        rows.append(f"| {name} | {r['filter_s']:.2f} | {r['filter_ratio']:.2f} | {r['nav_s']:.2f} | "
                    f"{r['nav_ratio']:.2f} | {r['cpu_s']:.3f} |")
    any_page = next(iter(doc["pages"].values()), None)
    if any_page:
        rows.append(f"| *floor* | {any_page['floor_filter_s']:.2f} | 1 | {any_page['floor_nav_s']:.2f} | 1 | "
                    f"{any_page['floor_cpu_s']:.3f} |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.browser")
    ap.add_argument("warehouse", nargs="?", default=str(ROOT / "data" / "warehouse.duckdb"))
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--pages", nargs="*", default=list(PAGES))
    args = ap.parse_args(argv)
    doc = measure(Path(args.warehouse), args.rounds, args.pages)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "browser.json").write_text(json.dumps(doc, indent=1), encoding="utf-8")
    print(markdown(doc))
    return 0


if __name__ == "__main__":
    sys.exit(main())
