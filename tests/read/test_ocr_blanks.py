"""What CTC's blank outweighed, put back: a comparison sign before a number, a mark between two characters (`blanks`)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from pipeline.read.ocr import blanks as signs, recognise

SCANS = Path(__file__).parents[1] / "fixtures" / "scans"


def _captured(name: str = "a-sign-the-blank-outweighed.json") -> tuple[np.ndarray, list[str], str]:
    """The recogniser's output for one line as captured (its top 8 characters at each frame, the rest
    of each frame nought), the characters it names ("" the blank) and the text greedy decoding gave."""
    data = json.loads((SCANS / name).read_text(encoding="utf-8"))
    characters = ["", *sorted({ch for frame in data["frames"] for ch, _ in frame} - {""})]
    line = np.zeros((len(data["frames"]), len(characters)), np.float32)
    for t, frame in enumerate(data["frames"]):
        for ch, p in frame:
            line[t, characters.index(ch)] = p
    return line, characters, data["read"]


def test_a_sign_whose_shapes_together_outweigh_the_blank_is_put_back():
    """A made scan's target "≥1人" (tune 440307200300200031420) read "1人": at the frame before the
    "1" the blank has 0.37, ">" 0.32, "≥" 0.16, "＞" 0.06. Together the sign's shapes are the likelier
    reading; forms print it "≥", and the change is noted for the cell's correction."""
    line, characters, read = _captured()
    assert read == "1人"
    text, note = signs.restore(line, characters, read)
    assert text == "≥1人"
    assert note == "sign '≥' put in before '1人' (its shapes 0.54 beside the blank's 0.37)"


def _between(text: str, at: int, probs: dict[str, float]) -> tuple[np.ndarray, list[str]]:
    """A line's output, each character one sure frame after a blank frame; the blank frame before
    character `at` holds `probs` besides the blank."""
    characters = ["", *sorted(set(text) | set(probs) | set("，。；：、.≥>＞≤<＜"))]
    frames = []
    for i, ch in enumerate(text):
        gap = np.zeros(len(characters), np.float32)
        for c, p in (probs.items() if i == at else ()):
            gap[characters.index(c)] = p
        gap[0] = 1 - gap.sum()
        sure = np.zeros(len(characters), np.float32)
        sure[characters.index(ch)] = 1.0
        frames += [gap, sure]
    return np.stack(frames), characters


def _line(text: str, before: dict[str, float]) -> tuple[np.ndarray, list[str]]:
    """A line's output (`_between`) whose blank frame before the first digit holds `before`."""
    return _between(text, next(i for i, ch in enumerate(text) if ch.isdigit()), before)


@pytest.mark.parametrize("text,before,why", [
    ("1人", {">": 0.2, "≥": 0.1}, "the blank is likelier than the sign's shapes together"),
    ("1人", {">": 0.3, "≤": 0.3}, "two signs: neither outweighs the blank alone"),
    ("人数12", {}, "no sign at all"),
])
def test_no_sign_is_put_in_where_the_blank_is_the_likelier(text, before, why):
    line, characters = _line(text, before)
    assert signs.restore(line, characters, text) == (text, None), why


def test_a_sign_goes_only_where_a_number_starts():
    """Inside a number ("12", "1.5") or after a sign already read, a sign's shapes in a blank frame
    put nothing in; before a number after an ideograph they do ("满意度≥90%")."""
    line, characters = _line("满意度90%", {"≥": 0.3, ">": 0.3})
    assert signs.restore(line, characters, "满意度90%")[0] == "满意度≥90%"
    line, characters = _line("≤5", {})
    line[2] = 0  # the blank frame before the "5": "<" outweighs it, after a "≤"
    line[2, characters.index("<")], line[2, 0] = 0.6, 0.4
    assert signs.restore(line, characters, "≤5") == ("≤5", None)


def test_the_sign_reaches_the_engines_output_with_its_note(monkeypatch):
    """Through the engine's decoder (`recognise._WordDecode`): the text with its sign, and the change
    kept for the line's correction; `$JIXIAO_OCR_SIGNS=off` decodes as before."""
    from rapidocr_onnxruntime.ch_ppocr_rec.utils import CTCLabelDecode

    line, characters, read = _captured()
    decode = recognise._WordDecode(CTCLabelDecode(character=characters[1:]))
    characters = decode.decode.character  # the engine's own list: the blank first, a space last
    full = np.zeros((len(line), len(characters)), np.float32)
    full[:, :line.shape[1]] = line
    recognise._fixes().clear()
    [(text, conf)] = decode(full[None])
    assert text == "≥1人"
    fixed = recognise._decoded(text, conf, 0.0, 0.0, 1.0, 1.0)
    assert fixed.fix.startswith("sign '≥' put in") and fixed.raw == "1人"
    monkeypatch.setenv("JIXIAO_OCR_SIGNS", "off")
    assert decode(full[None])[0][0] == "1人"


def test_a_lists_point_the_blank_outweighed_narrowly_is_put_back():
    """A fixture scan's goal (scan-seal 440306211551500055181) "本年度完成：1.项目结、决算…" read "1项目结":
    at the frame after the "1" the blank has 0.52, "." 0.47. Between a digit and an ideograph a
    point is the list number's; the change is noted."""
    line, characters, read = _captured("a-point-the-blank-outweighed.json")
    assert read == "本年度完成：1项目结"
    assert signs.restore(line, characters, read) == (
        "本年度完成：1.项目结", "mark '.' put in at '成：1.项目结' (0.47 beside the blank's 0.52)")


