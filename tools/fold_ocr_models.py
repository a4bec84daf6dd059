"""Make pipeline/read/ocr/models/ch_PP-OCRv4_{det,rec}_folded.onnx from the PP-OCRv4 detector and
recogniser in the rapidocr-onnxruntime wheel: the same networks, fewer passes over their activations.

    python tools/fold_ocr_models.py det|rec OUT.onnx
        (needs the `onnx` package, which jixiao does not: pip install --target /tmp/onnxq onnx
         ml_dtypes sympy, then PYTHONPATH=/tmp/onnxq; onnx 1.23.2 and onnxruntime 1.32.0 made the
         committed files, byte for byte)

Why: 42% of the recogniser's time went to elementwise passes (bench/README.md "A folded
recogniser"). PP-LCNetV3, the backbone of both, follows each convolution with a learnable affine
(x·a + b), a hard-swish written as four ops (x · clip(x + 3, 0, 6) / 6) and another affine.
Exactly, in float32:
  1. conv → ·a → +b becomes the conv with weights W·a and bias B·a + b;
  2. the four ops become one HardSwish (opset 14);
  3. ·c → +d before a 1×1 convolution without padding becomes that conv, weights W·c, bias B + d·ΣW
     (before a padded depthwise conv it cannot: the padding's zeros would be shifted too).
Nothing is quantised or rounded: on 496 captured line crops every text is the same and no confidence
moves more than 2e-5; the detector's 1,527 boxes on the 9 fixture scans' first pages are the same to
the pixel. The model's metadata (the recogniser's character list) is kept.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

import numpy as np
import onnx
from onnx import helper, numpy_helper, version_converter
from onnxruntime.quantization.shape_inference import quant_pre_process

import rapidocr_onnxruntime

WHEEL = Path(rapidocr_onnxruntime.__file__).parent / "models"
WHEEL_MODELS = {"det": WHEEL / "ch_PP-OCRv4_det_infer.onnx", "rec": WHEEL / "ch_PP-OCRv4_rec_infer.onnx"}


def _scalar(node: onnx.NodeProto, other: str, init: dict[str, np.ndarray]) -> float | None:
    """The one-element constant `node` combines with `other`, or None."""
    consts = [init.get(i) for i in node.input if i != other]
    if len(consts) == 1 and consts[0] is not None and consts[0].size == 1:
        return float(consts[0].reshape(()))
    return None


def fold(model: onnx.ModelProto) -> tuple[onnx.ModelProto, dict[str, int]]:
    """The model with the three rewrites of the module's docstring applied, and how many of each."""
    model = version_converter.convert_version(model, 14)  # HardSwish is opset 14
    g = model.graph
    init = {i.name: numpy_helper.to_array(i) for i in g.initializer}
    outputs = {o.name for o in g.output}

    def consumers() -> dict[str, list[onnx.NodeProto]]:
        found = defaultdict(list)
        for n in g.node:
            for i in n.input:
                found[i].append(n)
        return found

    def only(name: str, op: str, found: dict) -> onnx.NodeProto | None:
        c = found[name]
        return c[0] if len(c) == 1 and c[0].op_type == op and name not in outputs else None

    def set_weights(conv: onnx.NodeProto, x: str, w: np.ndarray, b: np.ndarray, tag: str) -> None:
        wn, bn = f"{conv.name}_{tag}_W", f"{conv.name}_{tag}_B"
        g.initializer.extend([numpy_helper.from_array(w.astype(np.float32), wn),
                              numpy_helper.from_array(b.astype(np.float32), bn)])
        init[wn], init[bn] = w, b
        del conv.input[:]
        conv.input.extend([x, wn, bn])

    counts = {"affine_after_conv": 0, "hardswish": 0, "affine_before_1x1": 0}
    found, drop = consumers(), []
    for conv in list(g.node):  # 1. conv → ·a → +b
        if conv.op_type != "Conv":
            continue
        mul = only(conv.output[0], "Mul", found)
        a = mul and _scalar(mul, conv.output[0], init)
        add = a is not None and only(mul.output[0], "Add", found)
        b = add and _scalar(add, mul.output[0], init)
        if b is None or not add:
            continue
        w = init[conv.input[1]]
        bias = init[conv.input[2]] if len(conv.input) > 2 else np.zeros(w.shape[0], np.float32)
        set_weights(conv, conv.input[0], w * a, bias * a + b, "affine")
        del conv.output[:]
        conv.output.extend([add.output[0]])
        drop += [mul, add]
        counts["affine_after_conv"] += 1
    for n in drop:
        g.node.remove(n)
    found, drop = consumers(), []
    for add in list(g.node):  # 2. x · clip(x + 3, 0, 6) / 6
        xs = [i for i in add.input if i not in init]
        if add.op_type != "Add" or len(xs) != 1 or _scalar(add, xs[0], init) != 3.0:
            continue
        clip = only(add.output[0], "Clip", found)
        if not clip or [float(init[i]) if i in init else None for i in clip.input[1:3]] != [0.0, 6.0]:
            continue
        mul = only(clip.output[0], "Mul", found)
        if not mul or set(mul.input) != {xs[0], clip.output[0]}:
            continue
        div = only(mul.output[0], "Div", found)
        if not div or _scalar(div, mul.output[0], init) != 6.0:
            continue
        g.node.insert(list(g.node).index(div), helper.make_node("HardSwish", [xs[0]], [div.output[0]],
                                                                name=f"{div.name}_hardswish"))
        drop += [add, clip, mul, div]
        counts["hardswish"] += 1
    for n in drop:
        g.node.remove(n)
    found, drop = consumers(), []
    for mul in list(g.node):  # 3. ·c → +d → 1×1 conv without padding
        xs = [i for i in mul.input if i not in init]
        c = mul.op_type == "Mul" and len(xs) == 1 and _scalar(mul, xs[0], init)
        add = c is not None and c is not False and only(mul.output[0], "Add", found)
        d = add and _scalar(add, mul.output[0], init)
        conv = d is not None and add and only(add.output[0], "Conv", found)
        if not conv:
            continue
        attrs = {a.name: helper.get_attribute_value(a) for a in conv.attribute}
        w = init[conv.input[1]]
        if w.shape[2:] != (1, 1) or attrs.get("group", 1) != 1 or any(attrs.get("pads", [0])):
            continue
        bias = init[conv.input[2]] if len(conv.input) > 2 else np.zeros(w.shape[0], np.float32)
        set_weights(conv, xs[0], w * c, bias + d * w.sum(axis=(1, 2, 3)), "affine_in")
        drop += [mul, add]
        counts["affine_before_1x1"] += 1
    for n in drop:
        g.node.remove(n)
    used = {i for n in g.node for i in n.input}
    kept = [i for i in g.initializer if i.name in used]
    del g.initializer[:]
    g.initializer.extend(kept)
    onnx.checker.check_model(model)
    return model, counts


def main(part: str, out: str) -> int:
    wheel_model = WHEEL_MODELS[part]
    tmp = Path(out).with_suffix(".pre.onnx")
    # the wheel's model holds its weights as Constant nodes: made initializers (and shapes inferred)
    quant_pre_process(str(wheel_model), str(tmp), skip_symbolic_shape=True)
    model, counts = fold(onnx.load(str(tmp)))
    tmp.unlink()
    del model.metadata_props[:]
    model.metadata_props.extend(onnx.load(str(wheel_model)).metadata_props)  # the character list
    onnx.save(model, out)
    print(out, counts)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
