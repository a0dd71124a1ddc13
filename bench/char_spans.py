"""How much is lost between pre-tokenised evaluation and raw text.

    python bench/char_spans.py --model models/gmb --corpus gmb [--split test]

Each gold sentence is detokenised into natural text (sacremoses' Moses detokenizer: no space before
punctuation, `Smith 's` -> `Smith's`), gold entities become character spans in that text, and
`NER.extract` (model only, no patterns) runs on the raw text with nerkit's own segmentation. The
character-span micro F1 is compared with the token-level F1 of the same model on the same sentences.
"""

from __future__ import annotations

import json
import time

from common import model_and_corpus, natural_text, prf
from sacremoses import MosesDetokenizer

import nerkit
from nerkit.corpus import Sentence


def main() -> None:
    args = model_and_corpus(__doc__.splitlines()[0])
    sentences: list[Sentence] = list(nerkit.read_corpus(args.corpus)[args.split])
    ner = nerkit.load(args.model, recognizers=[])
    token_report = ner.evaluate(sentences).report

    moses = MosesDetokenizer("en")
    texts, gold = [], set()
    for index, sentence in enumerate(sentences):
        text, offsets = natural_text(sentence.words, moses)
        texts.append(text)
        for start, end, kind in sentence.spans:
            gold.add((index, offsets[start][0], offsets[end - 1][1], ner.label_names.get(kind, kind)))
    started = time.perf_counter()
    found = {
        (index, entity.start, entity.end, entity.label)
        for index, entities in enumerate(ner.extract_batch(texts))
        for entity in entities
    }
    seconds = time.perf_counter() - started
    chars = prf(gold, found)
    print(
        json.dumps(
            {
                "model": args.model,
                "corpus": args.corpus,
                "split": args.split,
                "sentences": len(sentences),
                "token_f1": token_report.micro.f1,
                "char_span": chars,
                "gap_points": round(100 * (token_report.micro.f1 - chars["f1"]), 2),
                "extract_seconds": round(seconds, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
