"""Each document family's vocabulary: reviewed data under data/reference/documents/, not literals in regexes.

A family's file lists, one per row, what its parser recognises (``kind``) and what it means (``field``):
  marker  a line that marks the family or a record's start ('Projet cofinancé par le FSE')
  block   a heading that opens a part of a record, with no value of its own ('PORTEUR DE PROJET')
  label   a field's label; its value follows on the same line (after ':') or on the next lines
  heading a whole line announcing a list, with its count or year ('Les {n} lauréats', 'LES PROJETS RETENUS')
  count   a phrase inside a sentence that gives a figure ('parmi les {n} candidatures')
  detect  a phrase whose presence makes a document look like the family
and other kinds a family's parser reads the same way. ``phrase`` is matched without regard to case, accents,
apostrophes or spacing (a PDF export glues or cuts words: 'Budgetprévisionnel', 'SUBVEN TION'); in headings and
counts, placeholders read values: {n} a count in digits or words, {year}, {amount} an amount in euros, {rate} a
percentage, {name} any text; {amount:min} names the group 'amount_min'.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

from common.text import fold_same_length, strip_marks
from etl.clean import fold, parse_amount, parse_rate
from etl.parsers.text import REF_DIR, words_to_int

VOCAB_DIR = REF_DIR / "documents"
_BULLETS = "►▶▸▹•■▪◆●○◦➔→➢✓✔*>#|-–—"
_BULLET_RE = re.compile(rf"^[\s{re.escape(_BULLETS)}]+")


@lru_cache(maxsize=1 << 16)
def norm(text: str) -> str:
    """Lower case, no accents, typographic quotes and spaces made plain, markdown emphasis and HTML tags dropped."""
    text = re.sub(r"<[^>]+>", " ", text).replace("**", "").replace("__", "")
    text = strip_marks(text.replace("\u2019", "'").replace("\u2018", "'"))
    return re.sub(r"[\s\u00a0\u202f\u2007\u2009]+", " ", text).strip().lower()


same_length_fold = fold_same_length


@lru_cache(maxsize=1 << 16)
def compact(text: str) -> str:
    """Letters and digits only: how labels are compared (case, accents, spacing and punctuation ignored)."""
    return fold(text).replace(" ", "")


def strip_bullet(text: str) -> str:
    return _BULLET_RE.sub("", text.replace("**", "")).strip()


@lru_cache(maxsize=1)
def _numword() -> str:
    with (REF_DIR / "number_words.csv").open(encoding="utf-8") as fh:
        words = sorted({norm(r["word"]) for r in csv.DictReader(fh)}, key=len, reverse=True)
    one = "(?:" + "|".join(re.escape(w) for w in words) + ")"
    return rf"(?<![a-z]){one}(?:[\s-]+(?:et[\s-]+)?{one})*(?![a-z])"


_AMOUNT = (r"\d[\d\s.]*(?:,\d+)?\s*(?:k\s?€|m\s?€|keur|meur|€|euros?|eur\b|millions? d'euros|milliers d'euros"
           r"|millions?)")
_PLACEHOLDER = re.compile(r"\{(n|year|amount|rate|name|any)(?::(\w+))?\}")


def _literal(text: str) -> str:
    """A literal part of a phrase as a regex that tolerates words cut or glued by a PDF export."""
    out = [r"[\s'\-]*"] if text[:1].isspace() else []
    core = norm(text)
    for i, ch in enumerate(core):
        if ch == "s" and i > 2 and core[i - 1].isalpha() and (i + 1 == len(core) or not core[i + 1].isalnum()):
            out.append(r"s?\s?")  # a plural's final s is optional ('1 expérimentation', '2 expérimentations')
        elif ch == " ":
            out.append(r"[\s'\-]*")
        elif ch in "'-":
            out.append(r"[\s'\-]?")
        elif ch.isalnum():
            out.append(re.escape(ch) + r"\s?")
        else:
            out.append(r"\s?" + re.escape(ch) + r"?\s?")
    if text[-1:].isspace() and norm(text):
        out.append(r"[\s'\-]*")
    return "".join(out)


def compile_phrase(phrase: str) -> re.Pattern:
    parts, pos = [], 0
    for m in _PLACEHOLDER.finditer(phrase):
        parts.append(_literal(phrase[pos:m.start()]))
        kind, name = m.group(1), m.group(2)
        group = f"{kind}_{name}" if name else kind
        parts.append({"n": rf"(?P<{group}>\d[\d\s]*\d|\d|{_numword()})",
                      "year": rf"(?P<{group}>(?:19|20)\d\d)",
                      "amount": rf"(?P<{group}>{_AMOUNT})",
                      "rate": rf"(?P<{group}>\d+(?:[.,]\d+)?\s*%)",
                      "name": rf"(?P<{group}>.+?)",
                      "any": r".*?"}[kind])
        pos = m.end()
    parts.append(_literal(phrase[pos:]))
    return re.compile("".join(parts))


@dataclass(frozen=True)
class Term:
    kind: str
    field: str
    phrase: str
    note: str

    @property
    def key(self) -> str:
        return compact(self.phrase)

    @property
    def pattern(self) -> re.Pattern:
        return _compiled(self.phrase)

    @property
    def lead(self) -> str:
        """The phrase's letters before its first placeholder: a line this phrase matches whole starts with them."""
        return _lead(self.phrase)

    @property
    def needles(self) -> tuple[str, ...]:
        """The phrase's literal parts, letters only: a line this phrase matches holds each of them."""
        return _needles(self.phrase)


