"""The conformance corpus: documents of each family written for the tests (other years, reworded headings and
labels, reordered and missing sections, CR and CRLF line ends, PDF artefacts, overseas and Corsican places), each
read by the real ETL and scored field by field against its expected values (tests/documents/score.py); and the
bundled documents against their hand-checked values."""

import pytest

from tests.documents.score import FAMILIES, bundled, documents, score_document


def test_every_family_has_four_documents_at_least():
    assert {f: len(documents(f)) >= 4 for f in FAMILIES} == {f: True for f in FAMILIES}


@pytest.mark.parametrize("path", documents(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_corpus_document_read_right(path):
    s = score_document(path)
    assert s.fields > 0
    assert s.misses == [], "\n".join(s.misses)


@pytest.mark.parametrize("path, base", bundled(), ids=lambda x: getattr(x, "name", ""))
def test_bundled_document_hand_checked_values(path, base):
    s = score_document(path, base)
    assert s.fields > 50
    assert s.misses == [], "\n".join(s.misses)
