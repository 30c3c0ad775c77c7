"""Helpers shared by the document parsers (pure functions over numbered lines)."""

from __future__ import annotations

import csv
import re
from functools import lru_cache

from etl.clean import fold, is_upper_line, normalise_text
from etl.parsers.text import REF_DIR, Line, numbered, prepared  # noqa: F401  (re-exported for the parsers)

EMAIL_RE = re.compile(r"[\w.+-]+ ?@ ?[\w.-]+\.[a-z]{2,}", re.IGNORECASE)
# an address cut by a PDF export: 'reso@reso solidaire.org', 'president@closdu Loiret.org'
_BROKEN_EMAIL_RE = re.compile(r"([\w.+-]+)\s?@\s?([\w-]+(?:\.[\w-]+)*(?: (?!www\.)[\w-]+(?:\.[\w-]+)*){0,3}?)"
                              r"\.([a-z]{2,10})\b", re.IGNORECASE)
PHONE_RE = re.compile(r"(?:\+33[\s.(0)]*|\b0)\d(?:[\s.]?\d{2}){4}\b|\b0\d{3} ?\d{3} ?\d{3}\b|\b0\d{3} \d{4} \d{2}\b"
                      r"|\b0[1-9]\d{8}\b")
URL_RE = re.compile(r"(?:https?://|www\.)[^\s<>)\]]+", re.IGNORECASE)
# '23 300 La Souterraine', '35000 Rennes', '9700 Fort de France' (a 4-digit overseas misprint is kept
# as printed and flagged by the geocoder when it resolves to nothing).
POSTCODE_RE = re.compile(r"(?<![\d])(\d{2}) ?(\d{3})\s+([A-Za-zÀ-ÿ][\w'’ \-()]+?)\.?$")
ADDRESS_END_RE = re.compile(r"\b\d{2} ?\d{2,3}\s+[A-Za-zÀ-ÿ][\w'’ \-()]*\.?$")


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


_CONNECTOR_END = re.compile(r"(?:\b(?:ET|DE|DU|DES|D['’]|À|A|AU|AUX|LA|LE|LES|L['’]|EN|POUR|SUR|PAR)|[&,\-–/])\s*$",
                            re.IGNORECASE)


def caps_groups(lines: list[Line], joins=lambda a, b: False) -> list[tuple[int, str]]:
    """Tags printed in capitals, one per line: consecutive lines are one tag only when a bold span runs over them
    ('**ÉCO\\nCONSTRUCTION**'), the first ends on a connecting word ('DÉVELOPPEMENT ÉCONOMIQUE ET'), or
    ``joins(first, second)`` says the second line only makes sense with the first ('ÉCONOMIE' + 'CIRCULAIRE')."""
    groups: list[tuple[int, str]] = []
    prev_n, open_bold = None, False
    for n, t in lines:
        s = strip_md(t)
        if not s:
            continue
        joined = (prev_n is not None and n == prev_n + 1 and groups
                  and (open_bold or _CONNECTOR_END.search(groups[-1][1]) or joins(groups[-1][1], s)))
        if joined:
            groups[-1] = (groups[-1][0], groups[-1][1] + " " + s)
        else:
            groups.append((n, s))
        if t.count("**") % 2 == 1:
            open_bold = not open_bold
        prev_n = n
    return groups


def split_tags(text: str) -> list[str]:
    """'INSERTION / EMPLOI', 'AGRICULTURE, TOURISME', 'A • B', 'A | B' -> one tag each; an item that opens on a
    preposition continues the one before ('CONSEIL AUX ENTREPRISES, AUX PARTICULIERS…' is one tag)."""
    out: list[str] = []
    for x in re.split(r"\s*(?:,|/|•|\||;|\s[-–]\s)\s*", strip_md(text)):
        x = x.strip(" .-–")
        if not x:
            continue
        if out and re.match(r"(?i)(?:aux?|à|de|du|des|pour|en|et)\s", x):
            out[-1] = f"{out[-1]}, {x}"
        else:
            out.append(x)
    return out


def folded_in(needle: str, haystack: str) -> bool:
    return f" {fold(needle)} " in f" {fold(haystack)} "


# -- contacts ---------------------------------------------------------------------------------------------------

def emails(text: str) -> list[str]:
    """E-mail addresses in ``text``, repaired when a PDF export cut them ('reso@reso solidaire.org' ->
    'reso@resosolidaire.org'), lower case, in order, each once."""
    out: list[str] = []
    for m in _BROKEN_EMAIL_RE.finditer(normalise_text(text)):
        domain = re.sub(r"\s+", "", m.group(2))
        addr = f"{m.group(1)}@{domain}.{m.group(3)}".lower().strip(".")
        if addr not in out:
            out.append(addr)
    return out


def phones(text: str) -> list[str]:
    """French phone numbers in ``text``, written '05 55 20 81 29' (ten digits in pairs; +33 made 0)."""
    out: list[str] = []
    for m in PHONE_RE.finditer(normalise_text(text)):
        digits = re.sub(r"\D", "", m.group(0))
        if digits.startswith("33") and len(digits) >= 11:
            digits = "0" + digits[2:].lstrip("0")
        if len(digits) != 10:
            continue
        pretty = " ".join(digits[i:i + 2] for i in range(0, 10, 2))
        if pretty not in out:
            out.append(pretty)
    return out


