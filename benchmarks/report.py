"""The README's performance tables from a results file: python -m benchmarks.report [benchmarks/results/full.json]"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = ["overview", "budgets", "fse", "map", "themes", "projects", "quality"]


def _rows(r: dict) -> str:
    return "real (159)" if not r["rows"] else f"{r['rows']:,}".replace(",", " ")


def markdown(doc: dict) -> str:
    res = doc["results"]
    m = doc["machine"]
    out = [f"Measured on {m['cpus']} cores, {round(m['memory_mb'] / 1024)} GB, Python {m['python']}, DuckDB {m['duckdb']} "
           f"(median of {doc['repeats']}, cold caches):", "",
           "| rows | import (s) | ÷ bare `read_csv` | ETL peak | app peak | warehouse |", "|---|---|---|---|---|---|"]
    for r in res:
        out.append(f"| {_rows(r)} | {r['import_s']:.1f} | {r.get('import_vs_read_csv', '–')} | "
                   f"{r['etl_peak_rss_mb'] / 1024:.1f} GB | {r['app_peak_rss_mb'] / 1024:.1f} GB | {r['warehouse_mb']:.0f} MB |")
    out += ["", "Queries per page, median ms, default / selective view (Bretagne + laureates):", "",
            "| page | " + " | ".join(_rows(r) for r in res) + " |", "|---" * (len(res) + 1) + "|"]
    for p in PAGES:
        out.append(f"| {p} | " + " | ".join(f"{r['pages'][p + '/default']['queries_ms']:.0f} / "
                                            f"{r['pages'][p + '/selective']['queries_ms']:.0f}" for r in res) + " |")
    out += ["", "Cold page rerun under AppTest (queries included), default view, ms, and its ratio to the rerun on the "
            "real data:", "", "| page | " + " | ".join(_rows(r) for r in res) + " |", "|---" * (len(res) + 1) + "|"]
    for p in PAGES:
        base = res[0]["pages"][p + "/default"]["rerun_ms"]
        out.append(f"| {p} | " + " | ".join(f"{r['pages'][p + '/default']['rerun_ms']:.0f} "
                                            f"({r['pages'][p + '/default']['rerun_ms'] / base:.2f}×)" for r in res) + " |")
    return "\n".join(out)


if __name__ == "__main__":
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "benchmarks" / "results" / "full.json"
    print(markdown(json.loads(path.read_text(encoding="utf-8"))))
