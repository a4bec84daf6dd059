"""$JIXIAO_OCR_MODEL: which recogniser file the engine loads, and that the folded one (the default)
reads as the wheel's own (tools/fold_rec_model.py; figures in bench/README.md "A folded recogniser")."""

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


def test_the_model_setting_selects_the_file_the_engine_loads(loaded, monkeypatch):
    wheel_rec = [m for m in recognise.models_in_wheel() if "_rec_" in m.name]
    assert len(wheel_rec) == 1 and recognise.FOLDED.is_file()
    header = _header()

    monkeypatch.delenv("JIXIAO_OCR_MODEL", raising=False)
    folded = recognise.run(header)
    assert recognise.FOLDED in loaded and wheel_rec[0] not in loaded

    loaded.clear()
    monkeypatch.setenv("JIXIAO_OCR_MODEL", "wheel")  # no forget_engine: the setting alone reloads
    wheel = recognise.run(header)
    assert wheel_rec[0] in loaded and recognise.FOLDED not in loaded

    # the same network: the same lines, the same texts, the confidences within float rounding
    assert [t for _, t, _ in folded] == [t for _, t, _ in wheel]
    assert "项目支出绩效自评表" in [t for _, t, _ in wheel]
    assert max(abs(a - b) for (_, _, a), (_, _, b) in zip(folded, wheel)) < 1e-4


def test_a_model_that_is_not_one_is_named(monkeypatch):
    monkeypatch.setenv("JIXIAO_OCR_MODEL", "int9")
    with pytest.raises(SettingError, match=r"\$JIXIAO_OCR_MODEL must be folded or wheel, not 'int9'"):
        recognise.rec_model()
