"""Property tests on the documents: truncated, shuffled, duplicated and re-encoded, a document never makes the ETL
raise, and no record it held is lost without an issue saying so.

- re-encoded (UTF-8 with a BOM, UTF-16, Windows-1252, CRLF, CR): the same records, title for title;
- truncated: every record whose text is still there is read, or an error-level issue says what was lost; and when
  the document still announces a count, fewer records than announced is an error (records_missing);
- paragraphs shuffled, or a run of lines duplicated: nothing raises; fewer records than a count still announced is
  an error.
"""

import random
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from etl import geo
from etl.parsers import registry
from tests.documents.score import documents

DOCS = documents()
SETTINGS = settings(max_examples=40, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


def _read(tmp: Path, name: str, data: bytes):
    path = tmp / name
    path.write_bytes(data)
    return registry.read_document(path, geo.gazetteer())


def _errors(reading) -> set[str]:
    if reading.doc is None:
        return {reading.skip_issue.rule} if reading.skip_issue and reading.skip_issue.severity == "error" else set()
    doc = reading.doc
    return {i.rule for _, i in doc.issues if i.severity == "error"} | \
        {i.rule for p in doc.projects for i in p.issues if i.severity == "error" and i.category == "extraction"}


def _titles(reading) -> list[str]:
    return sorted(p.title for p in reading.doc.projects) if reading.doc else []


def _counts_honoured(reading) -> bool:
    """Fewer records than a count the document announces is always an error."""
    if reading.doc is None:
        return True
    short = [c for c in reading.doc.counts if c.found < c.announced]
    return not short or "records_missing" in _errors(reading)


@given(doc=st.sampled_from(DOCS), encoding=st.sampled_from(["utf-8-sig", "utf-16", "cp1252", "crlf", "cr"]))
@SETTINGS
def test_reencoded_documents_give_the_same_records(tmp_path_factory, doc, encoding):
    text = doc.read_bytes().decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
    original = _read(tmp_path_factory.mktemp("o"), doc.name, text.encode("utf-8"))
    if encoding == "crlf":
        data = text.replace("\n", "\r\n").encode("utf-8")
    elif encoding == "cr":
        data = text.replace("\n", "\r").encode("utf-8")
    else:
        try:
            data = text.encode(encoding)
        except UnicodeEncodeError:
            return  # a character Windows-1252 cannot hold: not a re-encoding of this document
    again = _read(tmp_path_factory.mktemp("r"), doc.name, data)
    assert _titles(again) == _titles(original)
    assert (again.doc.family if again.doc else None) == (original.doc.family if original.doc else None)


@given(doc=st.sampled_from(DOCS), cut=st.floats(min_value=0.05, max_value=0.95))
@SETTINGS
def test_truncated_documents_lose_nothing_in_silence(tmp_path_factory, doc, cut):
    text = doc.read_text(encoding="utf-8").replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    keep = max(1, int(len(lines) * cut))
    original = _read(tmp_path_factory.mktemp("o"), doc.name, text.encode())
    truncated = _read(tmp_path_factory.mktemp("t"), doc.name, "\n".join(lines[:keep]).encode())
    assert _counts_honoured(truncated)
    if original.doc is None:
        return
    # a record is the lines it starts on (line numbers do not move when the end is cut); one cut in the middle may
    # be read with fewer fields, but a record whose first line is still there must be read, or the loss said
    present = {p.line_start: p.title for p in original.doc.projects if p.line_start <= keep}
    found = {p.line_start for p in truncated.doc.projects} if truncated.doc else set()
    lost = [t for n, t in present.items() if n not in found]
    assert not lost or _errors(truncated), f"lost without an error: {lost}"


@given(doc=st.sampled_from(DOCS), seed=st.integers(0, 10_000), op=st.sampled_from(["shuffle", "duplicate"]))
@SETTINGS
def test_shuffled_and_duplicated_documents_never_raise(tmp_path_factory, doc, seed, op):
    text = doc.read_text(encoding="utf-8").replace("\r\n", "\n").replace("\r", "\n")
    rnd = random.Random(seed)
    if op == "shuffle":
        paragraphs = text.split("\n\n")
        rnd.shuffle(paragraphs)
        mutated = "\n\n".join(paragraphs)
    else:
        lines = text.split("\n")
        a = rnd.randrange(len(lines))
        b = min(len(lines), a + rnd.randrange(1, 40))
        mutated = "\n".join(lines[:b] + lines[a:b] + lines[b:])
    reading = _read(tmp_path_factory.mktemp("m"), doc.name, mutated.encode())
    assert _counts_honoured(reading)
    if reading.doc is not None:
        for p in reading.doc.projects:  # every record read is traceable to its lines
            assert 1 <= p.line_start <= p.line_end <= reading.n_lines


@given(data=st.binary(min_size=0, max_size=2000))
@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_arbitrary_bytes_never_raise(tmp_path_factory, data):
    reading = _read(tmp_path_factory.mktemp("b"), "garbage.txt", data)
    assert reading.doc is not None or reading.skip_issue is not None
