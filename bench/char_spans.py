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

from common import model_and_corpus
from sacremoses import MosesDetokenizer

import nerkit
from nerkit.corpus import Sentence
from nerkit.text import detokenize


def natural_text(words: tuple[str, ...], moses: MosesDetokenizer) -> tuple[str, list[tuple[int, int]]]:
    """Moses-detokenised text and each word's offsets in it; plain spaces when a word cannot be found
    (Moses rewrites a few tokens, such as quotes)."""
    text = moses.detokenize(list(words))
    offsets, position = [], 0
    for word in words:
        found = text.find(word, position)
        if found < 0 or text[position:found].strip():
            return detokenize(words)
        offsets.append((found, found + len(word)))
        position = found + len(word)
    return text, offsets


def prf(gold: set, found: set) -> dict[str, float]:
    hits = len(gold & found)
    precision = hits / len(found) if found else 0.0
    recall = hits / len(gold) if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def main() -> None:
    args = model_and_corpus(__doc__.splitlines()[0])
    sentences: list[Sentence] = list(nerkit.read_corpus(args.corpus)[args.split])
    ner = nerkit.load(args.model, recognizers=[])
    token_report = ner.evaluate(sentences)

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
