"""Helpers shared by the document parsers (pure functions over numbered lines)."""

from __future__ import annotations

import re

from etl.clean import fold, is_upper_line, normalise_text

Line = tuple[int, str]  # (1-based line number, text)

EMAIL_RE = re.compile(r"[\w.+-]+ ?@ ?[\w.-]+\.[a-z]{2,}", re.IGNORECASE)
PHONE_RE = re.compile(r"(?:\+33[\s.(0)]*|\b0)\d(?:[\s.]?\d{2}){4}\b|\b0\d{3} ?\d{3} ?\d{3}\b|\b0\d{3} \d{4} \d{2}\b")
# '23 300 La Souterraine', '35000 Rennes', '9700 Fort de France' (a 4-digit overseas misprint is kept
# as printed and flagged by the geocoder when it resolves to nothing).
POSTCODE_RE = re.compile(r"(?<![\d])(\d{2}) ?(\d{3})\s+([A-Za-zÀ-ÿ][\w'’ \-]+?)\.?$")


def numbered(text: str) -> list[Line]:
    return [(i + 1, line.rstrip()) for i, line in enumerate(text.splitlines())]


def nonblank(lines: list[Line]) -> list[Line]:
    return [(n, t) for n, t in lines if t.strip()]


def strip_md(text: str) -> str:
    return normalise_text(re.sub(r"<[^>]+>", " ", text)).strip(" *_")


def is_caps(text: str, min_letters: int = 2) -> bool:
    return is_upper_line(strip_md(text), min_letters)


def find_line(lines: list[Line], pattern: str, start: int = 0, flags: int = re.IGNORECASE) -> int | None:
    """Index (into ``lines``) of the first line at or after ``start`` matching ``pattern``."""
    rx = re.compile(pattern, flags)
    for i in range(start, len(lines)):
        if rx.search(lines[i][1]):
            return i
    return None


def split_list(text: str) -> list[str]:
    """Split a printed list of organisations on commas, semicolons, slashes and bullets.

    Parenthesised asides are kept with their item; ' et ' only splits the last item.
    """
    text = strip_md(text).rstrip(".")
    if "," not in text and ";" not in text:
        text = re.sub(r"\s[-–]\s", ", ", text)
    items, depth, cur = [], 0, ""
    for ch in text:
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth = max(0, depth - 1)
        if depth == 0 and ch in ",;•/":
            items.append(cur)
            cur = ""
        else:
            cur += ch
    items.append(cur)
    out = []
    for i, item in enumerate(items):
        item = item.strip(" -–.:")
        if i == len(items) - 1 and " et " in item and "(" not in item:
            out.extend(p.strip() for p in item.split(" et ") if p.strip())
        elif item:
            out.append(item)
    return [re.sub(r"^(et|ainsi que)\s+", "", o).strip() for o in out if len(o) > 1]


def caps_groups(lines: list[Line]) -> list[tuple[int, str]]:
    """Join runs of consecutive capitalised lines (no blank between) into tags, keeping bold runs whole."""
    groups: list[tuple[int, str]] = []
    prev_n = None
    for n, t in lines:
        s = strip_md(t)
        if not s:
            continue
        if prev_n is not None and n == prev_n + 1 and groups:
            groups[-1] = (groups[-1][0], groups[-1][1] + " " + s)
        else:
            groups.append((n, s))
        prev_n = n
    return groups


def folded_in(needle: str, haystack: str) -> bool:
    return f" {fold(needle)} " in f" {fold(haystack)} "
