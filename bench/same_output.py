"""Same input, same output: each inference option of one model, side by side in one run.

For fp32 ONNX, dynamic int8 (activations scaled per batch) and static int8 (scales calibrated at
export, what nerkit ships): F1 on GMB test and CoNLL-2003 test (pre-tokenised; CoNLL through the
PER/LOC/ORG mapping of bench/cross_corpus.py), words/s through the whole pipeline on CoNLL test as raw
text (2 threads), and the share of texts whose entities change when the same texts come in another
batch composition (shuffled, batch sizes 1, 7 and 64 against each text alone).

    python bench/same_output.py --model models/x --dynamic models/x/dynamic.int8.onnx
"""

from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path

import torch
from common import cpu_flags

import nerkit
from nerkit.evaluate import score
from nerkit.onnx_model import OnnxModel

HERE = Path(__file__).parent
CONLL = {"per": "PER", "geo": "LOC", "gpe": "LOC", "org": "ORG"}


def _mapped(tags: list[str]) -> list[str]:
    return [t if t == "O" else f"{t[:2]}{CONLL[t[2:]]}" if t[2:] in CONLL else "O" for t in tags]


def measure(ner: nerkit.NER, gmb: list, conll: list, texts: list[str]) -> dict:
    gold_gmb = [s.tags for s in gmb]
    found = [p.tags for p in ner.predict([list(s.words) for s in gmb])]
    gold_conll = [[t if t[2:] in ("PER", "LOC", "ORG") else "O" for t in s.tags] for s in conll]
    found_conll = [_mapped(list(p.tags)) for p in ner.predict([list(s.words) for s in conll])]
    ner.extract_batch(texts[:64])
    started = time.perf_counter()
    alone_batch = ner.extract_batch(texts)
    seconds = time.perf_counter() - started
    words = sum(len(text.split()) for text in texts)
    sample = random.Random(7).sample(range(len(texts)), 300)
    alone = {i: [(e.start, e.end, e.label, round(e.score, 6)) for e in alone_batch[i]] for i in sample}
    changed = set()
    for size in (1, 7, 64):
        ner.batch_size = size
        order = sample[:]
        random.Random(size).shuffle(order)
        for i, found_entities in zip(order, ner.extract_batch([texts[i] for i in order]), strict=True):
            if [(e.start, e.end, e.label, round(e.score, 6)) for e in found_entities] != alone[i]:
                changed.add(i)
    ner.batch_size = 32
    return {
        "gmb_test_f1": round(score(gold_gmb, found).micro.f1, 4),
        "conll_test_f1_mapped": round(score(gold_conll, found_conll).micro.f1, 4),
        "words_per_s_raw_conll": round(words / seconds),
        "texts_changed_across_batches": f"{len(changed)}/{len(sample)}",
    }


def dynamic_int8(fp32: Path, target: Path, config) -> Path:
    """What nerkit shipped before: dynamic int8 of ONNX Runtime's fused graph."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.transformers.optimizer import optimize_model

    fused = target.with_suffix(".fused.onnx")
    heads, hidden = config.num_attention_heads, config.hidden_size
    optimize_model(
        str(fp32), model_type="bert", num_heads=heads, hidden_size=hidden, opt_level=1
    ).save_model_to_file(str(fused))
    options = {"DefaultTensorType": onnx.TensorProto.FLOAT}
    quantize_dynamic(
        str(fused), str(target), weight_type=QuantType.QInt8, per_channel=True, extra_options=options
    )
    fused.unlink()
    return target


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--model", required=True, help="directory with model.onnx and (static) model.int8.onnx"
    )
    parser.add_argument("--dynamic", help="where to write a dynamically quantised copy to compare")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    gmb = list(nerkit.read_corpus("gmb")["test"])
    conll = list(nerkit.read_corpus("conll2003")["test"])
    texts = [" ".join(s.words) for s in conll]
    ner = nerkit.load(args.model, backend="onnx", recognizers=[], threads=args.threads)
    files = {
        "fp32": Path(args.model) / "model.onnx",
        "static int8 (shipped)": Path(args.model) / "model.int8.onnx",
    }
    if args.dynamic:
        files["dynamic int8"] = dynamic_int8(files["fp32"], Path(args.dynamic), ner.tagger.model.config)
    results = {}
    for name, file in files.items():
        ner.tagger.model = OnnxModel(file, ner.tagger.model.config, args.threads)
        results[name] = measure(ner, gmb, conll, texts)
        print(name, results[name], flush=True)
    output = {"model": args.model, "threads": args.threads, "cpu": cpu_flags(), "options": results}
    (HERE / "results" / "same_output.json").write_text(json.dumps(output, indent=1) + "\n")


if __name__ == "__main__":
    main()
