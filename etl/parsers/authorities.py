"""French local authorities named in a text: which one, and its level.

Every kind of authority is recognised, from the reviewed table data/reference/authority_kinds.csv: communes
('Ville de Romainville', a bare 'Villeurbanne'), EPCI (communauté de communes, d'agglomération, urbaine, métropole,
établissement public territorial, 'Toulouse Métropole'), pays and PETR, départements, régions, and the collectivités
à statut particulier (Ville de Paris, Métropole de Lyon, Collectivité de Corse…). A short name is completed by a
longer one the text gives ('Pays de Grasse' -> 'Communauté d'agglomération du Pays de Grasse').
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from etl.clean import fold
from etl.parsers.text import REF_DIR
from etl.parsers.vocabulary import same_length_fold

LEVELS = ("commune", "epci", "pays", "departement", "region", "collectivite_statut_particulier")
_CONNECT = r"(?:de la |de l'|du |des |de |d'|d’)"
# a proper name: capitalised words, with the small words French place names hold ('Saint-Jean-de-Luz', 'Pays de la Loire')
_NAME = (r"(?:[A-ZÉÈÊÎÔÂÛÇ0-9][\w'’\-.]*)(?:[ \-](?:(?:de la|de l'|de|du|des|d'|d’|la|le|les|l'|l’|et|en|sur|sous|aux|à)"
         r"[ \-]?)?[A-ZÉÈÊÎÔÂÛÇ][\w'’\-]*)*")

_NOT_NAMES = {"la", "le", "les", "l", "une", "un", "cette", "ce", "notre", "votre", "leur", "son", "sa", "chaque"}
_SHORT_NAME = r"[A-ZÉÈÊÎÔÂÛÇ][\w'’\-]*(?:\s[A-ZÉÈÊÎÔÂÛÇ][\w'’\-]*){0,2}"


@dataclass(frozen=True)
class Authority:
    name: str
    level: str
    evidence: str
    how: str = "kind"  # kind: named with its kind ('Ville de X'); name: by its own name; place: a bare place name


@dataclass(frozen=True)
class _Kind:
    level: str
    position: str  # prefix | suffix | name
    phrase: str
    printed: str


@lru_cache(maxsize=1)
def _kinds() -> list[_Kind]:
    with (REF_DIR / "authority_kinds.csv").open(encoding="utf-8") as fh:
        rows = [_Kind(r["level"], r["position"], r["phrase"], r["printed"]) for r in csv.DictReader(fh)]
    bad = [k for k in rows if k.level not in LEVELS]
    if bad:
        raise ValueError(f"{REF_DIR / 'authority_kinds.csv'}: unknown level '{bad[0].level}'")
    return sorted(rows, key=lambda k: -len(k.phrase))


def _phrase_rx(phrase: str) -> str:
    out = []
    for w in fold(phrase).split():
        out.append(r"\.?".join(re.escape(c) for c in w) if "." in phrase else re.escape(w))
    return r"[\s'’.\-]+".join(out) + (r"\.?" if "." in phrase else "")


@lru_cache(maxsize=1)
def _patterns() -> list[tuple[_Kind, re.Pattern]]:
    out = []
    for k in _kinds():
        p = _phrase_rx(k.phrase)
        if k.position == "name":
            rx = rf"(?<![\w])(?P<kind>{p})(?![\w])"
        elif k.position == "prefix":
            rx = rf"(?<![\w])(?P<kind>{p})\s*(?P<conn>{_CONNECT})?\s*(?P<name>{_NAME})"
        else:  # 'Toulouse Métropole', 'Mulhouse Alsace Agglomération': a short name before the kind
            rx = rf"(?<![\w'’-])(?P<name>{_SHORT_NAME})\s+(?P<kind>{p})(?![\w])"
        out.append((k, re.compile(rx)))
    return out


def _article(name: str) -> str:
    return "d'" if fold(name)[:1] in "aeiouyh" else "de "


def _kind_lowered(text: str, folded: str, kind: _Kind) -> str:
    """``text`` with the kind's words folded (so that 'COMMUNAUTÉ D'AGGLOMÉRATION' and 'Communauté
    d'Agglomération' match) while names keep their capitals (the name pattern needs them); same length."""
    out, pos = [], 0
    for m in re.finditer(_phrase_rx(kind.phrase), folded):
        out.append(text[pos:m.start()])
        out.append(folded[m.start():m.end()])
        pos = m.end()
    out.append(text[pos:])
    return "".join(out)


def _mentions(text: str, gz=None) -> list[Authority]:
    """Every authority named in ``text`` with a kind word (or by a special name), in the order of the text."""
    text = text.replace("’", "'")
    folded = same_length_fold(text)
    found: list[tuple[int, int, int, Authority]] = []
    for rank, (kind, rx) in enumerate(_patterns()):
        subject = folded if kind.position == "name" else _kind_lowered(text, folded, kind)
        for m in rx.finditer(subject):
            raw_kind = text[m.start("kind"):m.end("kind")]
            if len(kind.phrase) <= 3 and not raw_kind.replace(".", "").isupper():
                continue  # 'CA', 'CC', 'EPT' only as printed in capitals
            if kind.position == "name":
                a = Authority(kind.printed, kind.level, raw_kind, "name")
            else:
                name = re.sub(r"\s+(?:et|à|en|de|du|des)$", "", text[m.start("name"):m.end("name")].strip(" .,"))
                if not name or name.isdigit():
                    continue
                if kind.position == "suffix":  # as printed: 'Brest métropole', 'Toulouse Métropole'
                    if fold(name) in _NOT_NAMES:
                        continue  # 'La Communauté …': an article, not a name before its kind
                    a = Authority(f"{name} {raw_kind}", kind.level, text[m.start():m.end()])
                else:
                    conn = (m.group("conn") or "").replace("’", "'")
                    if kind.level == "region":
                        conn = ""
                    elif not conn and kind.level in ("commune", "departement"):
                        conn = _article(name)
                    a = Authority(f"{kind.printed} {conn}{name}".replace("  ", " "), kind.level,
                                  text[m.start():m.end()])
                    a = _checked(a, name, gz)
            found.append((m.start(), -(m.end() - m.start()), 0 if kind.position == "name" else 1 + rank, a))
    found.sort(key=lambda f: (f[0], f[1], f[2]))
    out, taken = [], []
    for start, neg_len, _, a in found:  # the longest at each position, no overlaps
        end = start - neg_len
        if any(s < end and start < e for s, e in taken):
            continue
        taken.append((start, end))
        out.append(a)
    return out


def _checked(a: Authority, name: str, gz) -> Authority:
    """A 'pays' the EPCI reference knows as an EPCI ('Pays de Grasse') is that EPCI; a 'pays' that is a region
    ('Pays de la Loire') is the region."""
    if a.level != "pays" or gz is None or not a.name.startswith("Pays"):
        return a
    places = gz.names.get(fold(a.name), [])
    epci = next((p for p in places if p.kind == "epci"), None)
    if epci:
        return Authority(epci.label, "epci", a.evidence)
    if any(p.kind == "region" for p in places):
        return Authority(f"Région {a.name}", "region", a.evidence)
    return a


def _from_place(name: str, gz) -> Authority | None:
    """A bare place name standing for its authority: 'Villeurbanne' -> 'Ville de Villeurbanne'; 'Saint-Denis (La
    Réunion)': the commune of that name in the place between brackets."""
    if gz is None:
        return None
    evidence = name
    qualifier = re.search(r"\s*\(([^()]+)\)\s*$", name)
    if qualifier:
        name = name[:qualifier.start()].strip()
        where = gz.lookup(qualifier.group(1))
        communes = [p for p in gz.names.get(fold(name), []) if p.kind == "commune"
                    and where is not None and (set(p.departments) & set(where.departments)
                                               or set(p.regions) & set(where.regions))]
        if len(communes) == 1:
            return Authority(f"Ville {_article(name)}{name}", "commune", evidence, "place")
    communes = [p for p in gz.names.get(fold(name), []) if p.kind == "commune"]
    if len(communes) == 1 or (communes and communes[0].population >= 3 * max(1, sorted(
            c.population for c in communes)[-2] if len(communes) > 1 else 0)):
        pl = max(communes, key=lambda c: c.population)  # a bare name is the town ('Bastia', not its agglomeration)
    else:
        pl = gz.lookup(name)
    if pl is None:
        return None
    if name.isupper():  # 'BASTIA' printed in capitals: the town's name as the gazetteer writes it
        name = pl.label.split(" (")[0] if pl.kind in ("commune", "department", "region") else name.title()
    if pl.kind == "commune":
        if fold(name) == "paris":
            return Authority("Ville de Paris", "collectivite_statut_particulier", name, "place")
        return Authority(f"Ville {_article(name)}{name}", "commune", name, "place")
    if pl.kind == "department":
        return Authority(f"Département {_article(name)}{name}", "departement", name, "place")
    if pl.kind == "region":
        return Authority(f"Région {name}", "region", name, "place")
    if pl.kind == "epci":
        return Authority(pl.label, "epci", name, "place")
    return None


