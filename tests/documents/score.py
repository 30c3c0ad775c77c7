"""Field-by-field scoring of parsed documents against expected-values CSVs (the conformance corpus).

Each document ``NAME.txt`` of a family folder has ``NAME.expected.csv``: one row per record, a column per field
(``title`` identifies the record; an empty cell expects no value; a cell '*' or a missing column is not scored;
lists are ' | '-separated; regions and departments are compared as sets). ``NAME.document.csv`` (optional) holds
document-level expectations: ``what,value`` rows for a programme's fields (``programme.FIELD``), announced counts
(``count.WHAT``: 'announced/found') and the issue rules the document must raise (``issue``) or must not (``no_issue``).

Run ``python -m tests.documents.score`` for the accuracy per family and per field.
"""

from __future__ import annotations

import csv
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
SET_FIELDS = {"regions", "departments"}
FAMILIES = ("fse_sheets", "ptce_call", "avise_guide", "rtes_sheets", "cress_slides")


@dataclass
class Score:
    fields: int = 0
    right: int = 0
    misses: list[str] = field(default_factory=list)
    per_field: dict = field(default_factory=lambda: defaultdict(lambda: [0, 0]))

    def add(self, other: Score) -> None:
        self.fields += other.fields
        self.right += other.right
        self.misses += other.misses
        for k, (a, b) in other.per_field.items():
            self.per_field[k][0] += a
            self.per_field[k][1] += b

    @property
    def accuracy(self) -> float:
        return self.right / self.fields if self.fields else 1.0


def documents(family: str | None = None) -> list[Path]:
    """The corpus written for the tests: tests/documents/<family>/*.txt."""
    fams = [family] if family else list(FAMILIES)
    return sorted(p for f in fams for p in (HERE / f).glob("*.txt"))


def bundled() -> list[tuple[Path, Path]]:
    """The bundled documents (data/raw) and their hand-checked values (tests/documents/bundled)."""
    return [(ROOT / "data" / "raw" / (p.name.split(".")[0] + ".txt"), p.with_name(p.name.split(".")[0]))
            for p in sorted((HERE / "bundled").glob("*.expected.csv"))]