@pytest.mark.parametrize("text,at,probs,printed", [
    ("能围绕年度", 1, {"，": 0.27}, "能，围绕年度"),  # fixture 440106191550216302646: "，" 0.27 beside 0.69
    ("能围绕年度", 1, {"，": 0.15}, "能围绕年度"),  # under 0.2: the noise of a blank frame
    ("7500", 1, {".": 0.4}, "7500"),  # never inside a number
    ("满意度90%", 3, {"，": 0.4}, "满意度90%"),  # a mark goes between ideographs, a point after a digit
    ("完成。项目", 3, {"。": 0.4}, "完成。项目"),  # beside the same mark: its echo
    ("：1项目", 2, {"，": 0.4}, "：1项目"),  # after a list's digit only a point
    ("：1项目", 2, {".": 0.4}, "：1.项目"),
    ("5个", 1, {".": 0.4}, "5个"),  # a number and its unit: no list
])
def test_a_mark_goes_where_the_blank_barely_won_between_two_ideographs(text, at, probs, printed):
    line, characters = _between(text, at, probs)
    assert signs.restore(line, characters, text)[0] == printed


def test_each_rule_has_its_switch(monkeypatch):
    line, characters, read = _captured("a-point-the-blank-outweighed.json")
    monkeypatch.setenv("JIXIAO_OCR_GAP_MARKS", "off")
    assert signs.restore(line, characters, read) == (read, None)
    line, characters, read = _captured()
    monkeypatch.setenv("JIXIAO_OCR_SIGNS", "off")
    assert signs.restore(line, characters, read) == (read, None)


def test_a_strict_sign_the_recogniser_gave_the_forms_sign_nearly_as_much_is_that_sign():
    """A fixture scan's target "≥50个" (scan-seal 440303210301500004143) read ">50个": at the frame
    of the ">" (0.43) the recogniser gives "≥" 0.39. Forms print no strict sign (none of the corpus
    truth's 1,223 signs), so the sign is the form's; the change is noted for the cell's correction."""
    line, characters, read = _captured("a-sign-read-strict.json")
    assert read == ">50个"
    assert signs.restore(line, characters, read) == (
        "≥50个", "sign '>'→'≥' before '50个' ('≥' 0.39 beside 0.43, read as a strict sign: the corpus prints none)")


@pytest.mark.parametrize("text,probs,printed", [
    (">5台", {">": 0.8, "≥": 0.19}, ">5台"),  # the recogniser sure of the strict shape: left to `strict_sign`
    ("<2小时", {"<": 0.5, "≦": 0.1, "≤": 0.3}, "≤2小时"),  # "≤" and "≦" together
    (">A级", {">": 0.5, "≥": 0.4}, ">A级"),  # no number after it
])
def test_a_strict_sign_becomes_the_forms_only_where_the_recogniser_gave_that_sign(text, probs, printed):
    characters = ["", *sorted(set(text) | set("≥>＞≧≤<＜≦"))]
    line = np.zeros((2 * len(text), len(characters)), np.float32)
    for i, ch in enumerate(text):
        line[2 * i, 0] = 1.0
        line[2 * i + 1, characters.index(ch)] = 1.0
    line[1] = 0
    for ch, p in probs.items():
        line[1, characters.index(ch)] = p
    line[1, 0] = 1 - sum(probs.values())
    assert signs.restore(line, characters, text)[0] == printed


def test_a_character_the_blank_outweighed_that_makes_a_word_is_put_back():
    """A fixture scan's goal (scan 440106191550216302646) "…完成项目建设并竣工验收…" read "…并工验收…":
    at the frame between 并 and 工 the blank has 0.58, 峻 0.15, 竣 0.14. 竣 makes 竣工 with the
    character after it (a common word of the list), 峻 makes none; the change is noted."""
    line, characters, read = _captured("a-character-the-blank-outweighed.json")
    assert "建设并工验收" in read
    text, note = signs.restore(line, characters, read)
    assert text == read.replace("并工验收", "并竣工验收")
    assert note == "'竣' put in at '建设并竣工验收' (word list; 0.14 beside the blank's 0.58)"


@pytest.mark.parametrize("text,at,probs,printed,why", [
    ("系统运行维护", 2, {"运": 0.23}, "系统运行维护", "the blank's echo of the character after the gap"),
    ("项目编码", 2, {"目": 0.41}, "项目编码", "the blank's echo of the character before it"),
    ("建设并工验收", 3, {"竣": 0.15}, "建设并工验收", "under 0.2 together"),
    ("建设并工验收", 3, {"竣": 0.12, "峻": 0.1}, "建设并竣工验收", "竣 and 峻 together 0.22; 竣 makes the word"),
    ("建设并工验收", 3, {"鸟": 0.4}, "建设并工验收", "鸟 makes no word there"),
    ("服务对象满意", 2, {"的": 0.4}, "服务对象满意", "服务 and 对象 are words as read: nothing lost between them"),
])
def test_a_character_goes_in_only_where_it_makes_a_word_the_reading_lacks(text, at, probs, printed, why):
    line, characters = _between(text, at, probs)
    assert signs.restore(line, characters, text)[0] == printed, why


def test_the_character_rule_has_its_switch(monkeypatch):
    line, characters, read = _captured("a-character-the-blank-outweighed.json")
    monkeypatch.setenv("JIXIAO_OCR_GAP_CHARACTERS", "off")
    assert signs.restore(line, characters, read) == (read, None)
