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


def text_themes_sql(texts: str, max_text_themes: int = 3) -> tuple[str, dict]:
    """``assign``'s keyword rules in SQL, for the many texts of an imported table (Python took 0.18 ms a text: three
    minutes for a million rows). ``texts``: a table or query of ``text_key, title, description``. Returns the query
    (``text_key, theme_id, rule``) and its parameters: the reviewed patterns are bound, never written into the SQL.
    Same scores, same order, same words as ``assign`` (tests/test_parity.py runs the cases through both)."""
    _, rules = taxonomy()
    params: dict = {"max_themes": max_text_themes}
    hits = []
    for i, r in enumerate(rules):
        if r.applies_to not in ("text", "both"):
            continue
        params[f"pat{i}"], params[f"theme{i}"] = r.pattern.pattern, r.theme_id
        hits.append(f"""SELECT text_key, {i} AS rule_no, $theme{i} AS theme_id,
                   list_distinct(regexp_extract_all(f, $pat{i})) AS w,
                   list_distinct(regexp_extract_all(ft, $pat{i})) AS tw
            FROM folded WHERE regexp_matches(f, $pat{i})""")
    if not hits:
        return "SELECT NULL::BIGINT AS text_key, NULL::VARCHAR AS theme_id, NULL::VARCHAR AS rule WHERE false", {}
    union = "\n            UNION ALL ".join(hits)
    sql = f"""
        WITH folded AS MATERIALIZED (SELECT text_key, ess_fold(coalesce(title, '') || ' ' || coalesce(description, '')) AS f,
                               ess_fold(coalesce(title, '')) AS ft FROM {texts}),
        hits AS ({union}),
        ranked AS (
            SELECT text_key, theme_id, CASE WHEN len(tw) > 0 THEN list_min(tw) ELSE list_min(w) END AS word,
                   row_number() OVER (PARTITION BY text_key ORDER BY
                       len(list_distinct(w || tw)) + 3 * (len(tw) > 0)::INTEGER DESC, theme_id, rule_no) AS rk
            FROM hits QUALIFY rk <= $max_themes)
        SELECT text_key, theme_id, 'keyword:' || arg_min(word, rk) AS rule FROM ranked GROUP BY text_key, theme_id"""
    return sql, params
