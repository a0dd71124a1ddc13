"""Document summaries: how well `nerkit.summary` groups mentions of the same entity, on the gold set in
tests/data/summary/summary.txt (pairwise precision and recall over mention pairs, on gold mentions, so
the figure is the grouping alone, not the model's recall).

    python bench/summary.py --split heldout
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
from pathlib import Path

from nerkit.entities import Entity
from nerkit.summary import summarize

DATA = Path(__file__).parents[1] / "tests" / "data" / "summary" / "summary.txt"
_MENTION = re.compile(r"\{\{([^|}]+)\|([A-Z_]+)\|(\d+)\}\}")


def read(path: Path = DATA) -> list[tuple[str, str, list[Entity], list[int]]]:
    """(id, split, gold mentions as entities, their gold group numbers) per document."""
    documents = []
    for block in path.read_text(encoding="utf-8").split("### ")[1:]:
        header, marked = block.split("\n", 1)
        fields = dict(pair.split("=", 1) for pair in header.split())
        text, entities, groups, position = "", [], [], 0
        for match in _MENTION.finditer(marked):
            text += marked[position : match.start()]
            entities.append(Entity(len(text), len(text) + len(match[1]), match[2], match[1]))
            groups.append(int(match[3]))
            text += match[1]
            position = match.end()
        documents.append((fields["id"], fields["split"], entities, groups))
    return documents


def pairwise(split: str) -> dict:
    """Pairs of mentions put in one group: how many of the predicted pairs are gold pairs (precision)
    and how many gold pairs were predicted (recall)."""
    right = predicted = gold = 0
    for _, where, entities, groups in read():
        if where != split:
            continue
        found = {}
        for number, group in enumerate(summarize(entities)):
            for offsets in group.mentions:
                found[offsets] = number
        pairs = list(itertools.combinations(range(len(entities)), 2))
        ours = {
            (a, b)
            for a, b in pairs
            if found[entities[a].start, entities[a].end] == found[entities[b].start, entities[b].end]
        }
        theirs = {(a, b) for a, b in pairs if groups[a] == groups[b]}
        right, predicted, gold = right + len(ours & theirs), predicted + len(ours), gold + len(theirs)
    precision, recall = right / predicted if predicted else 0.0, right / gold if gold else 0.0
    counts = {"split": split, "pairs_gold": gold, "pairs_predicted": predicted}
    return counts | {"precision": round(precision, 4), "recall": round(recall, 4)}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--split", choices=("dev", "heldout"), default="dev")
    print(json.dumps(pairwise(parser.parse_args().split)))