def _complete(a: Authority, text: str, gz=None) -> Authority:
    """The same authority under a longer name in ``text`` ('Pays de Grasse' written in full as 'Communauté
    d'agglomération du Pays de Grasse'; 'Pays de Langres' as 'P.E.T.R. du Pays de Langres'). Only a short form is
    completed: a pays, or a place named alone; an authority named by its own name ('Plaine Commune') stays so."""
    if a.level != "pays" and a.how != "place":
        return a
    cores = {fold(a.name), fold(a.evidence)} - {""}
    best = a
    for b in _mentions(text, gz):
        fb = fold(b.name)
        if b.level != "commune" and len(fb) > len(fold(best.name)) and any(fb.endswith(" " + c) for c in cores):
            best = b
    return best


def find_authority(title: str, body: str, gz=None) -> Authority | None:
    """The local authority an initiative belongs to: named in its title (before ':' first), else the one its text
    names most (a 'pays' named in passing loses to any other authority), completed by its longest name."""
    head = title.split(":")[0].strip() if ":" in title else title
    for text in (head, title):
        ms = _mentions(text, gz)
        if ms:
            return _complete(ms[0], body, gz)
    if ":" in title and len(head.split()) <= 4:
        a = _from_place(re.sub(r"^(?:la |le |les |l')", "", head, flags=re.I), gz)
        if a:
            return _complete(a, body, gz)
    ms = _mentions(body, gz)
    if not ms:
        return None
    counts = Counter(fold(a.name) for a in ms)
    ranked = sorted(ms, key=lambda a: (a.level == "pays", -counts[fold(a.name)], ms.index(a)))
    return _complete(ranked[0], body, gz)