def _singular(letters: str) -> str:
    """Letters that a phrase's match always holds: a plural's final s may be missing in the text."""
    return letters[:-1] if letters.endswith("s") else letters


@lru_cache(maxsize=4096)
def _lead(phrase: str) -> str:
    return _singular(compact(_PLACEHOLDER.split(phrase, maxsplit=1)[0]) if "{" in phrase else compact(phrase))


@lru_cache(maxsize=4096)
def _needles(phrase: str) -> tuple[str, ...]:
    parts = [_singular(compact(w)) for i, p in enumerate(_PLACEHOLDER.split(phrase)) if i % 3 == 0
             for w in p.split()]
    return tuple(p for p in parts if len(p) > 1)


@lru_cache(maxsize=4096)
def _compiled(phrase: str) -> re.Pattern:
    return compile_phrase(phrase)


@dataclass
class Hit:
    """A phrase found in a line: its term, the values its placeholders read, and the text after it."""

    term: Term
    values: dict
    rest: str = ""
    start: int = 0
    end: int = 0
    spans: dict = field(default_factory=dict)  # group -> (start, end) in the text searched (search only)

    @property
    def field(self) -> str:
        return self.term.field

    def count(self, group: str = "n") -> int | None:
        v = self.values.get(group)
        return words_to_int(v) if v else None

    def amount(self, group: str = "amount") -> Decimal | None:
        v = self.values.get(group)
        return parse_amount(v) if v else None

    def rate(self, group: str = "rate") -> Decimal | None:
        v = self.values.get(group)
        return parse_rate(v) if v else None


