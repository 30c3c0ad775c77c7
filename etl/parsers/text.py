"""Text as the document exports give it: bytes to text, line ends, page furniture, counts written in words.

Pure functions. Line numbers never change: a line this module blanks (a page number, a running header) keeps its
place, so that every value stays traceable to the line it was printed on.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from functools import lru_cache
from pathlib import Path

from etl.clean import fold

REF_DIR = Path(__file__).resolve().parent.parent.parent / "data" / "reference"
Line = tuple[int, str]  # (1-based line number, text)


class UnreadableDocument(Exception):
    """The bytes are not text in an encoding the ETL recognises; the message says what was found."""


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def decode(raw: bytes) -> tuple[str, str]:
    """(text, encoding): UTF-8 (with or without BOM), UTF-16/32 with a BOM or recognisable without one, else
    Windows-1252 when the bytes read as text there. Raises ``UnreadableDocument`` for binary content."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    for bom, enc in ((b"\xff\xfe\x00\x00", "utf-32-le"), (b"\x00\x00\xfe\xff", "utf-32-be"),
                     (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if raw.startswith(bom):
            try:
                return raw[len(bom):].decode(enc), enc
            except UnicodeDecodeError as exc:
                raise UnreadableDocument(f"starts with a {enc} byte order mark but is not {enc} text "
                                         f"(byte {exc.start + len(bom)})") from exc
    sample = raw[:4000]
    if len(sample) >= 4 and sample.count(b"\x00") * 3 >= len(sample):  # UTF-16 without a BOM: every other byte NUL
        enc = "utf-16-le" if sample[1::2].count(0) > sample[0::2].count(0) else "utf-16-be"
        try:
            return raw.decode(enc), enc
        except UnicodeDecodeError:
            pass
    try:
        text, enc = raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        try:
            text, enc = raw.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            line = raw[: exc.start].count(b"\n") + 1
            raise UnreadableDocument(f"line {line}: neither UTF-8 nor Windows-1252 text (byte {exc.start})") from exc
    bad = len(_CONTROL.findall(text[:20000]))
    if bad > max(3, len(text[:20000]) // 200):
        raise UnreadableDocument(f"holds {bad} control characters in its first 20,000 characters: "
                                 "a binary file, not a text export")
    return _CONTROL.sub(" ", text), enc


def normalise_newlines(text: str) -> str:
    """CRLF and lone CR (old Mac exports) become LF; a form feed (page break) ends a line."""
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n").lstrip("\ufeff")


def numbered(text: str) -> list[Line]:
    return [(i + 1, line.rstrip()) for i, line in enumerate(normalise_newlines(text).split("\n"))]


_PAGE_NO = re.compile(r"^\s*[-–—(\[]?\s*(?:page|p\.)?\s*\d{1,3}(?:\s*(?:/|sur|of)\s*\d{1,3})?\s*[-–—)\]]?\s*$",
                      re.IGNORECASE)
# a running header or footer: a text with letters, and a page number set apart from it by spaces or a separator
_TRAILING_NO = re.compile(r"^(.*?[^\W\d_].*?)\s+(?:[|•·–—-]\s*)?(?:page\s*)?\d{1,3}\s*$", re.IGNORECASE)
_BAR_PAGE = re.compile(r"^\s*([^|]{3,80}?)\s+\|\s*\d{1,3}\s*$")
_LEADING_NO = re.compile(r"^\s*(?:page\s*)?\d{1,3}\s+(?:[|•·–—-]\s*)?(\S*[^\W\d_].*)$", re.IGNORECASE)


def furniture(lines: list[Line], protected=lambda text: False, title_repeats: bool = False) -> set[int]:
    """Line numbers of page furniture: page numbers alone on a line, and running headers or footers (a text
    printed on three pages or more, with a page number beside it, or, with ``title_repeats``, repeating one of
    the document's first lines: for families whose records do not repeat their heading lines).
    ``protected(text)``: lines the family's vocabulary recognises are never furniture."""
    out = {n for n, t in lines if t.strip() and len(t) < 40 and _PAGE_NO.match(t) and not protected(t)}
    # a running header with its page number: the same text beside numbers that grow from page to page
    stems: dict[str, list[tuple[int, int]]] = {}
    for n, t in lines:
        if len(t) >= 100 or "\t" in t or not t.strip():
            continue
        m = _TRAILING_NO.match(t) or _LEADING_NO.match(t)
        if m:
            page = int(re.search(r"\d{1,3}(?=\s*$)", t).group(0) if m.re is _TRAILING_NO
                       else re.search(r"\d{1,3}", t).group(0))
            stems.setdefault(fold(m.group(1)), []).append((n, page))
    for stem, found in stems.items():
        pages = [p for _, p in found]
        if stem and len(set(pages)) >= 3 and pages == sorted(pages) and not protected(stem):
            out.update(n for n, _ in found)
    # a footer or header printed once or twice, 'Résultats 2019 | 12': a text with a year or the document's first
    # words, a bar, a page number
    first_words = {w for _, t in lines[:40] if t.strip() for w in fold(t).split() if len(w) > 3}
    for n, t in lines:
        m = _BAR_PAGE.match(t)
        if m and not protected(t):
            words = set(fold(m.group(1)).split())
            if re.search(r"(?<!\d)(?:19|20)\d\d(?!\d)", m.group(1)) or len(words & first_words) >= 2:
                out.add(n)
    if not title_repeats:
        return out
    # a running header repeating the title: a line of the first five that comes back three times or more
    nonblank = [(n, t) for n, t in lines if t.strip()]
    head = {fold(t) for _, t in nonblank[:5] if len(t) < 100}
    counts = Counter(fold(t) for _, t in nonblank)
    for n, t in nonblank[5:]:
        f = fold(t)
        if f and f in head and counts[f] >= 3 and not protected(t):
            out.add(n)
    return out


def prepared(text: str, protected=lambda text: False, title_repeats: bool = False) -> list[Line]:
    """The document's numbered lines, page furniture blanked (its line numbers kept)."""
    lines = numbered(text)
    drop = furniture(lines, protected, title_repeats)
    return [(n, "" if n in drop else t) for n, t in lines]


# -- counts written in words ('les quatorze lauréats', 'quatre-vingt-cinq projets') -------------------------------

@lru_cache(maxsize=1)
def _number_words() -> dict[str, int]:
    with (REF_DIR / "number_words.csv").open(encoding="utf-8") as fh:
        return {fold(r["word"]).replace(" ", ""): int(r["value"]) for r in csv.DictReader(fh)}


def words_to_int(text: str) -> int | None:
    """A French count written in words, up to 999 999: 'quatorze' 14, 'vingt et un' 21, 'quatre-vingt-cinq' 85,
    'deux cent trente' 230. Digits are read too ('14', '1 200'). None when it is not a count."""
    s = fold(text)
    digits = s.replace(" ", "")
    if digits.isdigit():
        return int(digits)
    words = _number_words()
    s = s.replace(" ", "")
    tokens, i = [], 0
    vocab = sorted(words, key=len, reverse=True)
    while i < len(s):
        if s.startswith("et", i) and tokens:
            i += 2
            continue
        w = next((w for w in vocab if s.startswith(w, i)), None)
        if w is None:
            return None
        tokens.append(words[w])
        i += len(w)
    if not tokens:
        return None
    total, current = 0, 0
    for v in tokens:
        if v == 1000:
            total += max(current, 1) * 1000
            current = 0
        elif v == 100:
            current = max(current, 1) * 100
        elif v == 20 and current % 100 == 4:  # quatre-vingt(s)
            current += 76
        elif v < 100 and current % 100 == 60 and v in range(10, 20):  # soixante-dix … soixante-dix-neuf
            current += v
        elif v < 100 and current % 100 == 80 and v in range(10, 20):  # quatre-vingt-dix …
            current += v
        else:
            current += v
    return total + current
