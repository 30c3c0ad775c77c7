"""python -m benchmarks [--quick] [--sizes 100000 1000000 ...] [--repeats 5]

For each size: a synthetic portfolio (etl.synth, not timed), the import through the real path
(python -m etl, in a child process: time and peak memory), a bare DuckDB read_csv of the same
file for comparison, then every page's queries and AppTest reruns (another child: medians and
peak memory). Up to a million rows the bare read and the import are each run three times, in
turns: the ratio is the median of each import's time over the bare read's just before it (on this
shared 2-core machine one run varies by 10-20 %, and the machine's speed drifts over minutes).
Every page is rerun on each size in turns with the real data's warehouse (benchmarks.app_probe): the
ratio to the real data is the median of each rerun over the real one made in the same round.
Prints the README's tables (benchmarks.report) and writes benchmarks/results/<name>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from benchmarks import report

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"

PEAK = "int(next(l for l in open('/proc/self/status') if l.startswith('VmHWM')).split()[1]) // 1024"
ETL_CHILD = """
import json, sys, time
from pathlib import Path
from etl.build import build
t = time.perf_counter()
r = build([Path(p) for p in sys.argv[2:]], Path(sys.argv[1]), skip_invalid_rows=True)
print(json.dumps({"seconds": time.perf_counter() - t, "projects": r.n_projects, "peak_rss_mb": PEAK}))
""".replace("PEAK", PEAK)
BARE_CHILD = """
import duckdb, json, sys, time
con = duckdb.connect(sys.argv[1])
t = time.perf_counter()
con.execute("CREATE TABLE t AS SELECT * FROM read_csv(?, delim = ';', header = true)", [sys.argv[2]])
con.execute("CHECKPOINT")
print(json.dumps({"seconds": time.perf_counter() - t}))
"""


def machine() -> dict:
    mem = 0
    try:
        mem = int(next(line for line in open("/proc/meminfo") if line.startswith("MemTotal")).split()[1]) // 1024
    except (OSError, StopIteration):
        pass
    return {"cpus": os.cpu_count(), "memory_mb": mem, "platform": platform.platform(), "python": platform.python_version(),
            "duckdb": duckdb.__version__}


def settle() -> None:
    """Let the kernel write back the files just made (the CSV, the warehouse) before the app is timed: on a
    2-core machine that writeback otherwise runs during the page measurements."""
    os.sync()
    time.sleep(2)


def bare_read_csv(csv: Path, work: Path) -> float:
    """DuckDB's read_csv of the same file into an on-disk table, in a child process like the import."""
    db = work / "bare.duckdb"
    db.unlink(missing_ok=True)
    out = subprocess.run([sys.executable, "-c", BARE_CHILD, str(db), str(csv)], capture_output=True, text=True)
    db.unlink(missing_ok=True)
    if out.returncode:
        raise SystemExit(out.stderr[-2000:])
    return json.loads(out.stdout.strip().splitlines()[-1])["seconds"]


