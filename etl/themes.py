"""Tag records with themes from the reviewed taxonomy in data/reference.

A record's printed tags (PTCE theme lines, Avise hashtags) map to themes through
the rules in theme_rules.csv; a record with no tags gets themes from the same
rules applied to its title, objective and description. Every assignment records
the rule that made it: 'tag:<tag>' or 'keyword:<word>'.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from etl.clean import fold

REF_DIR = Path(__file__).resolve().parent.parent / "data" / "reference"


@dataclass(frozen=True)
class Theme:
    theme_id: str
    label_fr: str
    label_en: str


@dataclass(frozen=True)
class Rule:
    theme_id: str
    applies_to: str
    pattern: re.Pattern


@lru_cache(maxsize=1)
def taxonomy(ref_dir: Path = REF_DIR) -> tuple[list[Theme], list[Rule]]:
    with (ref_dir / "themes.csv").open(encoding="utf-8") as fh:
        themes = [Theme(r["theme_id"], r["label_fr"], r["label_en"]) for r in csv.DictReader(fh)]
    ids = {t.theme_id for t in themes}
    rules = []
    with (ref_dir / "theme_rules.csv").open(encoding="utf-8") as fh:
        for i, r in enumerate(csv.DictReader(fh), start=2):
            if r["theme_id"] not in ids:
                raise ValueError(f"{ref_dir / 'theme_rules.csv'}, line {i}, theme_id: unknown theme '{r['theme_id']}'")
            rules.append(Rule(r["theme_id"], r["applies_to"], re.compile(r["pattern"])))
    return themes, rules


def tag_themes(tag: str) -> list[tuple[str, str]]:
    """Themes of one printed tag: [(theme_id, matched word)]."""
    _, rules = taxonomy()
    f = fold(tag)
    out = []
    for r in rules:
        if r.applies_to in ("tag", "both"):
            m = r.pattern.search(f)
            if m:
                out.append((r.theme_id, m.group(0)))
    return out


def assign(tags: list[str], text: str, max_text_themes: int = 3, title: str = "") -> tuple[list[tuple[str, str]], list[str]]:
    """(theme_id, rule) pairs for a record, and the tags that mapped to no theme."""
    _, rules = taxonomy()
    seen: dict[str, str] = {}
    unmapped = []
    for tag in tags:
        hits = tag_themes(tag)
        if not hits:
            unmapped.append(tag)
        for theme_id, _ in hits:
            seen.setdefault(theme_id, f"tag:{tag}")
    if tags and seen:
        return list(seen.items()), unmapped
    # No usable tag: keyword rules on the text, strongest themes first (a word in the title counts for
    # three, then the number of distinct words).
    f = fold(text or "")
    ft = fold(title or "")
    scores = []
    for r in rules:
        if r.applies_to not in ("text", "both"):
            continue
        words = {m.group(0) for m in r.pattern.finditer(f)}
        in_title = {m.group(0) for m in r.pattern.finditer(ft)}
        if words or in_title:
            best = sorted(in_title)[0] if in_title else sorted(words)[0]
            scores.append((len(words | in_title) + 3 * bool(in_title), r.theme_id, best))
    scores.sort(key=lambda x: (-x[0], x[1]))
    for n, theme_id, word in scores[:max_text_themes]:
        seen.setdefault(theme_id, f"keyword:{word}")
    return list(seen.items()), unmapped
