"""$JIXIAO_OCR_MODEL: which model files the engine loads, and that the folded ones (the default)
find and read as the wheel's own (tools/fold_ocr_models.py; figures in bench/README.md "A folded recogniser")."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from conftest import PDF
from pipeline.errors import SettingError
from pipeline.read.ocr import recognise

pytestmark = pytest.mark.processes  # runs OCR

SCAN = PDF / "scan" / "440303210301500001278.scan.pdf"


@pytest.fixture
def loaded(monkeypatch) -> list[Path]:
    """The model files onnxruntime is asked to load while the test runs."""
    from rapidocr_onnxruntime.utils import infer_engine

    paths: list[Path] = []
    real = infer_engine.InferenceSession

    def spy(path, *args, **kwargs):
        paths.append(Path(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(infer_engine, "InferenceSession", spy)
    recognise.forget_engine()
    yield paths
    recognise.forget_engine()


def _header() -> np.ndarray:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(SCAN))
    image = doc[0].render(scale=150 / 72, grayscale=True).to_numpy()
    doc.close()
    return image[100:240].copy()  # the title and the header block


def test_the_model_setting_selects_the_files_the_engine_loads(loaded, monkeypatch):
    wheel = {m.name.split("_")[-2]: m for m in recognise.models_in_wheel()}
    assert all(f.is_file() for f in recognise.FOLDED.values())
    header = _header()

    monkeypatch.delenv("JIXIAO_OCR_MODEL", raising=False)
    folded = recognise.run(header)
    assert set(loaded) >= set(recognise.FOLDED.values())
    assert wheel["det"] not in loaded and wheel["rec"] not in loaded

    loaded.clear()
    monkeypatch.setenv("JIXIAO_OCR_MODEL", "wheel")  # no forget_engine: the setting alone reloads
    read = recognise.run(header)
    assert {wheel["det"], wheel["rec"]} <= set(loaded) and not set(loaded) & set(recognise.FOLDED.values())

    # the same networks: the same boxes, the same texts, the confidences within float rounding
    assert [(box, text) for box, text, _ in folded] == [(box, text) for box, text, _ in read]
    assert "项目支出绩效自评表" in [text for _, text, _ in read]
    assert max(abs(a - b) for (_, _, a), (_, _, b) in zip(folded, read)) < 1e-4


def test_a_model_that_is_not_one_is_named(monkeypatch):
    monkeypatch.setenv("JIXIAO_OCR_MODEL", "int9")
    with pytest.raises(SettingError, match=r"\$JIXIAO_OCR_MODEL must be folded or wheel or v6 or v6rec, not 'int9'"):
        recognise.model_files()


def test_the_models_and_the_reading_are_recorded_with_the_engine_s_version(monkeypatch):
    """dim_form.ocr_version says what read the form: two readings of one scan differ by these."""
    from pipeline.read.ocr import engine_version

    monkeypatch.delenv("JIXIAO_OCR_MODEL", raising=False)
    monkeypatch.delenv("JIXIAO_OCR_READ", raising=False)
    monkeypatch.delenv("JIXIAO_OCR_WORDS", raising=False)
    assert engine_version().endswith(" (folded, page)")
    monkeypatch.setenv("JIXIAO_OCR_MODEL", "wheel")
    monkeypatch.setenv("JIXIAO_OCR_READ", "cells")
    assert engine_version().endswith(" (wheel, cells)")
    monkeypatch.setenv("JIXIAO_OCR_WORDS", "off")  # without the word list (`words`)
    assert engine_version().endswith(" (wheel, cells, no words)")


def test_models_not_fetched_are_named(monkeypatch, tmp_path):
    """PP-OCRv6's files are not shipped (tools/fetch_ppocrv6.py): asking for them without them says
    which file is missing and how to get it, before any page is read."""
    monkeypatch.setattr(recognise, "_CHOSEN", {**recognise._CHOSEN, "v6rec": {"det": recognise.FOLDED["det"],
                                                                               "rec": tmp_path / "absent.onnx"}})
    monkeypatch.setenv("JIXIAO_OCR_MODEL", "v6rec")
    with pytest.raises(SettingError, match=r"no model file .*absent\.onnx .*fetch_ppocrv6"):
        recognise.model_files()
