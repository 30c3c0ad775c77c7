"""python -m etl [--input DIR] [--db PATH] [--strict]: build the warehouse from source documents and tables.

Exit codes: 0 built; 1 built, but --strict and some record or document could not be read (the ERRORS block of the
summary lists them); 2 nothing built (the previous warehouse, if any, is unchanged)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from etl.pipeline import DEFAULT_DB, DEFAULT_IMPORTS, DEFAULT_INPUT, EtlError, build


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m etl", description=__doc__)
    ap.add_argument("--input", type=Path, action="append",
                    help="folder of source documents and CSV/XLSX tables; repeatable "
                         "(default: data/raw and, if present, data/imports)")
    ap.add_argument("--db", type=Path, default=DEFAULT_DB, help="warehouse file (default: data/warehouse.duckdb)")
    ap.add_argument("--skip-invalid-rows", action="store_true",
                    help="load the valid rows of a table with rejected rows (they are reported as quality issues)")
    ap.add_argument("--quiet", action="store_true", help="print nothing but errors")
    ap.add_argument("--strict", action="store_true",
                    help="exit 1 when a document or a row could not be read in full (extraction or import errors: "
                         "a record announced but not found, a field missing on every record, a document skipped…); "
                         "for CI and scheduled rebuilds. The warehouse is built all the same")
    args = ap.parse_args(argv)
    inputs = args.input or [DEFAULT_INPUT] + ([DEFAULT_IMPORTS] if DEFAULT_IMPORTS.is_dir() else [])
    try:
        report = build(inputs, args.db, skip_invalid_rows=args.skip_invalid_rows)
    except EtlError as exc:
        print(f"ETL failed: {exc}", file=sys.stderr)
        print("The previous warehouse, if any, is unchanged.", file=sys.stderr)
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