def _norm(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return " | ".join(str(v) for v in value)
    return " ".join(str(value).split())


def _same(field_name: str, got: str, want: str) -> bool:
    if field_name in SET_FIELDS:
        return {x.strip() for x in got.split("|") if x.strip()} == {x.strip() for x in want.split("|") if x.strip()}
    if got == want:
        return True
    try:
        return Decimal(got) == Decimal(want)
    except (InvalidOperation, ValueError):
        return False


def actual_records(path: Path) -> tuple[object, dict[str, dict]]:
    """The document read by the real ETL (registry -> parser -> placement, as etl.documents.build_tables does):
    (the registry's reading, {title: {field: value}})."""
    from etl import geo
    from etl.documents import build_tables
    from etl.parsers import registry

    reading = registry.read_document(path, geo.gazetteer())
    if reading.doc is None:
        return reading, {}
    frames = build_tables([reading.doc])
    projects = frames["stage_projects"]
    if projects.empty:
        return reading, {}
    regions = frames["stage_regions"].groupby("project_id")["region_code"].apply(list).to_dict() \
        if not frames["stage_regions"].empty else {}
    deps = frames["stage_departments"].groupby("project_id")["department_code"].apply(list).to_dict() \
        if not frames["stage_departments"].empty else {}
    places = frames["stage_places"].set_index("place_no").to_dict("index")
    tags = frames["stage_tag_sets"].set_index("tag_set_no")["tags"].to_dict() if not frames["stage_tag_sets"].empty else {}
    cof = frames["stage_cofinancers"].groupby("project_id")["name"].apply(list).to_dict() \
        if not frames["stage_cofinancers"].empty else {}
    out: dict[str, dict] = {}
    for row in projects.to_dict("records"):
        pid = row["project_id"]
        place = places.get(row["place_no"], {})
        rec = {k: (None if _isnull(v) else v) for k, v in row.items()}
        place = {k: (None if _isnull(v) else v) for k, v in place.items()}
        rec.update(regions=sorted(regions.get(pid, [])), departments=sorted(deps.get(pid, [])),
                   location_raw=place.get("location_raw"), postcode=place.get("postcode"), city=place.get("city"),
                   tags=tags.get(row["tag_set_no"]) if not _isnull(row["tag_set_no"]) else None,
                   cofinancers=cof.get(pid))
        for d in ("start_date", "end_date"):
            if rec.get(d) is not None:
                rec[d] = rec[d].isoformat()
        title = _norm(rec["title"])
        while title in out:  # the same title twice: the second is 'title#2'
            title += "#2"
        out[title] = rec
    return reading, out


def _isnull(v) -> bool:
    try:
        return v is None or v != v
    except Exception:  # noqa: BLE001 - arrays and the like are values
        return False


def score_document(path: Path, base: Path | None = None) -> Score:
    """``path`` read by the ETL against ``base``.expected.csv and ``base``.document.csv (``base``: the document's
    path without its suffix, unless given)."""
    s = Score()
    base = base or path.with_suffix("")
    expected = base.with_name(base.name + ".expected.csv")
    reading, got = actual_records(path)
    if expected.exists():
        with expected.open(encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        by_order = list(got.values())
        matched = {_norm(r["title"]) for r in rows} & set(got)
        spare = [rec for t, rec in got.items() if t not in matched]
        for i, row in enumerate(rows):
            title = _norm(row["title"])
            rec = got.get(title)
            if rec is None and spare and i < len(by_order) and by_order[i] in spare:
                rec = by_order[i]  # the record in the same place: its title is scored (and missed), its other fields too
                spare.remove(rec)
            for name, want in row.items():
                if want == "*" or name is None:
                    continue
                s.fields += 1
                s.per_field[name][1] += 1
                have = _norm(rec.get(name)) if rec is not None else None
                if rec is not None and _same(name, have, _norm(want)):
                    s.right += 1
                    s.per_field[name][0] += 1
                else:
                    s.misses.append(f"{path.parent.name}/{path.name}: '{title[:50]}' {name}: "
                                    f"expected {want!r}, got {'(record not found)' if rec is None else repr(have)}")
        extra = {_norm(r["title"]) for r in spare} if False else {t for t, r in got.items() if any(r is x for x in spare)}
        for t in sorted(extra):
            s.fields += 1
            s.misses.append(f"{path.parent.name}/{path.name}: record not expected: '{t[:60]}'")
    doc_expect = base.with_name(base.name + ".document.csv")
    if doc_expect.exists():
        doc = reading.doc
        rules = {i.rule for _, i in doc.issues} | {i.rule for p in doc.projects for i in p.issues} if doc else set()
        if reading.skip_issue:
            rules.add(reading.skip_issue.rule)
        with doc_expect.open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                what, want = row["what"], row["value"]
                s.fields += 1
                if what.startswith("programme."):
                    attr = what.split(".", 1)[1]
                    have = {_norm(getattr(p, attr, None)) for p in (doc.programmes if doc else [])}
                    ok = any(_same(attr, h, want) for h in have)
                elif what.startswith("count."):
                    c = next((c for c in (doc.counts if doc else []) if c.what == what.split(".", 1)[1]), None)
                    have = f"{c.announced}/{c.found}" if c else ""
                    ok = have == want
                elif what == "family":
                    have = doc.family if doc else "skipped"
                    ok = have == want
                elif what == "issue":
                    have, ok = sorted(rules), want in rules
                elif what == "no_issue":
                    have, ok = sorted(rules), want not in rules
                else:
                    raise ValueError(f"{doc_expect}: unknown expectation '{what}'")
                if ok:
                    s.right += 1
                else:
                    s.misses.append(f"{path.parent.name}/{path.name}: {what}: expected {want!r}, got {have!r}")
    return s


def main(argv: list[str]) -> int:
    sys.path.insert(0, str(ROOT))
    total = Score()
    for family in FAMILIES:
        fam = Score()
        for p in documents(family):
            fam.add(score_document(p))
        total.add(fam)
        print(f"{family:<14} {fam.right:>5}/{fam.fields:<5} fields right ({100 * fam.accuracy:.1f} %)")
        worst = sorted(((k, a, b) for k, (a, b) in fam.per_field.items() if a < b), key=lambda x: x[1] / x[2])
        for k, a, b in worst[:6]:
            print(f"    {k:<18} {a}/{b}")
    print(f"{'all':<14} {total.right:>5}/{total.fields:<5} fields right ({100 * total.accuracy:.1f} %)")
    hand = Score()
    for path, base in bundled():
        one = score_document(path, base)
        hand.add(one)
        print(f"bundled {path.name:<26} {one.right:>5}/{one.fields:<5} ({100 * one.accuracy:.1f} %)")
    print(f"{'bundled, all':<14} {hand.right:>5}/{hand.fields:<5} fields right ({100 * hand.accuracy:.1f} %)")
    total.misses += hand.misses
    if "-v" in argv:
        print("\n".join(total.misses))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
