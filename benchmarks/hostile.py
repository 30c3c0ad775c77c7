"""N generated hostile files through the import path: every outcome counted, an unhandled error is a failure.

    python -m benchmarks.hostile [N] [--build-every K] [--seed S]

Each file is a mutation of a valid table (CSV, XLSX or Parquet) or a file made to hurt: other encodings and line
ends, NUL bytes, unbalanced quotes, rows longer or shorter than the header, huge cells and headers, SQL in names,
decompression bombs, lying dimensions, corrupted archives, binary garbage. Each goes through the Import page's
preview (the same reading and checks as a build); every K-th also through a real build of its own warehouse. An
outcome is a load, or a clear message (an EtlError naming the file, without a traceback or a server path); anything
else is counted as unhandled and listed. Exit 1 if any is.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import sys
import tempfile
import time
import traceback
import zipfile
from collections import Counter
from pathlib import Path

import duckdb
from openpyxl import Workbook

from etl import importer
from etl.build import build
from etl.errors import EtlError

HEADER = ["appel", "annee", "identifiant", "titre", "porteur", "statut", "localisation", "budget_total",
          "montant_fse", "taux_fse", "subvention", "date_debut", "date_fin", "themes", "description"]
ROW = ["AAP ESS 2026", "2026", "X-{i}", "Projet {i}", "Asso {i}", "lauréat", "29600 Morlaix", "245 300 €", "120 000 €",
       "50 %", "60 000 €", "01/01/2026", "31/12/2027", "insertion; circuits courts", "Une description"]
NASTY = ['"', "'", ";", ",", "\t", "\n", "\r", "\x00", "\\", "€", "\u202f", "\ufeff", "\u200b", "\u202e", "😀",
         "'); DROP TABLE projects; --", "\" AS VARCHAR), (SELECT 1) AS x, CAST(\"", "$1", "?", "NULL", "1e400", "-inf",
         "%s", "{0}", "<script>", "=cmd|' /C calc'!A0", "x" * 6000, "12 OOO €", "32/13/2026", "9" * 40]


def _csv_text(rng: random.Random, rows: int, delim: str = ";") -> str:
    lines = [delim.join(HEADER)] + [delim.join(c.format(i=i) for c in ROW) for i in range(rows)]
    return "\n".join(lines) + "\n"


def _mutate_text(rng: random.Random, text: str) -> str:
    chars = list(text)
    for _ in range(rng.randint(1, 12)):
        pos = rng.randrange(len(chars) + 1)
        op = rng.random()
        if op < 0.5:
            chars.insert(pos, rng.choice(NASTY))
        elif op < 0.8 and chars:
            del chars[min(pos, len(chars) - 1)]
        elif chars:
            chars[min(pos, len(chars) - 1)] = rng.choice(NASTY)
    return "".join(chars)


def csv_file(rng: random.Random, i: int) -> tuple[str, bytes]:
    kind = rng.choice(["mutate", "encode", "newlines", "nul", "quotes", "ragged", "wide", "garbage", "empty", "huge",
                       "names", "bytes"])
    text = _csv_text(rng, rng.randint(0, 30), rng.choice([";", ",", "\t", "|"]))
    if kind == "mutate":
        data = _mutate_text(rng, text).encode("utf-8", errors="surrogatepass")
    elif kind == "encode":
        enc = rng.choice(["utf-16", "utf-16-le", "utf-16-be", "cp1252", "latin-1", "utf-8-sig", "utf-32"])
        data = text.encode(enc, errors="replace")
    elif kind == "newlines":
        nl = rng.choice(["\r", "\r\n", "\n\r", "\r\r\n"])
        data = text.replace("\n", nl).encode()
        if rng.random() < 0.5:  # mixed
            data = data.replace(nl.encode(), b"\n", rng.randint(0, 5))
    elif kind == "nul":
        b = bytearray(text.encode())
        for _ in range(rng.randint(1, 50)):
            b.insert(rng.randrange(len(b) + 1), 0)
        data = bytes(b)
    elif kind == "quotes":
        data = text.replace("Projet", rng.choice(['"Projet', 'Pro"jet', '"Projet\nsur deux lignes"', '""'])).encode()
    elif kind == "ragged":
        lines = text.split("\n")
        lines = [ln + ";extra" * rng.randint(0, 40) if rng.random() < 0.3 else ln.rsplit(";", rng.randint(0, 5))[0]
                 for ln in lines]
        data = "\n".join(lines).encode()
    elif kind == "wide":
        n = rng.choice([499, 500, 501, 2000])
        data = (";".join(HEADER + [f"c{k}" for k in range(n)]) + "\n" + ";".join(ROW) + "\n").encode()
    elif kind == "garbage":
        data = bytes(rng.randrange(256) for _ in range(rng.randint(1, 5000)))
    elif kind == "empty":
        data = rng.choice([b"", b"\n", b"   \n\n", b"\xef\xbb\xbf", b"\xff\xfe", b";;;\n;;;\n"])
    elif kind == "huge":
        data = (";".join(HEADER) + "\n" + "AAP;2026;A;" + "y" * rng.choice([10_000, 1_000_000]) + "\n").encode()
    elif kind == "names":
        names = [rng.choice(NASTY) + h for h in HEADER]
        data = (";".join(f'"{n.replace(chr(34), chr(34) * 2)}"' for n in names) + "\n" + ";".join(ROW) + "\n").encode()
    else:
        b = bytearray(text.encode())
        for _ in range(rng.randint(1, 30)):
            if b:
                b[rng.randrange(len(b))] = rng.randrange(256)
        data = bytes(b)
    return f"hostile_{i}.csv", data


def _xl(v):
    """A value openpyxl can write (no control character but tab and line breaks)."""
    return "".join(c for c in v if c >= " " or c in "\t\n\r") if isinstance(v, str) else v


def xlsx_file(rng: random.Random, i: int) -> tuple[str, bytes]:
    kind = rng.choice(["values", "values", "corrupt", "truncate", "bomb", "dimension", "not_zip", "laughs"])
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER if rng.random() < 0.8 else [_xl(rng.choice(NASTY))[:50] for _ in HEADER])
    for r in range(rng.randint(0, 25)):
        row = [c.format(i=r) for c in ROW]
        for k in range(len(row)):
            if rng.random() < 0.2:
                row[k] = rng.choice([None, -1, 10 ** 30, 3.5, float("nan"), float("inf"), True,
                                     _xl(rng.choice(NASTY))[:1000]])
        ws.append(row + ([None] * rng.randint(0, 3) + ["au-delà"] if rng.random() < 0.1 else []))
    buf = io.BytesIO()
    try:
        wb.save(buf)
    except Exception:  # noqa: BLE001 - a value openpyxl refuses to write: write a plain one
        wb = Workbook()
        wb.active.append(HEADER)
        buf = io.BytesIO()
        wb.save(buf)
    data = buf.getvalue()
    if kind == "corrupt":
        b = bytearray(data)
        for _ in range(rng.randint(1, 20)):
            b[rng.randrange(len(b))] = rng.randrange(256)
        data = bytes(b)
    elif kind == "truncate":
        data = data[: rng.randrange(len(data))]
    elif kind in ("bomb", "dimension", "laughs"):
        src = zipfile.ZipFile(io.BytesIO(data))
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
            for item in src.infolist():
                part = src.read(item)
                if item.filename == "xl/worksheets/sheet1.xml":
                    if kind == "bomb":
                        head, tail = part.split(b"<sheetData>", 1)
                        part = head + b"<sheetData>" + b" " * (rng.choice([50, 300]) << 20) + tail
                    elif kind == "dimension":
                        part = part.replace(b'<dimension ref="', b'<dimension ref="A1:XFD1048576" x="', 1)
                    else:
                        laughs = (b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
                                  + b"".join(b'<!ENTITY %s "%s">' % (bytes([98 + k]), (b"&%s;" % bytes([97 + k])) * 10)
                                             for k in range(8)) + b"]>")
                        part = laughs + part.split(b"?>", 1)[-1].replace(b"Projet 0", b"&i;")
                z.writestr(item, part)
        data = out.getvalue()
    elif kind == "not_zip":
        data = b"PK\x03\x04" + bytes(rng.randrange(256) for _ in range(rng.randint(10, 2000)))
    return f"hostile_{i}.xlsx", data


def parquet_file(rng: random.Random, i: int, work: Path) -> tuple[str, bytes]:
    kind = rng.choice(["schema", "schema", "names", "corrupt", "truncate", "garbage"])
    path = work / f"p{i}.parquet"
    types = ["VARCHAR", "BIGINT", "DOUBLE", "DATE", "BOOLEAN", "DECIMAL(18,3)", "VARCHAR[]", "BLOB", "TIMESTAMP",
             "STRUCT(a INT, b VARCHAR)", "MAP(VARCHAR, INT)", "HUGEINT"]
    names = HEADER[: rng.randint(1, len(HEADER))] if kind != "names" else \
        [rng.choice(NASTY)[:60] + str(k) for k in range(rng.randint(1, 8))]
    vals = {"VARCHAR": "'v' || i", "BIGINT": "i", "DOUBLE": "i / 7", "DATE": "DATE '2020-01-01' + i::INT",
            "BOOLEAN": "i % 2 = 0", "DECIMAL(18,3)": "i * 1.5", "VARCHAR[]": "['a', 'b']", "BLOB": "'\\xFF'::BLOB",
            "TIMESTAMP": "TIMESTAMP '2020-01-01'", "STRUCT(a INT, b VARCHAR)": "{'a': 1, 'b': 'x'}",
            "MAP(VARCHAR, INT)": "MAP {'k': 1}", "HUGEINT": "i::HUGEINT * 10000000000000000000"}
    cols = []
    for k, n in enumerate(names):
        t = "VARCHAR" if (n in ("appel", "titre") and rng.random() < 0.8) else rng.choice(types)
        cols.append(f"({vals[t]})::{t} AS \"{n.replace(chr(34), chr(34) * 2)}\"")
    con = duckdb.connect()
    try:
        con.execute(f"COPY (SELECT {', '.join(cols)} FROM range({rng.randint(0, 30)}) t(i)) TO '{path}' (FORMAT parquet)")
        data = path.read_bytes()
    except duckdb.Error:
        data = b"PAR1"
    finally:
        con.close()
    if kind == "corrupt" and len(data) > 8:
        b = bytearray(data)
        for _ in range(rng.randint(1, 20)):
            b[rng.randrange(4, len(b) - 4)] = rng.randrange(256)
        data = bytes(b)
    elif kind == "truncate":
        data = data[: rng.randrange(max(len(data), 1))]
    elif kind == "garbage":
        data = b"PAR1" + bytes(rng.randrange(256) for _ in range(rng.randint(0, 3000))) + b"PAR1"
    return f"hostile_{i}.parquet", data


def _clear(message: str | None, name: str) -> bool:
    return bool(message) and name.rsplit(".", 1)[0] in message and "Traceback" not in message and "/tmp/" not in message


def run(n: int, build_every: int, seed: int) -> dict:
    rng = random.Random(seed)
    outcomes: Counter = Counter()
    unhandled: list[str] = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="ess-hostile-") as tmp:
        work = Path(tmp)
        for i in range(n):
            maker = (csv_file, xlsx_file, parquet_file)[i % 3]
            name, data = maker(rng, i, work) if maker is parquet_file else maker(rng, i)
            kind = name.rsplit(".", 1)[1]
            try:
                pv = importer.preview(data, name, lang=rng.choice(["fr", "en"]))
                if pv.fatal is None:
                    outcomes[f"{kind}: loaded ({'all rows valid' if not pv.n_rejected else 'rows rejected'})"] += 1
                elif _clear(pv.fatal, name):
                    outcomes[f"{kind}: clear message"] += 1
                else:
                    outcomes[f"{kind}: UNCLEAR message"] += 1
                    unhandled.append(f"{name}: preview message {pv.fatal!r}")
            except Exception as exc:  # noqa: BLE001 - what this script counts
                outcomes[f"{kind}: UNHANDLED"] += 1
                unhandled.append(f"{name}: preview {type(exc).__name__}: {exc}\n{traceback.format_exc(limit=3)}")
            if build_every and i % build_every == 0:
                d = work / f"in{i}"
                d.mkdir()
                (d / name).write_bytes(data)
                try:
                    build([d], work / f"w{i}.duckdb", skip_invalid_rows=True)
                    outcomes["build: built"] += 1
                except EtlError as exc:
                    key = "build: clear message" if _clear(str(exc), name) or exc.key in ("etl.no_project",) \
                        else "build: UNCLEAR message"
                    outcomes[key] += 1
                    if "UNCLEAR" in key:
                        unhandled.append(f"{name}: build message {exc}")
                except Exception as exc:  # noqa: BLE001
                    outcomes["build: UNHANDLED"] += 1
                    unhandled.append(f"{name}: build {type(exc).__name__}: {exc}")
    return {"files": n, "seconds": round(time.perf_counter() - started, 1), "outcomes": dict(sorted(outcomes.items())),
            "unhandled": unhandled}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.hostile", description=__doc__.split("\n\n")[0])
    ap.add_argument("n", nargs="?", type=int, default=2100)
    ap.add_argument("--build-every", type=int, default=20, help="every K-th file also through a build (0: none)")
    ap.add_argument("--seed", type=int, default=15)
    args = ap.parse_args(argv)
    res = run(args.n, args.build_every, args.seed)
    print(json.dumps({k: v for k, v in res.items() if k != "unhandled"}, indent=1, ensure_ascii=False))
    for u in res["unhandled"][:50]:
        print("UNHANDLED", u[:2000])
    bad = sum(v for k, v in res["outcomes"].items() if "UNHANDLED" in k or "UNCLEAR" in k)
    print(f"{res['files']} files, {bad} unhandled or unclear")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
