"""Bring an int8 file exported before MatMul outputs stayed in floating point up to today's export.

`nerkit export --quantize int8` used to quantise each MatMul's output too (a QuantizeLinear and its
DequantizeLinear after the product); it now leaves the output in fp32 (`onnx_model._quantize_static`).
Every other scale is unchanged, so removing those pairs from an old file gives exactly the graph a new
export of the same weights and calibration writes (checked on `models/gmb-demo`: same nodes,
bit-identical initializers). This is how the shipped `src/nerkit/default_model/model.int8.onnx` was
brought up to date without retraining its two models (MODEL_CARD.md); the directory's checksum of the
file is rewritten.

    python scripts/float_matmul_outputs.py MODEL_DIR
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from pathlib import Path

import onnx

from nerkit.modeldir import record_checksums
from nerkit.onnx_model import ONNX_FILES


def float_outputs(graph: onnx.GraphProto) -> int:
    """Remove the quantise/dequantise pairs after MatMuls and the scales only they used; returns how
    many pairs were removed."""
    readers = defaultdict(list)
    for node in graph.node:
        for name in node.input:
            readers[name].append(node)
    removed: set[int] = set()
    for node in graph.node:
        after = readers[node.output[0]] if node.op_type == "MatMul" else []
        if len(after) != 1 or after[0].op_type != "QuantizeLinear":
            continue
        quantize = after[0]
        for dequantize in readers[quantize.output[0]]:
            for reader in readers[dequantize.output[0]]:
                reader.input[:] = [node.output[0] if n == dequantize.output[0] else n for n in reader.input]
            removed.add(id(dequantize))
        removed.add(id(quantize))
    kept = [node for node in graph.node if id(node) not in removed]
    del graph.node[:]
    graph.node.extend(kept)
    used = {name for node in graph.node for name in node.input}
    initializers = [tensor for tensor in graph.initializer if tensor.name in used]
    del graph.initializer[:]
    graph.initializer.extend(initializers)
    return len(removed) // 2


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("model", type=Path)
    directory = parser.parse_args().model
    file = directory / ONNX_FILES["int8"]
    model = onnx.load(str(file))
    pairs = float_outputs(model.graph)
    onnx.checker.check_model(model)
    onnx.save(model, str(file))
    record_checksums(directory, [file.name])
    print(f"{file}: {pairs} MatMul outputs left in fp32")


if __name__ == "__main__":
    main()
