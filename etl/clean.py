"""Pure cleaning functions: raw text in, typed value out (or None), never I/O.

Each parser keeps the raw text beside the parsed value; these functions only
convert. They return None when the text holds no value of the kind asked, so
the caller can record a data-quality issue instead of guessing.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from common.text import fold  # noqa: F401  (the parsers fold names with it)

# Every kind of space a PDF-to-text export leaves inside numbers.
_SPACES = "\u00a0\u202f\u2007\u2009\u200a\u2008 \t"
_SPACE_RE = re.compile(f"[{_SPACES}]+")

_MULTIPLIERS = {
    "k€": Decimal(1_000), "keur": Decimal(1_000), "k": Decimal(1_000), "milliers d'euros": Decimal(1_000),
    "m€": Decimal(1_000_000), "meur": Decimal(1_000_000), "millions d'euros": Decimal(1_000_000),
    "million d'euros": Decimal(1_000_000), "millions d'€": Decimal(1_000_000), "millions": Decimal(1_000_000),
    "million": Decimal(1_000_000), "md€": Decimal(1_000_000_000), "milliards d'euros": Decimal(1_000_000_000),
}

# A number as printed in French documents: groups of digits separated by spaces,
# points or nothing, an optional decimal part after a comma (or a point followed by 1-2 digits).
_NUM = r"\d[\d" + _SPACES + r".]*(?:,\d{3}(?![\d]))*(?:[.,]\d+)?"
_AMOUNT_RE = re.compile(
    r"(?P<sign>(?:^|(?<=[\s:(]))[-−](?=\d))?"  # a minus sign before the number, not a range's dash
    r"(?P<num>" + _NUM + r")\s*(?P<unit>milliards d['’]euros|millions? d['’](?:euros|€)|milliers d['’]euros|"
    r"millions?|md€|m€|k€|meur|keur|€|euros?|eur)",
    re.IGNORECASE,
)


def normalise_text(text: str) -> str:
    """Strip markdown emphasis and fold exotic spaces to plain ones."""
    text = text.replace("**", "").replace("__", "")
    text = text.replace("\u2019", "'")
    return _SPACE_RE.sub(" ", text).strip()


def _to_decimal(num: str) -> Decimal | None:
    """'1 234 567,89', '1.234.567,89', '1,234,567.89', '1234567.89', '2,75', '2.75' -> a Decimal. The last of ','
    and '.' is the decimal mark when both are printed; one kind alone is a thousands separator when it comes more
    than once, or (a point) when three digits follow it."""
    num = _SPACE_RE.sub("", num).strip(".,")
    if not num:
        return None
    if "," in num and "." in num:
        mark = max(num.rfind(","), num.rfind("."))
        whole, frac = num[:mark], num[mark + 1:]
        num = re.sub(r"[.,]", "", whole) + "." + frac
    elif "," in num:
        if num.count(",") > 1:
            num = num.replace(",", "")  # 1,234,567
        else:
            whole, frac = num.split(",")
            num = whole + "." + frac
    elif num.count(".") == 1 and len(num.split(".")[1]) in (1, 2):
        pass  # decimal point: 2.75
    else:
        num = num.replace(".", "")  # thousands separator: 1.200.400
    try:
        return Decimal(num)
    except InvalidOperation:
        return None


def parse_amount(text: str | None) -> Decimal | None:
    """First euro amount in ``text``, in euros. ``None`` if there is none.

    >>> parse_amount("159 810 €"), parse_amount("**1 170 503 €**"), parse_amount("2,75 millions d'euros")
    (Decimal('159810'), Decimal('1170503'), Decimal('2750000.00'))
    """
    if not text:
        return None
    m = _AMOUNT_RE.search(normalise_text(text))
    if not m:
        return None
    value = _to_decimal(m.group("num"))
    if value is None:
        return None
    unit = m.group("unit").lower().replace("’", "'")
    mult = _MULTIPLIERS.get(unit, Decimal(1))
    if m.group("sign") and not re.search(r"\d\s*$", normalise_text(text)[: m.start()]):  # '-5 000 €', not '10 000 - 20 000 €'
        value = -value
    return (value * mult).quantize(Decimal("0.01")) if mult != 1 else value


def find_amounts(text: str) -> list[tuple[str, Decimal]]:
    """All euro amounts in ``text`` as (raw, value) pairs, in order."""
    out = []
    for m in _AMOUNT_RE.finditer(normalise_text(text)):
        v = parse_amount(m.group(0))
        if v is not None:
            out.append((m.group(0).strip(), v))
    return out


_RATE_RE = re.compile(r"(\d+(?:[.,]\d+)?)\s*%")


def parse_rate(text: str | None) -> Decimal | None:
    """First percentage in ``text`` as a fraction: ``'50 %'`` -> ``Decimal('0.5')``."""
    if not text:
        return None
    m = _RATE_RE.search(normalise_text(text))
    if not m:
        return None
    return (Decimal(m.group(1).replace(",", ".")) / 100).normalize()


_DATE_RE = re.compile(r"(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{2,4})")
_MONTHS = {
    "janvier": 1, "février": 2, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6, "juillet": 7,
    "août": 8, "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11, "décembre": 12, "decembre": 12,
}
_WORD_DATE_RE = re.compile(r"(?:(\d{1,2})(?:er)?\s+)?(" + "|".join(_MONTHS) + r")\s+(\d{4})", re.IGNORECASE)


_ISO_DATE_RE = re.compile(r"(?<!\d)((?:19|20)\d\d)-(\d{1,2})-(\d{1,2})(?!\d)")
_MONTH_YEAR_RE = re.compile(r"\b(\d{1,2})\s*/\s*((?:19|20)\d\d)\b")


def parse_date(text: str | None, end: bool = False) -> date | None:
    """A French date (``01/07/2020``, ``1er juillet 2020``, ``juillet 2020``, ``07/2020``, ``2020-07-01``) as a
    ``date``. A month without its day is the month's first day, or its last with ``end``."""
    if not text:
        return None
    text = normalise_text(text)
    try:
        m = _ISO_DATE_RE.search(text)
        if m:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        m = _DATE_RE.search(text)
        if m:
            d, mo, y = (int(g) for g in m.groups())
            if y < 100:
                y += 2000
            return date(y, mo, d)
        m = _WORD_DATE_RE.search(text)
        if m:
            y, mo = int(m.group(3)), _MONTHS[m.group(2).lower()]
            return date(y, mo, int(m.group(1)) if m.group(1) else (_last_day(y, mo) if end else 1))
        m = _MONTH_YEAR_RE.search(text)
        if m:
            y, mo = int(m.group(2)), int(m.group(1))
            return date(y, mo, _last_day(y, mo) if end else 1)
    except ValueError:
        return None
    return None


