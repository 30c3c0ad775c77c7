"""Soak: N browser sessions keep loading pages while the warehouse is rebuilt K times (not in CI).

    python -m benchmarks.soak [--sessions N] [--rebuilds K] [--seconds S]

A Streamlit server serves a warehouse built from data/raw; N Chromium sessions (Playwright, Debian's chromium) load the
Overview in turns and read its "Projets" figure, while another thread rebuilds the warehouse K times, alternating
between the bundled documents alone and the documents with an imported table (159 or 159 + 40 projects), each
through the real CLI (the lock included). A load is:
- failed if the page shows no figure within 60 s, an exception or a traceback;
- stale if it was requested after a rebuild had completed and shows the figure of an earlier build (any build that
  completed while it loaded is accepted).
The server's memory (resident, MB) and open files are sampled every second, and once more after an idle time. Each
browser session costs Streamlit 3 file descriptors (its event loop) until its store drops the disconnected session
(server.disconnectedSessionTTL, at most 128 kept): the same on a bare Streamlit page. Prints a JSON summary; exit 1
on any failed or stale load.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
IMPORT = "appel;titre;budget_total;localisation\n" + "".join(
    f"AAP soak;Projet de soak {i};{1000 + i} €;29600 Morlaix\n" for i in range(40))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _build(inputs: list[Path], db: Path) -> None:
    cmd = [sys.executable, "-m", "etl", "--quiet", "--db", str(db)] + [x for d in inputs for x in ("--input", str(d))]
    subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True)


def _proc_stats(pid: int) -> tuple[float, int]:
    """Resident memory (MB) and open files of a process and its children."""
    rss, files = 0.0, 0
    pids = [pid]
    try:
        pids += [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        pass
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    rss += int(line.split()[1]) / 1024
            files += len(os.listdir(f"/proc/{p}/fd"))
        except OSError:
            pass
    return rss, files


def run(sessions: int, rebuilds: int, seconds: float, settle: float = 0) -> dict:
    from playwright.sync_api import sync_playwright

    work = Path(tempfile.mkdtemp(prefix="ess-soak-"))
    db, extra = work / "warehouse.duckdb", work / "imports"
    extra.mkdir()
    (extra / "soak.csv").write_text(IMPORT, encoding="utf-8")
    raw = ROOT / "data" / "raw"
    _build([raw], db)
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboard.py"), "--server.port",
                               str(port), "--server.address", "127.0.0.1", "--server.headless", "true"],
                              cwd=ROOT, env={**os.environ, "ESS_WAREHOUSE": str(db)}, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            if urllib.request.urlopen(f"{base}/_stcore/health", timeout=2).status == 200:
                break
        except OSError:
            time.sleep(0.5)
    builds = [(0.0, "159")]  # (completed at, the figure it shows)
    samples: list[tuple[float, float, int]] = []
    stop = threading.Event()

    def rebuild() -> None:
        for k in range(rebuilds):
            time.sleep(seconds / (rebuilds + 1))
            with_import = k % 2 == 0
            _build([raw, extra] if with_import else [raw], db)
            builds.append((time.monotonic(), "199" if with_import else "159"))
        stop.set()

    def sample() -> None:
        while not stop.is_set():
            samples.append((time.monotonic(), *_proc_stats(server.pid)))
            time.sleep(1)

    loads, failed, stale = 0, [], []
    open_kinds: dict[str, int] = {}
    started = time.monotonic()
    builds[0] = (started, "159")
    threads = [threading.Thread(target=rebuild), threading.Thread(target=sample)]
    for th in threads:
        th.start()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM,
                                        args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"])
            pages = [browser.new_context().new_page() for _ in range(sessions)]
            i = 0
            while not stop.is_set() or i % sessions:
                page = pages[i % sessions]
                i += 1
                asked = time.monotonic()
                try:
                    page.goto(f"{base}/", timeout=60_000)
                    # the tile labelled "Projets", read once the run is over (a tile's place may change during it)
                    value = page.locator("[data-testid='stMetric']", has_text="Projets") \
                        .locator("[data-testid='stMetricValue']").first
                    value.wait_for(timeout=60_000)
                    page.wait_for_function("!document.querySelector('[data-testid=\"stStatusWidget\"]')",
                                           timeout=60_000)
                    shown = value.inner_text().replace("\u202f", "").replace(" ", "")
                    if page.locator("[data-testid='stException']").count() or "Traceback" in page.content():
                        raise RuntimeError("exception shown")
                except Exception as exc:  # noqa: BLE001 - what the soak counts
                    failed.append(f"{type(exc).__name__}: {str(exc)[:200]}")
                    continue
                finally:
                    loads += 1
                done = time.monotonic()
                current = [fig for t, fig in builds if t <= asked][-1]
                during = {fig for t, fig in builds if asked < t <= done}
                if shown != current and shown not in during:
                    stale.append({"asked_s": round(asked - started, 1), "shown": shown, "expected": current})
            browser.close()
    finally:
        stop.set()
        for th in threads:
            th.join()
        time.sleep(settle)  # idle: disconnected sessions expire (server.disconnectedSessionTTL, 120 s)
        after = _proc_stats(server.pid)
        try:  # what the server holds open at the end, by kind
            for fd in os.listdir(f"/proc/{server.pid}/fd"):
                target = os.readlink(f"/proc/{server.pid}/fd/{fd}")
                kind = target.split(":")[0] if ":" in target else Path(target).suffix or target
                open_kinds[kind] = open_kinds.get(kind, 0) + 1
        except OSError:
            pass
        server.terminate()
        server.wait(timeout=30)
    rss = [s[1] for s in samples]
    files = [s[2] for s in samples]
    return {"sessions": sessions, "rebuilds": len(builds) - 1, "page_loads": loads, "failed_loads": len(failed),
            "stale_views": len(stale), "server_rss_mb": {"first": round(rss[0]) if rss else None,
                                                         "max": round(max(rss)) if rss else None,
                                                         "last": round(rss[-1]) if rss else None},
            "server_open_files": {"first": files[0] if files else None, "max": max(files) if files else None,
                                  "last": files[-1] if files else None},
            "after_idle": {"seconds": settle, "rss_mb": round(after[0]), "open_files": after[1]},
            "server_open_files_at_end": open_kinds, "seconds": round(time.monotonic() - started, 1),
            "failures": failed[:10], "stale": stale[:10]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.soak", description=__doc__.split("\n\n")[0])
    ap.add_argument("--sessions", type=int, default=4)
    ap.add_argument("--rebuilds", type=int, default=10)
    ap.add_argument("--seconds", type=float, default=180)
    ap.add_argument("--settle", type=float, default=150, help="idle seconds before the last sample")
    args = ap.parse_args(argv)
    res = run(args.sessions, args.rebuilds, args.seconds, args.settle)
    print(json.dumps(res, indent=1, ensure_ascii=False))
    return 1 if res["failed_loads"] or res["stale_views"] else 0


if __name__ == "__main__":
    sys.exit(main())