class Vocabulary:
    def __init__(self, family: str, terms: list[Term]):
        self.family = family
        self.terms = terms
        self._of: dict[tuple, list[Term]] = {}
        self._keys: dict[tuple, dict[str, Term]] = {}

    def of(self, *kinds: str) -> list[Term]:
        if kinds not in self._of:
            self._of[kinds] = [t for t in self.terms if t.kind in kinds]
        return self._of[kinds]

    def _by_key(self, kinds: tuple[str, ...]) -> dict[str, Term]:
        """The kinds' terms by their letters (the first term listed wins a tie)."""
        if kinds not in self._keys:
            d: dict[str, Term] = {}
            for t in self.of(*kinds):
                d.setdefault(t.key, t)
            self._keys[kinds] = d
        return self._keys[kinds]

    def phrases(self, kind: str, field: str | None = None) -> list[str]:
        return [t.phrase for t in self.terms if t.kind == kind and (field is None or t.field == field)]

    def label(self, line: str, kinds: tuple[str, ...] = ("label",), inline_only: bool = False) -> Hit | None:
        """The label a line starts with (longest first), and its inline value. A label line is the label alone (or
        with a short qualifier: 'Cofinancement FSE demandé'), the label followed by ':' (or '|', a dash) and its
        value, or a bulleted label and its value ('► Codification FSE 202003945'; not with ``inline_only``)."""
        raw = line.strip()
        bulleted = bool(_BULLET_RE.match(raw)) and not raw.startswith("**")
        text = strip_bullet(raw)
        if not text:
            return None
        words = text.split()
        keys = self._by_key(kinds)
        best, acc = None, ""
        for i, w in enumerate(words[:12]):
            letters = compact(w)
            if not letters:
                continue  # ':' or a dash: part of what follows the label
            acc += letters
            if acc in keys:
                best = (keys[acc], i + 1)  # the longest prefix that is a label
        if best is None:
            # a label glued to its value's first word or cut at its end ('Localisation:Creuse')
            head = re.split(r"\s*[:|]\s*", text, maxsplit=1)
            if len(head) == 2 and head[0] and compact(head[0]) in keys:
                return Hit(keys[compact(head[0])], {}, head[1].strip())
            return None
        term, n = best
        rest = " ".join(words[n:]).strip()
        sep = re.match(r"^(?:[:|]|[-–—](?=\s))\s*", rest)
        if sep:  # 'Montant FSE : 79 905 €'
            return Hit(term, {}, rest[sep.end():].strip(" |"))
        if not rest or re.fullmatch(r"\(.*\)\s*:?", rest):  # the label alone, or with '(prévisionnel)'
            return Hit(term, {}, "")
        if (" " in term.phrase.strip() and len(rest.split()) <= 3 and rest == rest.lower()
                and not re.search(r"\d", rest) and not rest.endswith((".", ","))):
            return Hit(term, {}, "")  # 'Cofinancement FSE demandé': a qualifier of the label
        if bulleted and not inline_only:
            return Hit(term, {}, rest.strip(" |"))  # '► Codification FSE 202003945'
        return None  # a sentence that starts with the label's words

    def whole(self, line: str, kinds: tuple[str, ...], fields: tuple[str, ...] | None = None,
              tail: int = 0) -> Hit | None:
        """A term that is the whole line (bullets, markdown and a final ':' ignored), placeholders read; with
        ``tail``, the term may be followed by that many characters more ('Projet cofinancé par le FSE dans le
        cadre du programme…')."""
        text = norm(strip_bullet(line)).rstrip(" :.!?")
        if not text or len(text) > 160 + tail:
            return None
        letters = compact(text)
        for term in self.of(*kinds):
            if fields and term.field not in fields or not letters.startswith(term.lead):
                continue
            m = term.pattern.fullmatch(text)
            if m is None and tail:
                m = term.pattern.match(text)
                if m and (len(text) - m.end() > tail or text[m.end():m.end() + 1].isalnum()):
                    m = None
            if m:
                return Hit(term, {k: v for k, v in m.groupdict().items() if v is not None}, text[m.end():].strip())
        return None

    def search(self, line: str, kinds: tuple[str, ...], fields: tuple[str, ...] | None = None) -> list[Hit]:
        """Every term found inside a line, in the order of the line (the longest first where several start at the
        same place); positions are those of ``line``, whose values are read as printed."""
        text = same_length_fold(line)
        letters = compact(line)
        out = []
        for term in self.of(*kinds):
            if fields and term.field not in fields or not all(x in letters for x in term.needles):
                continue
            for m in term.pattern.finditer(text):
                groups = {k: line[m.start(k):m.end(k)] for k, v in m.groupdict().items() if v is not None}
                spans = {k: m.span(k) for k, v in m.groupdict().items() if v is not None}
                out.append(Hit(term, groups, start=m.start(), end=m.end(), spans=spans))
        return sorted(out, key=lambda h: (h.start, -(h.end - h.start)))

    def contains(self, text: str, kind: str = "detect", field: str | None = None) -> int:
        """How many of the kind's phrases the (folded) text contains."""
        f = f" {fold(text)} "
        return sum(1 for t in self.of(kind) if (field is None or t.field == field) and f" {fold(t.phrase)} " in f)


@lru_cache(maxsize=16)
def vocabulary(family: str) -> Vocabulary:
    path = VOCAB_DIR / f"{family}.csv"
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    terms = []
    for i, r in enumerate(rows, start=2):
        if not r.get("kind") or not r.get("phrase"):
            raise ValueError(f"{path}, line {i}: kind and phrase are required")
        terms.append(Term(r["kind"].strip(), (r.get("field") or "").strip(), r["phrase"].strip(), r.get("note") or ""))
    return Vocabulary(family, terms)