def _last_day(y: int, mo: int) -> int:
    return ((date(y + (mo == 12), mo % 12 + 1, 1)) - date(y, mo, 1)).days


_PERIOD_SPLIT = re.compile(r"\s+[-–—]\s+|\s+(?:au|à|a|jusqu'au|et le)\s+|\s*[–—]\s*|\s*→\s*")


def parse_period(text: str | None) -> tuple[date | None, date | None]:
    """``'01/07/2020 - 31/12/2021 |'`` -> (2020-07-01, 2021-12-31); stray pipes and dash kinds tolerated."""
    if not text:
        return None, None
    clean = normalise_text(text).replace("|", " ").strip()
    clean = re.sub(r"^(du|de|d['’]|entre)\s*", "", clean, flags=re.IGNORECASE)
    parts = [p for p in _PERIOD_SPLIT.split(clean) if p.strip()]
    if len(parts) >= 2:
        start, end = parse_date(parts[0]), parse_date(parts[-1], end=True)
        if start and end:
            return start, end
    dates = [parse_date(m.group(0)) for m in _DATE_RE.finditer(clean)]
    if len(dates) >= 2:
        return dates[0], dates[-1]
    years = re.findall(r"(?<!\d)((?:19|20)\d\d)(?!\d)", clean)
    if not dates and len(years) == 2 and not _MONTH_YEAR_RE.search(clean) and not _ISO_DATE_RE.search(clean) \
            and not _WORD_DATE_RE.search(clean):  # '2020-2021': the two years whole
        return date(int(years[0]), 1, 1), date(int(years[1]), 12, 31)
    return (dates[0] if dates else parse_date(clean)), None


def slug(text: str, maxlen: int = 48) -> str:
    return fold(text).replace(" ", "-")[:maxlen].strip("-")


def is_upper_line(line: str, min_letters: int = 3) -> bool:
    """True for a heading printed in capitals (ignoring digits and punctuation)."""
    letters = [c for c in line if c.isalpha()]
    if len(letters) < min_letters:
        return False
    upper = sum(1 for c in letters if c.isupper())
    return upper / len(letters) >= 0.9


def key_slug(text: str) -> str:
    """A stable identifier part: readable slug plus a short hash of the full text (no truncation clashes)."""
    import hashlib

    return f"{slug(text, 40)}-{hashlib.sha1(fold(text).encode()).hexdigest()[:6]}"


def siren_of(text: str | None) -> str | None:
    """The SIREN of a SIRET (14 digits) or a SIREN (9), spaces and dots allowed: its first 9 digits, if their Luhn
    key is right (the SQL side: the macro ess_luhn)."""
    digits = re.sub(r"[ .\-]", "", text or "")
    if not re.fullmatch(r"\d{9}|\d{14}", digits):
        return None
    return digits[:9] if siren_ok(digits[:9]) else None


def siren_ok(siren: str) -> bool:
    """The Luhn key of a 9-digit SIREN: every second digit from the right doubled (its digits summed)."""
    if not re.fullmatch(r"\d{9}", siren or ""):
        return False
    total = 0
    for i, ch in enumerate(siren, 1):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d // 10 + d % 10
    return total % 10 == 0
