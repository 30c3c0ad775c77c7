"""Which family a document belongs to, and reading it: bytes -> text -> records, with what it announces checked.

Each family's ``detect`` scores how much a text looks like it (0: not at all); the best score wins. A document
that no family claims is skipped with its reason (the family it resembles most, if any); a document a family
claims is parsed, then checked against what it announces (etl.parsers.extraction).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from etl import geo
from etl.clean import fold
from etl.models import Issue, ParsedDocument
from etl.parsers import avise, cress, extraction, fse, ptce, rtes
from etl.parsers.text import UnreadableDocument, decode, normalise_newlines


def _region_words(gz: geo.Gazetteer) -> set[str]:
    words = {fold(n) for n in gz.regions.values()}
    for key, places in gz.names.items():
        if any(p.kind == "alias" and p.regions and not p.departments for p in places):
            words.add(key)
    return words


PARSERS = [  # order breaks ties between equal scores
    (fse.FAMILY, fse.detect, lambda text, name, gz: fse.parse(text, name)),
    (ptce.FAMILY, ptce.detect, lambda text, name, gz: ptce.parse(text, name, _region_words(gz))),
    (avise.FAMILY, avise.detect, lambda text, name, gz: avise.parse(text, name)),
    (rtes.FAMILY, rtes.detect, lambda text, name, gz: rtes.parse(text, name, gz)),
    (cress.FAMILY, cress.detect, lambda text, name, gz: cress.parse(text, name)),
]
FAMILIES = [f for f, _, _ in PARSERS]


def scores(text: str) -> dict[str, int]:
    text = normalise_newlines(text)
    return {family: int(det(text) or 0) for family, det, _ in PARSERS}


def detect_family(text: str) -> str | None:
    s = scores(text)
    best = max(FAMILIES, key=lambda f: (s[f], -FAMILIES.index(f)))
    return best if s[best] > 0 else None


def resemblance(text: str) -> str | None:
    """The family a text names without having its structure ('PTCE' without laureates' sections), if any."""
    head = fold(text[:20000])
    for family, module in ((fse.FAMILY, fse), (ptce.FAMILY, ptce), (avise.FAMILY, avise), (rtes.FAMILY, rtes),
                           (cress.FAMILY, cress)):
        v = module._vocab()
        if any(f" {fold(t.phrase)} " in f" {head} " for t in v.of("detect")):
            return family
    return None


@dataclass
class Reading:
    """One document file: parsed, or skipped with the reason (a skipped document that looks like a family, or that
    cannot be read as text, is an extraction error: its records would be lost)."""

    path: Path
    sha256: str
    doc: ParsedDocument | None = None
    skipped: str | None = None
    skip_issue: Issue | None = None
    encoding: str = ""
    n_lines: int = 0
    issues: list[Issue] = field(default_factory=list)


def read_document(path: Path, gz: geo.Gazetteer | None = None) -> Reading:
    raw = path.read_bytes()
    reading = Reading(path, hashlib.sha256(raw).hexdigest())
    try:
        text, reading.encoding = decode(raw)
    except UnreadableDocument as exc:
        reading.skipped = f"not a text document: {exc}"
        reading.skip_issue = Issue("unreadable_document", "error", f"{path.name}: {reading.skipped}", str(exc), "",
                                   "extraction", params={"file": path.name, "why": str(exc)[:200]})
        return reading
    text = normalise_newlines(text)
    reading.n_lines = text.count("\n") + 1
    family = detect_family(text)
    if family is None:
        near = resemblance(text)
        if near:
            reading.skipped = f"names {near}'s subject but has none of its structure (headings, sections, labels)"
            reading.skip_issue = Issue("unrecognised_document", "error", f"{path.name}: {reading.skipped}", near, "",
                                       "extraction", params={"file": path.name, "family": near})
        else:
            reading.skipped = "not a known document family"
            reading.skip_issue = Issue("document_skipped", "warning", f"{path.name}: {reading.skipped}", "", "",
                                       "extraction", params={"file": path.name})
        return reading
    parser = next(p for f, _, p in PARSERS if f == family)
    doc = parser(text, path.name, gz or geo.gazetteer())
    doc.sha256 = reading.sha256
    doc.n_lines = reading.n_lines
    doc.text = text
    doc.encoding = reading.encoding
    if reading.encoding not in ("utf-8", "utf-8-sig"):
        doc.issues.append((None, Issue("encoding_guessed", "info",
                                       f"{path.name} is not UTF-8: read as {reading.encoding}",
                                       reading.encoding, "", "extraction",
                                       params={"file": path.name, "encoding": reading.encoding})))
    extraction.check(doc)
    reading.doc = doc
    return reading
