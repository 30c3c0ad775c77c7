"""Child process: time every page's queries and reruns under AppTest against one warehouse; print JSON.

    python -m benchmarks.app_probe WAREHOUSE REPEATS [WARM=1|0]
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = {"overview": "views/1_overview.py", "budgets": "views/2_budgets.py", "fse": "views/3_fse.py",
         "map": "views/4_map.py", "themes": "views/5_themes.py", "projects": "views/6_projects.py",
         "quality": "views/7_quality.py"}
# The default view, and a selective one (a region and a status: what a program officer does first).
STATES = {"default": {}, "selective": {"reg": "53", "status": "laureate"}}


def main() -> None:
    warehouse, repeats = sys.argv[1], int(sys.argv[2])
    measure_warm = len(sys.argv) < 4 or sys.argv[3] == "1"
    os.environ["ESS_WAREHOUSE"] = warehouse
    warnings.filterwarnings("ignore")
    import logging

    logging.disable(logging.WARNING)
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from analytics import queries as Q

    spent = {"t": 0.0, "n": 0}
    original = Q._df

    def timed(sql, params=None):
        t0 = time.perf_counter()
        try:
            return original(sql, params)
        finally:
            spent["t"] += time.perf_counter() - t0
            spent["n"] += 1

    Q._df = timed
    out = {}
    for state, query in STATES.items():
        for page, script in PAGES.items():
            at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=600)
            for k, v in query.items():
                at.query_params[k] = v
            at.run()
            if page != "overview":
                at.switch_page(script)
                at.run()
            if at.exception:
                raise SystemExit(f"{page}/{state}: {at.exception[0].value}")
            q_times, reruns, warm = [], [], []
            for _ in range(repeats):
                st.cache_data.clear()
                spent["t"], spent["n"] = 0.0, 0
                t0 = time.perf_counter()
                at.run()
                reruns.append(time.perf_counter() - t0)
                q_times.append(spent["t"])
                if measure_warm:
                    t0 = time.perf_counter()
                    at.run()
                    warm.append(time.perf_counter() - t0)
            out[f"{page}/{state}"] = {"queries_ms": round(statistics.median(q_times) * 1000, 1),
                                      "n_queries": spent["n"],
                                      "rerun_ms": round(statistics.median(reruns) * 1000, 1),
                                      "warm_rerun_ms": round(statistics.median(warm) * 1000, 1) if warm else None}
    # VmHWM: this process's own peak (ru_maxrss would include what the parent had when it forked us)
    out["peak_rss_mb"] = int(next(line for line in open("/proc/self/status") if line.startswith("VmHWM")).split()[1]) // 1024
    print(json.dumps(out))


if __name__ == "__main__":
    main()
