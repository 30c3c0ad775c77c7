"""python -m etl [--input DIR] [--db PATH]: build the warehouse from source documents."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from etl.pipeline import DEFAULT_DB, DEFAULT_INPUT, EtlError, build


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m etl", description=__doc__)
    ap.add_argument("--input", type=Path, default=DEFAULT_INPUT, help="folder of source documents (default: data/raw)")
    ap.add_argument("--db", type=Path, default=DEFAULT_DB, help="warehouse file (default: data/warehouse.duckdb)")
    ap.add_argument("--quiet", action="store_true", help="print nothing but errors")
    args = ap.parse_args(argv)
    try:
        report = build(args.input, args.db)
    except EtlError as exc:
        print(f"ETL failed: {exc}", file=sys.stderr)
        print("The previous warehouse, if any, is unchanged.", file=sys.stderr)
        return 2
    if not args.quiet:
        print(report.summary())
    return 0


if __name__ == "__main__":
    sys.exit(main())
