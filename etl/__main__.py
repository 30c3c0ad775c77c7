"""python -m etl [--input DIR] [--db PATH] [--strict] [--no-wait]: build the warehouse from documents and tables.

Exit codes: 0 built; 1 built, but --strict and some record or document could not be read in full (the ERRORS block
of the summary lists them); 2 nothing built (the message says why; the previous warehouse, if any, is unchanged);
3 nothing built because another build of the same warehouse is running (--no-wait, or ESS_LOCK_WAIT seconds
passed)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from common import settings
from etl.build import DEFAULT_DB, DEFAULT_IMPORTS, DEFAULT_INPUT, build
from etl.errors import EtlError


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m etl", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--input", type=Path, action="append",
                    help="folder of source documents and CSV/XLSX/Parquet tables; repeatable "
                         "(default: data/raw and, if present, data/imports)")
    ap.add_argument("--db", type=Path, default=DEFAULT_DB, help="warehouse file (default: data/warehouse.duckdb)")
    ap.add_argument("--skip-invalid-rows", action="store_true",
                    help="load the valid rows of a table with rejected rows (they are reported as quality issues)")
    ap.add_argument("--quiet", action="store_true", help="print nothing but errors")
    ap.add_argument("--strict", action="store_true",
                    help="exit 1 when a document or a row could not be read in full (extraction or import errors: "
                         "a record announced but not found, a field missing on every record, a document skipped…); "
                         "for CI and scheduled rebuilds. The warehouse is built all the same")
    ap.add_argument("--no-wait", action="store_true",
                    help="if another build of the same warehouse is running, stop at once (exit 3) instead of "
                         "waiting for it")
    args = ap.parse_args(argv)
    inputs = args.input or [DEFAULT_INPUT] + ([DEFAULT_IMPORTS] if DEFAULT_IMPORTS.is_dir() else [])
    try:
        report = build(inputs, args.db, skip_invalid_rows=args.skip_invalid_rows, wait=not args.no_wait,
                       on_wait=lambda m: print(m, file=sys.stderr, flush=True))
    except EtlError as exc:
        print(f"ETL failed: {exc}", file=sys.stderr)
        print("The previous warehouse, if any, is unchanged.", file=sys.stderr)
        return 3 if exc.key == "etl.lock_busy" else 2
    except Exception as exc:  # noqa: BLE001 - an ETL bug: one clear line, the traceback only when asked for
        if settings.debug():
            raise
        print("ETL failed: " + EtlError(key="etl.internal", why=f"{type(exc).__name__}: {str(exc)[:200]}").message("en")
              + " (ESS_DEBUG=1 shows the traceback)", file=sys.stderr)
        return 2
    if not args.quiet:
        print(report.summary())
    elif report.errors:
        print("\n".join(report.summary().split("\n\nERRORS", 1)[1:2]).join(["ERRORS", ""]), file=sys.stderr)
    if args.strict and report.errors:
        print(f"--strict: {len(report.errors)} extraction or import error(s); exit 1", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
