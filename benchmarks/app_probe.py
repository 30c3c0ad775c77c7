"""Child process: time every page's queries and reruns under AppTest against one warehouse; print JSON.

    python -m benchmarks.app_probe WAREHOUSE REPEATS [WARM=1|0] [REFERENCE]

With a REFERENCE warehouse (the real data's), each page is also rerun on it, in turns with WAREHOUSE: every
round reruns the page on both, cold, seconds apart, and the ratio of the two is taken per round (its median is
reported). On this shared 2-core machine the speed drifts over minutes: the same query measured 26 and 64 ms a
minute apart, so reruns made in separate runs, minutes apart, would compare the machine's moods.
"""

from __future__ import annotations

import gc
import json
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = {"overview": "app_pages/1_overview.py", "budgets": "app_pages/2_budgets.py", "fse": "app_pages/3_fse.py",
         "map": "app_pages/4_map.py", "themes": "app_pages/5_themes.py", "projects": "app_pages/6_projects.py",
         "quality": "app_pages/7_quality.py"}
# The default view, and a selective one (a region and a status: what a program officer does first).
STATES = {"default": {}, "selective": {"reg": "53", "status": "laureate"}}


def main() -> None:
    warehouse, repeats = sys.argv[1], int(sys.argv[2])
    measure_warm = len(sys.argv) < 4 or sys.argv[3] == "1"
    reference = sys.argv[4] if len(sys.argv) > 4 else None
    os.environ["ESS_WAREHOUSE"] = warehouse
    warnings.filterwarnings("ignore")
    import logging

    logging.disable(logging.WARNING)
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from analytics import db

    # The app's own connection, for whichever warehouse the next run reads (one cached connection each); answers
    # are cached per warehouse as they are per build.
    keys = {w: (str(Path(p)), db._stamp(Path(p))) for w, p in (("main", warehouse), ("ref", reference)) if p}
    active = {"w": "main"}
    db.connection = lambda: db._connect(*keys[active["w"]])
    db.build_id = lambda: keys[active["w"]][1]
    db.pin = lambda: keys[active["w"]][1]

    spent = {"t": 0.0, "n": 0}
    original = db.df

    def timed(sql, params=None):
        t0 = time.perf_counter()
        try:
            return original(sql, params)
        finally:
            spent["t"] += time.perf_counter() - t0
            spent["n"] += 1

    db.df = timed

    def open_page(w: str, page: str, query: dict) -> AppTest:
        active["w"] = w
        at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=600)
        for k, v in query.items():
            at.query_params[k] = v
        at.run()
        if page != "overview":
            at.switch_page(PAGES[page])
            at.run()
        if at.exception:
            raise SystemExit(f"{page}/{w}: {at.exception[0].value}")
        return at

    def rerun(w: str, at: AppTest) -> tuple[float, float, int, float | None]:
        """A cold rerun (caches cleared): its time, its queries' time and number; then a warm one."""
        active["w"] = w
        st.cache_data.clear()
        gc.collect()  # as timeit does: a full collection of the probe's own garbage does not land in one rerun
        spent["t"], spent["n"] = 0.0, 0
        t0 = time.perf_counter()
        at.run()
        cold, q, n = time.perf_counter() - t0, spent["t"], spent["n"]
        warm = None
        if measure_warm:
            t0 = time.perf_counter()
            at.run()
            warm = time.perf_counter() - t0
        return cold, q, n, warm

    out = {}
    for page in PAGES:
        apps = {(w, s): open_page(w, page, q) for w in keys for s, q in STATES.items()}
        runs: dict = {k: [] for k in apps}
        for i in range(repeats):
            order = list(apps) if i % 2 == 0 else list(reversed(apps))  # ABBA: neither side always goes first
            for k in order:
                runs[k].append(rerun(k[0], apps[k]))
        for state in STATES:
            mine = runs[("main", state)]
            res = {"queries_ms": round(statistics.median(r[1] for r in mine) * 1000, 1), "n_queries": mine[-1][2],
                   "rerun_ms": round(statistics.median(r[0] for r in mine) * 1000, 1),
                   "warm_rerun_ms": round(statistics.median(r[3] for r in mine) * 1000, 1) if measure_warm else None}
            if reference:
                ref, ref_default = runs[("ref", state)], runs[("ref", "default")]
                res["paired"] = {
                    "real_rerun_ms": round(statistics.median(r[0] for r in ref) * 1000, 1),
                    "real_n_queries": ref[-1][2],
                    # each rerun over the reference's made in the same round
                    "rerun_vs_real": round(statistics.median(a[0] / b[0] for a, b in zip(mine, ref)), 2),
                    "rerun_vs_real_default": round(statistics.median(a[0] / b[0] for a, b in zip(mine, ref_default)), 2)}
            out[f"{page}/{state}"] = res
    # VmHWM: this process's own peak (ru_maxrss would include what the parent had when it forked us)
    out["peak_rss_mb"] = int(next(line for line in open("/proc/self/status") if line.startswith("VmHWM")).split()[1]) // 1024
    print(json.dumps(out))


if __name__ == "__main__":
    main()