def is_contact_line(t: str) -> bool:
    t = strip_md(t)
    return bool(EMAIL_RE.search(t) or PHONE_RE.search(t) or ADDRESS_END_RE.search(t) or URL_RE.search(t))


# -- organisation names -----------------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def legal_forms() -> list[tuple[str, str]]:
    """(folded form, printed form) of legal forms, longest first: data/reference/legal_forms.csv."""
    with (REF_DIR / "legal_forms.csv").open(encoding="utf-8") as fh:
        rows = [(fold(r["form"]), r["form"]) for r in csv.DictReader(fh)]
    return sorted(rows, key=lambda r: -len(r[0]))


def clean_org_name(name: str | None, keep_article: bool = False) -> str | None:
    """An organisation's name as a register would print it: no markdown, no parenthesised expansion ('Grap
    (Groupement régional…)' -> 'Grap'), no leading article (unless ``keep_article``: a quoted name is printed
    whole), its legal form kept and capitalised ('l'association Terra' -> 'Association Terra'), no trailing
    description (', association loi 1901', ' qui …')."""
    if not name:
        return None
    s = strip_md(name).replace("’", "'")
    s = re.sub(r"\s*\([^()]*\)", "", s)  # parenthesised expansions and asides
    s = re.sub(r"\s*[«»\"“”]\s*", " ", s).strip()
    s = re.split(r",\s+|\s+(?:qui|dont|créée?|fondée?|née?)\s|\s[-–]\s(?=[a-zé])", s, maxsplit=1)[0]
    if not keep_article:
        s = re.sub(r"^(?:l'|le |la |les )", "", s.strip(), flags=re.IGNORECASE).strip()
    f = fold(s)
    for folded, printed in legal_forms():
        if f == folded:
            return None  # a legal form alone is no name
        if f.startswith(folded + " "):
            words = len(printed.split())
            rest = " ".join(s.split()[words:])
            rest = re.sub(r"^(?:l'|le |la |les )(?=[A-ZÉ])", "", rest).strip()
            if printed.isupper():
                s = f"{printed} {rest}"
            else:
                s = f"{printed[0].upper()}{printed[1:]} {rest}"
            break
    s = s.strip(" ,.;:-–")
    return (s[0].upper() + s[1:]) if s else None


_VERBS = (r"est|sont|a été|a|créée?|fondée?|née?|regroupe|rassemble|réunit|porte|développe|constitue|accompagne|"
          r"anime|œuvre|agit|propose|intervient|gère|mène|travaille|se|s'|depuis|existe|fédère|favorise|assure|"
          r"active|soutient|contribue|met|vise")
_LEADING_CLAUSE = re.compile(r"^(?:(?:Créée?|Fondée?|Née?|Implantée?|Installée?|Basée?)\s[^,]{0,60}|"
                             r"(?:Au|Aux|En|Dans|Depuis|Sur|À|A)\s[^,]{0,80}),\s*")


def subject_org(text: str, named_only: bool = False) -> str | None:
    """The organisation a presentation paragraph is about: its bold name, its quoted name, or (not with
    ``named_only``) the subject of its first sentence ('Créée en 2012, X est…', 'Au sud du Cher, l'X favorise…')."""
    text = text.strip()
    bold = re.search(r"\*\*(.+?)\*\*", text[:200])
    if bold and bold.start() < 80:
        before = strip_md(text[:bold.start()])
        name = bold.group(1)
        form = re.search(r"(?:^|\s)(?:l['’])?(association|fondation|coopérative|scic|scop)\s*$", before, re.I)
        if form and not re.search(r"sans but lucratif|loi 1901", before, re.I):
            name = f"{form.group(1)} {name}"
        return clean_org_name(name, keep_article=name[:1].isupper())  # '**Le Panier Commun**': the name whole
    quoted = re.search(r"[\"«“]\s*([^\"»”]{2,80}?)\s*[\"»”]", text[:120])
    if quoted and quoted.start() < 40:
        return clean_org_name(quoted.group(1), keep_article=True)
    if named_only:
        return None
    s = _LEADING_CLAUSE.sub("", strip_md(text))
    m = re.match(rf"^(.+?)(?:,|\s)\s*(?:{_VERBS})\b", s)  # a verb in lower case: 'Grand Est' is a name
    if not m or len(m.group(1).split()) > 14:
        return None
    subject = m.group(1).strip()
    if re.match(r"(?i)^(?:je|il|elle|ils|elles|on|nous|vous|cette|ce|cet|ces|son|sa|ses|leur|l'objectif|le projet|"
                r"la démarche|le programme)\b", subject) or not (subject[0].isupper() or re.match(
                    r"(?:l['’]|la |le |les )[A-ZÉ0-9]", subject)):
        return None
    return clean_org_name(subject)
