"""The import format both sides know: its columns (data/reference/import_columns.csv, the README's data dictionary)
and the template a user fills in (the Import page offers it; etl/tables reads what comes back)."""

from __future__ import annotations

import csv
import io
from functools import lru_cache

from common.settings import ROOT

REF = ROOT / "data" / "reference" / "import_columns.csv"


@lru_cache(maxsize=1)
def dictionary() -> tuple[dict, ...]:
    with REF.open(encoding="utf-8") as fh:
        return tuple(csv.DictReader(fh))


def template_csv(lang: str = "fr") -> bytes:
    """A template with every column and one example row (semicolon-separated, UTF-8 with BOM for Excel)."""
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";")
    d = [x for x in dictionary() if x["template"] == "yes"]  # the published profiles' own fields are not offered
    w.writerow([x["field"] if lang == "en" else x["column_fr"] for x in d])
    w.writerow([x["example"] for x in d])
    return buf.getvalue().encode("utf-8-sig")
