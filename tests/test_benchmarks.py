"""The benchmark's report: the README's tables from a results file."""

from benchmarks import report


def _pages(rerun: dict[str, float], n_queries: dict[str, int]) -> dict:
    return {f"{p}/{v}": {"queries_ms": 10.0, "n_queries": n_queries.get(f"{p}/{v}", 9),
                         "rerun_ms": rerun.get(f"{p}/{v}", 100.0), "warm_rerun_ms": None}
            for p in report.PAGES for v in ("default", "selective")}


def _doc() -> dict:
    real = {"rows": 0, "import_s": 2.0, "projects": 159, "etl_peak_rss_mb": 300, "app_peak_rss_mb": 250,
            "warehouse_mb": 10.0, "pages": _pages({"fse/selective": 50.0}, {"fse/selective": 7})}
    big = {"rows": 1_000_000, "import_s": 24.0, "projects": 999_161, "etl_peak_rss_mb": 2200, "app_peak_rss_mb": 440,
           "warehouse_mb": 369.0, "import_vs_read_csv": 8.0, "bare_read_csv_s": 3.0,
           "import_runs_s": [24.0, 22.5, 25.1], "bare_read_csv_runs_s": [3.0, 2.8, 3.2],
           "pages": _pages({"fse/default": 120.0, "fse/selective": 150.0, "budgets/default": 130.0}, {})}
    return {"machine": {"cpus": 2, "memory_mb": 24105, "python": "3.11.7", "duckdb": "2.0.0"}, "repeats": 5,
            "results": [real, big]}


def test_rerun_ratios_per_view_and_empty_real_pages_are_marked():
    md = report.markdown(_doc())
    assert "| 1 000 000 | 24.0 (22.5–25.1) | 3.00 (2.8–3.2) | 8.0 | 2.1 GB | 0.4 GB | 369 MB |" in md
    assert "| real (159) | 2.0 | – | – | 0.3 GB | 0.2 GB | 10 MB |" in md
    assert "| budgets | 100 (1.00×) / 100 (1.00×) | 130 (1.30×) / 100 (1.00×) |" in md
    # the real data's selective FSE page stopped early (7 queries against 9): marked, and compared with its default
    assert "| fse | 100 (1.00×) / 50 (1.00×) | 120 (1.20×) / 150 (3.00×†) |" in md
    assert "fse, 1 000 000: 1.50× the real data's default view" in md
    assert md.count("†") == 2  # the mark in the table and its note


def test_paired_reruns_give_the_ratio_of_their_rounds():
    """When a size's pages were rerun in turns with the real data's, the ratio is the median of the rounds' ratios
    (measured seconds apart), not the ratio of two medians measured minutes apart."""
    doc = _doc()
    big = doc["results"][1]["pages"]
    big["themes/default"]["paired"] = {"real_rerun_ms": 90.0, "real_n_queries": 9, "rerun_vs_real": 1.31,
                                       "rerun_vs_real_default": 1.31}
    big["fse/selective"]["paired"] = {"real_rerun_ms": 45.0, "real_n_queries": 7, "rerun_vs_real": 3.4,
                                      "rerun_vs_real_default": 1.42}
    md = report.markdown(doc)
    assert "| themes | 100 (1.00×) / 100 (1.00×) | 100 (1.31×) / 100 (1.00×) |" in md
    assert "| fse | 100 (1.00×) / 50 (1.00×) | 120 (1.20×) / 150 (3.40×†) |" in md
    assert "fse, 1 000 000: 1.42× the real data's default view" in md
    assert "made in the same round" in md
