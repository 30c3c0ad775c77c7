"""The README's performance tables from a results file: python -m benchmarks.report [benchmarks/results/full.json]"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = ["overview", "budgets", "fse", "map", "themes", "projects", "quality"]


def _rows(r: dict) -> str:
    return f"real ({r['projects']})" if not r["rows"] else f"{r['rows']:,}".replace(",", " ")


def markdown(doc: dict) -> str:
    res = doc["results"]
    m = doc["machine"]
    out = [f"Measured on {m['cpus']} cores, {round(m['memory_mb'] / 1024)} GB, Python {m['python']}, DuckDB {m['duckdb']} "
           f"(median of {doc['repeats']}, cold caches):", "",
           "| rows | import (s) | bare `read_csv` (s) | import ÷ bare | ETL peak | app peak | warehouse |",
           "|---|---|---|---|---|---|---|"]

    def runs(r: dict, key: str, value: str) -> str:  # the median, and the range of the runs when there were several
        v = r.get(f"{key}_runs_s")
        return f"{value} ({min(v):.1f}–{max(v):.1f})" if v else value

    for r in res:
        bare = f"{r['bare_read_csv_s']:.2f}" if "bare_read_csv_s" in r else "–"
        imp = f"{r['import_s']:.1f}"
        out.append(f"| {_rows(r)} | {runs(r, 'import', imp)} | "
                   f"{runs(r, 'bare_read_csv', bare)} | {r.get('import_vs_read_csv', '–')} | "
                   f"{r['etl_peak_rss_mb'] / 1024:.1f} GB | {r['app_peak_rss_mb'] / 1024:.1f} GB | {r['warehouse_mb']:.0f} MB |")
    if doc.get("profiles"):
        out += ["", "Published formats (etl.synth --profile), import ÷ bare `read_csv` of the same file:", "",
                "| format | rows | import (s) | bare `read_csv` (s) | import ÷ bare | ETL peak |",
                "|---|---|---|---|---|---|"]
        for r in doc["profiles"]:
            rows = f"{r['rows']:,}".replace(",", " ")
            imp, bare = runs(r, "import", f"{r['import_s']:.1f}"), runs(r, "bare_read_csv", f"{r['bare_read_csv_s']:.2f}")
            out.append(f"| {r['profile']} | {rows} | {imp} | {bare} | {r['import_vs_read_csv']} | "
                       f"{r['etl_peak_rss_mb'] / 1024:.1f} GB |")
    if any("import_runs_s" in r for r in res):
        out += ["", "Import and bare read: median of three runs made in turns (their range in brackets) up to a million "
                "rows, one run above; the ratio is the median of each import over the bare read made just before it."]
    out += ["", "Queries per page, median ms, default / selective view (Bretagne + laureates):", "",
            "| page | " + " | ".join(_rows(r) for r in res) + " |", "|---" * (len(res) + 1) + "|"]
    for p in PAGES:
        out.append(f"| {p} | " + " | ".join(f"{r['pages'][p + '/default']['queries_ms']:.0f} / "
                                            f"{r['pages'][p + '/selective']['queries_ms']:.0f}" for r in res) + " |")
    paired = any("paired" in v for r in res for v in r["pages"].values())
    out += ["", "Cold page rerun under AppTest (queries included), ms, and its ratio to the same page and view on the "
            "real data, default / selective view" + (
                " (the ratio is the median of each rerun over the real data's rerun made in the same round, "
                "seconds apart):" if paired else ":"), "",
            "| page | " + " | ".join(_rows(r) for r in res) + " |", "|---" * (len(res) + 1) + "|"]
    notes = []
    for p in PAGES:
        cells = []
        for r in res:
            parts = []
            for view in ("default", "selective"):
                real, here = res[0]["pages"][f"{p}/{view}"], r["pages"][f"{p}/{view}"]
                pair = here.get("paired")
                if pair:  # measured in turns with the real data
                    ratio, n_real, ratio_default = pair["rerun_vs_real"], pair["real_n_queries"], pair["rerun_vs_real_default"]
                else:  # measured in separate runs
                    ratio, n_real = here["rerun_ms"] / real["rerun_ms"], real["n_queries"]
                    ratio_default = here["rerun_ms"] / res[0]["pages"][p + "/default"]["rerun_ms"]
                mark = ""
                if r["rows"] and n_real < here["n_queries"]:
                    # the real data has nothing to show in this view: its page stops early, at its empty state
                    mark = "†"
                    notes.append(f"{p}, {_rows(r)}: {ratio_default:.2f}× the real data's default view")
                parts.append(f"{here['rerun_ms']:.0f} ({ratio:.2f}×{mark})")
            cells.append(" / ".join(parts))
        out.append(f"| {p} | " + " | ".join(cells) + " |")
    if notes:
        out += ["", "† On the real data this view leaves the page nothing to show (it stops at its empty state, "
                "with fewer queries), so the ratio compares an empty page with a full one. Against the same page's "
                "default view on the real data: " + "; ".join(notes) + "."]
    return "\n".join(out)


if __name__ == "__main__":
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "benchmarks" / "results" / "full.json"
    print(markdown(json.loads(path.read_text(encoding="utf-8"))))
