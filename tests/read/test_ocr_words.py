"""An unsure character given the recogniser's alternative where that makes a known word (`words`)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pipeline.read.ocr import recognise, words

CHARACTERS = ["blank", *"完成项目峻竣工财务深圳市中宝安区5S", " "]


def _output(steps: list[dict[str, float]]) -> np.ndarray:
    """A recogniser's output for one line (frames × characters): each step one frame of its
    characters' probabilities, a blank frame between steps, the rest of each frame blank."""
    frames = []
    for step in steps:
        for probs in (step, {}):
            row = np.zeros(len(CHARACTERS), np.float32)
            for ch, p in probs.items():
                row[CHARACTERS.index(ch)] = p
            row[0] = 1.0 - row.sum()
            frames.append(row)
    return np.stack(frames)


def _read(text: str, unsure: dict[int, dict[str, float]]) -> tuple[str, str | None]:
    preds = _output([unsure.get(i, {ch: 0.99}) for i, ch in enumerate(text)])
    [out] = words.rescore_batch(preds[None], CHARACTERS, [text])
    return out


def test_an_unsure_character_that_makes_no_word_gets_the_alternative_that_does():
    """竣工 read 峻工 (峻 0.64, 竣 0.13 at that step: tune 440303210300200001665): 峻工 is no common
    word (jieba's list has it 7 times), 竣工 is; the change is noted for the cell's correction."""
    text, note = _read("完成项目峻工财务", {4: {"峻": 0.64, "竣": 0.13}})
    assert text == "完成项目竣工财务"
    assert note is not None and note.startswith("峻→竣 in '完成项目竣工财务'")
    assert _read("深圳中宝安区", {2: {"中": 0.6, "市": 0.3}})[0] == "深圳市宝安区"


@pytest.mark.parametrize("text,unsure", [
    ("完成项目峻工财务", {4: {"峻": 0.95, "竣": 0.04}}),  # sure enough of its top choice
    ("完成项目峻工财务", {4: {"峻": 0.8, "竣": 0.01}}),  # the alternative negligible
    ("深圳市宝安区", {2: {"市": 0.6, "中": 0.3}}),  # the top choice makes a word itself
    ("5工", {0: {"5": 0.5, "S": 0.4}}),  # never a digit, a letter or a sign
])
def test_a_reading_is_kept_where_the_word_list_has_no_better_word(text, unsure):
    assert _read(text, unsure) == (text, None)


def test_a_line_read_from_a_scan_is_given_its_word_and_the_cell_says_so(monkeypatch):
    """A line of a made scan (tune 440303210300200001665, tests/fixtures/scans/) that PP-OCRv4
    reads "完成项目峻工财务决算审计。": with the word list it reads 竣工, as printed; the note goes
    with the line (and the part of it a drawn border cuts off) into its cell's correction, the text
    as decoded into the cell's raw text (`cells.grid`)."""
    import cv2

    crop = cv2.imread(str(Path(__file__).parents[1] / "fixtures" / "scans" / "a-word-one-character-off.png"),
                      cv2.IMREAD_GRAYSCALE)
    monkeypatch.setenv("JIXIAO_OCR_WORDS", "off")
    [(before, _)] = recognise.recognise_crops([crop])
    monkeypatch.setenv("JIXIAO_OCR_WORDS", "on")
    [(after, conf)] = recognise.recognise_crops([crop])
    assert before == "完成项目峻工财务决算审计。"
    assert after == "完成项目竣工财务决算审计。"
    line = recognise._decoded(after, conf, 0.0, 0.0, float(crop.shape[1]), float(crop.shape[0]))
    assert line.fix.startswith("峻→竣") and line.raw == before  # the correction, and the text as recognised
    head, tail = recognise._split(line, [crop.shape[1] * 0.25])  # a border after 完成项
    assert (head.text, head.fix, head.raw) == ("完成项", None, None)
    assert (tail.fix, tail.raw) == (line.fix, "目峻工财务决算审计。")


def test_a_line_read_as_written_is_not_taken_for_one_the_word_list_changed():
    """Two lines of one call to the engine, one read 峻工 and given 竣工 by the word list, the other
    read 竣工 as printed (a form prints 不适用 in many cells; one read 不活用): only the first carries
    the change and a raw text of 峻工. Keyed by the text alone, the second took both, its raw text
    made 峻工, a text the recogniser never read there."""
    from rapidocr_onnxruntime.ch_ppocr_rec.utils import CTCLabelDecode

    fixed = _output([{"峻": 0.64, "竣": 0.13} if i == 4 else {ch: 0.99} for i, ch in enumerate("完成项目峻工财务")])
    plain = _output([{ch: 0.99} for ch in "完成项目竣工财务"])
    recognise._fixes().clear()
    out = recognise._WordDecode(CTCLabelDecode(character=CHARACTERS[1:-1]))(np.stack([fixed, plain]))
    assert [text for text, _ in out] == ["完成项目竣工财务"] * 2
    changed, kept = (recognise._decoded(text, conf, 0.0, 0.0, 1.0, 1.0) for text, conf in out)
    assert changed.fix.startswith("峻→竣") and changed.raw == "完成项目峻工财务"
    assert (kept.fix, kept.raw) == (None, None)


def test_the_word_list_is_read_without_importing_jieba():
    """jieba's dict.txt is read as data (0.4 s a process): jieba itself, whose import builds its
    segmenter's tables (0.1 s), is never imported."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", "import sys\nfrom pipeline.read.ocr import words\n"
                           "freq, _ = words._dictionary()\nassert freq['竣工'] > 20, freq.get('竣工')\n"
                           "print('jieba' in sys.modules)"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "False", done.stderr[-2000:]
