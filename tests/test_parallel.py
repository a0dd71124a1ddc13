"""`--workers N`: several processes give what one process gives, in the same order."""

from nerkit import parallel
from nerkit.ner import ExtractOptions, LoadOptions
from nerkit.operators import Anonymizer

PEOPLE = [("Alice", "Paris"), ("Bob", "London"), ("Carol", "Berlin")]
TEXTS = [f"{name} visited {place} on Monday. Mail {name.lower()}@acme.com" for name, place in PEOPLE] * 30
TEXTS += ["", "Alice again."]


def test_two_workers_give_one_processs_results_in_order(toy_ner, tmp_path):
    model = toy_ner.tagger.save(tmp_path / "toy", toy_ner.metadata)
    options = ExtractOptions(redact=Anonymizer.from_style("pseudonym"))
    alone = list(toy_ner.results(TEXTS, options))
    together = list(parallel.results(TEXTS, 2, LoadOptions(), model, options))
    assert [r.text for r in together] == TEXTS
    assert [r.entities for r in together] == [r.entities for r in alone]
    assert [str(r.redacted) for r in together] == [str(r.redacted) for r in alone]
