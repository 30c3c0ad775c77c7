"""What a document announces against what was read from it: the extraction errors.

An extraction error (category 'extraction', severity 'error') says the ETL could not read something the document
holds: a recognised document that yields no record, fewer records than it announces ('les 14 lauréats', a table of
contents of 13 sheets), or a field its family always carries missing on every record. They are distinct from the
inconsistencies inside the sources (an FSE amount above its budget), which stay flagged as they are.
"""

from __future__ import annotations

from etl.models import Issue, ParsedDocument
from etl.parsers.vocabulary import vocabulary

EXTRACTION_RULES = ("no_records", "records_missing", "records_extra", "field_missing_everywhere", "structure_not_found",
                    "unreadable_document", "unrecognised_document", "document_skipped", "missing_field",
                    "unparseable_amount", "unparseable_date", "unparseable_value", "scheme_incomplete",
                    "funnel_line_unread", "encoding_guessed")

_WHAT = {"laureates": "laureates", "eligible": "eligible projects", "examples": "examples",
         "experimentations": "experimentations", "sheets": "sheets", "records": "records", "supported": "projects"}


def check(doc: ParsedDocument) -> None:
    """Add the document's extraction errors to ``doc.issues``."""
    structural = any(i.rule == "structure_not_found" for _, i in doc.issues)
    if not doc.projects and not structural and not _holds_programme_facts(doc):
        doc.issues.append((None, Issue("no_records", "error",
                                       f"recognised as {doc.family} but no record could be read from it",
                                       "0", "", "extraction", params={"family": doc.family})))
    for c in doc.counts:
        what = _WHAT.get(c.what, c.what)
        if c.found < c.announced:
            doc.issues.append((None, Issue("records_missing", "error",
                                           f"the document announces {c.announced} {what} (line {c.line}), "
                                           f"{c.found} read", f"announced={c.announced}; found={c.found}",
                                           c.what, "extraction", params={"announced": c.announced, "found": c.found,
                                                                         "what": c.what, "line": c.line})))
        elif c.found > c.announced:
            doc.issues.append((None, Issue("records_extra", "warning",
                                           f"the document announces {c.announced} {what} (line {c.line}), "
                                           f"{c.found} read", f"announced={c.announced}; found={c.found}",
                                           c.what, "extraction", params={"announced": c.announced, "found": c.found,
                                                                         "what": c.what, "line": c.line})))
    if doc.projects:
        for term in vocabulary(doc.family).of("required"):  # 'field' or 'field@status': for records of a status
            name, _, status = term.field.partition("@")
            scope = [p for p in doc.projects if not status or p.status == status]
            if scope and all(not getattr(p, name, None) for p in scope):
                doc.issues.append((None, Issue("field_missing_everywhere", "error",
                                               f"no record has a {term.phrase}, which every "
                                               f"{status or 'record'} of {doc.family} carries", term.phrase, name,
                                               "extraction", params={"field": name, "family": doc.family})))


def _holds_programme_facts(doc: ParsedDocument) -> bool:
    """A document whose programmes carry figures (a scheme's bounds, a call's funnel) is not empty."""
    facts = ("envelope_eur", "applications", "admissible", "preselected", "supported", "min_grant_eur", "max_grant_eur",
             "rate_cap")
    return any(getattr(p, f) is not None for p in doc.programmes for f in facts)