def run_import(db: Path, inputs: list[Path], env: dict) -> dict:
    db.unlink(missing_ok=True)
    out = subprocess.run([sys.executable, "-c", ETL_CHILD, str(db), *map(str, inputs)], cwd=ROOT, env=env,
                         capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(out.stderr[-3000:])
    return json.loads(next(line for line in reversed(out.stdout.splitlines()) if line.startswith("{")))


IMPORT_RUNS_UP_TO = 1_000_000  # sizes up to this one: bare read and import three times each


def run_size(rows: int, work: Path, repeats: int, warm: bool = True, reference: Path | None = None) -> dict:
    """One size: its import, bare reads, and the pages (rerun in turns with the REFERENCE warehouse, if given)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    inputs = [ROOT / "data" / "raw"]
    res: dict = {"rows": rows}
    db = work / f"warehouse_{rows}.duckdb"
    runs = 3 if rows and warm and rows <= IMPORT_RUNS_UP_TO else 1
    bare, imports = [], []
    if rows:
        from etl import synth

        tables = work / f"tables_{rows}"
        shutil.rmtree(tables, ignore_errors=True)
        gen = synth.generate(rows, tables / f"portfolio_{rows}.csv", seed=7)
        res["csv_mb"] = round(gen["bytes"] / 1e6, 1)
        res["generate_s"] = round(gen["seconds"], 1)
        inputs.append(tables)
    for _ in range(runs):
        if rows:
            settle()
            bare.append(bare_read_csv(tables / f"portfolio_{rows}.csv", work))
        settle()
        imports.append(run_import(db, inputs, env))
    seconds = [e["seconds"] for e in imports]
    res.update({"import_s": round(statistics.median(seconds), 2), "projects": imports[-1]["projects"],
                "etl_peak_rss_mb": max(e["peak_rss_mb"] for e in imports),
                "warehouse_mb": round(db.stat().st_size / 1e6, 1)})
    if rows:
        res["bare_read_csv_s"] = round(statistics.median(bare), 2)
        # each import against the bare read made just before it (the machine's speed drifts over minutes)
        res["import_vs_read_csv"] = round(statistics.median(i / b for i, b in zip(seconds, bare)), 1)
        if runs > 1:  # every run, in the order they were made
            res["import_runs_s"] = [round(s, 2) for s in seconds]
            res["bare_read_csv_runs_s"] = [round(s, 2) for s in bare]
    settle()
    out = subprocess.run([sys.executable, "-m", "benchmarks.app_probe", str(db), str(repeats), "1" if warm else "0",
                          *([str(reference)] if reference else [])], cwd=ROOT, env=env, capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(out.stderr[-3000:])
    app = json.loads(next(line for line in reversed(out.stdout.splitlines()) if line.startswith("{")))
    res["app_peak_rss_mb"] = app.pop("peak_rss_mb")
    res["pages"] = app
    shutil.rmtree(work / f"tables_{rows}", ignore_errors=True)
    if rows:  # the real data's warehouse stays: the larger sizes' pages are rerun in turns with it
        db.unlink(missing_ok=True)
    return res


def run_profile(profile: str, rows: int, work: Path) -> dict:
    """A published format's file of ``rows`` rows (etl.synth): its import and the bare read, three times in turns."""
    from etl import synth

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    tables = work / f"profile_{profile}"
    shutil.rmtree(tables, ignore_errors=True)
    gen = synth.generate(rows, tables / f"{profile}_{rows}.csv", seed=11, profile=profile)
    db = work / f"warehouse_{profile}.duckdb"
    bare, imports = [], []
    for _ in range(3):
        settle()
        bare.append(bare_read_csv(tables / f"{profile}_{rows}.csv", work))
        settle()
        imports.append(run_import(db, [ROOT / "data" / "raw", tables], env))
    seconds = [e["seconds"] for e in imports]
    shutil.rmtree(tables, ignore_errors=True)
    db.unlink(missing_ok=True)
    return {"profile": profile, "rows": rows, "csv_mb": round(gen["bytes"] / 1e6, 1), "projects": imports[-1]["projects"],
            "import_s": round(statistics.median(seconds), 2), "bare_read_csv_s": round(statistics.median(bare), 2),
            "import_vs_read_csv": round(statistics.median(i / b for i, b in zip(seconds, bare)), 1),
            "import_runs_s": [round(x, 2) for x in seconds], "bare_read_csv_runs_s": [round(x, 2) for x in bare],
            "etl_peak_rss_mb": max(e["peak_rss_mb"] for e in imports)}


PROFILES = ("eu_2014_2020", "eu_2021_2027", "scdl")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks")
    ap.add_argument("--quick", action="store_true",
                    help="real data and 10^5 rows, one cold rerun per page and state (under a minute)")
    ap.add_argument("--sizes", type=int, nargs="*", help="synthetic sizes (default 100000 1000000 10000000)")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--name", default=None, help="results file name (default: quick or full)")
    ap.add_argument("--profile-rows", type=int, default=None,
                    help="rows of each published format's file (default: 10^6 in a full run, none with --quick)")
    args = ap.parse_args(argv)
    sizes = [0] + (args.sizes if args.sizes is not None else ([100_000] if args.quick else [100_000, 1_000_000, 10_000_000]))
    repeats = 1 if args.quick else args.repeats
    name = args.name or ("quick" if args.quick else "full")
    RESULTS.mkdir(parents=True, exist_ok=True)
    results = []
    with tempfile.TemporaryDirectory(prefix="ess-bench-") as tmp:
        for rows in sizes:
            t = time.perf_counter()
            r = run_size(rows, Path(tmp), repeats, warm=not args.quick,
                         reference=Path(tmp) / "warehouse_0.duckdb" if rows else None)
            r["wall_s"] = round(time.perf_counter() - t, 1)
            results.append(r)
            (RESULTS / f"{name}.json").write_text(json.dumps({"machine": machine(), "repeats": repeats,
                                                             "results": results}, indent=1), encoding="utf-8")
            print(f"{rows or 'real'}: import {r['import_s']} s, pages done in {r['wall_s']} s", file=sys.stderr)
        profile_rows = args.profile_rows if args.profile_rows is not None else (0 if args.quick else 1_000_000)
        profiles = []
        for profile in PROFILES if profile_rows else ():
            profiles.append(run_profile(profile, profile_rows, Path(tmp)))
            print(f"{profile}: import {profiles[-1]['import_s']} s, {profiles[-1]['import_vs_read_csv']}x",
                  file=sys.stderr)
            (RESULTS / f"{name}.json").write_text(json.dumps({"machine": machine(), "repeats": repeats,
                                                             "results": results, "profiles": profiles}, indent=1),
                                                 encoding="utf-8")
    doc = {"machine": machine(), "repeats": repeats, "results": results, "profiles": profiles}
    print(report.markdown(doc))  # the README's tables
    print(f"\nper page: benchmarks/results/{name}.json; machine: {doc['machine']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
