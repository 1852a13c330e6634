"""Classification pieces: reporting period formats and topic matching on any spelling."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mailhub.classify import (
    _PERIOD_WITH_YEAR,
    BODY_LIMIT,
    classify,
    rank_topics,
    reporting_period,
)
from mailhub.message import ParsedMessage
from mailhub.registry import load_registry
from mailhub.rules import Ruleset, load_rules, words_of
from mailhub.search_text import document
from mailhub.vietnamese import fold

from .conftest import ROOT

SENT = datetime(2017, 12, 3, 9, 0)


@pytest.fixture(scope="module")
def rules() -> Ruleset:
    return load_rules(ROOT / "rules", load_registry(ROOT / "data" / "units.csv"))


@pytest.mark.parametrize(("subject", "period"), [
    ("Báo cáo tháng 11/2017", "2017-11"),
    ("BC T11-2017 trường TH Định Công", "2017-11"),
    ("Báo cáo tháng 11 năm 2017", "2017-11"),
    ("Gửi báo cáo 11/2017", "2017-11"),
    ("Báo cáo tháng 11 - 2017", "2017-11"),
    ("BC T9.2017", "2017-09"),
    ("Báo cáo tháng 11", "2017-11"),            # year from the Date header
    ("BC tháng 12", "2017-12"),
    ("Báo cáo tháng 6", "2017-06"),
    ("Báo cáo theo Thông tư 22/2016", "2017-12"),  # a circular's number is not a month
    ("Báo cáo năm học 2017-2018", "2017-12"),
    ("V/v thực hiện Công văn 01/2017/PGDĐT", "2017-12"),
])
def test_period_from_the_subject(subject: str, period: str) -> None:
    assert reporting_period(fold(subject), "", "", SENT)[0] == period


def test_month_without_year_in_january_means_last_year() -> None:
    assert reporting_period(fold("Báo cáo tháng 12"), "", "", datetime(2018, 1, 4))[0] == "2017-12"


def test_period_subject_first_then_file_name_then_body() -> None:
    assert reporting_period("", fold("BC_CSVC_T10-2017.docx"), fold("tháng 9/2017"), SENT) == (
        "2017-10", reporting_period("", fold("BC_CSVC_T10-2017.docx"), "", SENT)[1])
    period, hit = reporting_period("", "", fold("Kính gửi... số liệu tháng 9 năm 2017"), SENT)
    assert (period, hit.rule) == ("2017-09", "period.body")
    period, hit = reporting_period("", "", fold("ngày 05/11/2017"), SENT)
    assert (period, hit.rule) == ("2017-12", "period.date_header")


SPELLINGS = ["vệ sinh an toàn thực phẩm", "VỆ SINH AN TOÀN THỰC PHẨM",
             "ve sinh an toan thuc pham", "Ve Sinh An Toan Thuc Pham"]


@pytest.mark.parametrize("form", ["NFC", "NFD"])
@pytest.mark.parametrize("subject", SPELLINGS)
def test_topic_matches_any_case_accent_and_normal_form(rules: Ruleset, subject: str,
                                                       form: str) -> None:
    text = fold(unicodedata.normalize(form, f"Báo cáo {subject}"))
    assert rank_topics(rules, text, "", "", [])[0][0] == "ve-sinh-an-toan-thuc-pham"


def test_d_with_stroke_folds_to_d(rules: Ruleset) -> None:
    assert fold("ĐÁNH GIÁ học sinh") == "danh gia hoc sinh"
    assert rank_topics(rules, fold("Đánh giá học sinh cuối kỳ"), "", "", [])[0][0] == \
        "danh-gia-hoc-sinh"


def test_subject_outweighs_attachment_outweighs_body(rules: Ruleset) -> None:
    ranked = rank_topics(rules, fold("Báo cáo tuyển sinh"), fold("CSVC.xlsx"),
                         fold("thực đơn, dinh dưỡng, khẩu phần"), [])
    assert [t for t, _ in ranked][0] == "tuyen-sinh"
    ranked = rank_topics(rules, fold("Gửi báo cáo"), fold("BC_CSVC.xlsx"),
                         fold("về tuyển sinh"), [])
    assert ranked[0][0] == "co-so-vat-chat"


def test_near_ties_file_under_several_topics_best_first(rules: Ruleset) -> None:
    ranked = rank_topics(rules, fold("Báo cáo tuyển sinh và CSVC"), "", "", [])
    assert {t for t, _ in ranked[:2]} == {"tuyen-sinh", "co-so-vat-chat"}


def test_nothing_matched_is_unclassified(rules: Ruleset) -> None:
    hits: list = []
    assert rank_topics(rules, fold("Xin chào"), "", "", hits) == [("chua-phan-loai", 0.0)]
    assert hits[0].rule == "topic.chua-phan-loai"


# The body's period patterns check "not after …" behind their first character, for speed;
# they must find exactly what the plain lookbehind-first patterns find.
_PLAIN_PERIOD = (
    re.compile(r"(?<![a-z0-9])th?\.?\s*(\d{1,2})\s*[/\-._]\s*(20\d\d)(?!\d)"),
    re.compile(r"(?<![\d/.\-])(\d{1,2})\s*[/\-.]\s*(20\d\d)(?![\d/])"),
)


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(["t", "th", "h", ".", "-", "/", "_", " ", "a", "z", "0", "1",
                                 "2", "6", "9", "20", "2026", "\u0661", "thang", "nam"]),
                max_size=16).map("".join))
def test_the_fast_period_patterns_match_as_the_plain_ones(text: str) -> None:
    for fast, plain in zip(_PERIOD_WITH_YEAR[1:], _PLAIN_PERIOD, strict=True):
        assert [(m.span(), m.groups()) for m in fast.finditer(text)] == \
            [(m.span(), m.groups()) for m in plain.finditer(text)]


@settings(max_examples=1000, deadline=None)
@given(st.text(alphabet=st.sampled_from("aZ09/&_-. \n\tđĐăệ“–中\u0301")))
def test_words_are_the_runs_of_letters_digits_slash_and_ampersand(text: str) -> None:
    folded = fold(text)
    assert words_of(folded) == re.findall(r"[a-z0-9/&]+", folded)


def test_a_phrase_is_found_only_as_whole_words_in_order(rules: Ruleset) -> None:
    """Every topic's phrases are found in a text that holds them, and not across a word
    boundary or out of order (the automaton is given the text's words, space-joined)."""
    index = rules.phrase_index
    for t, topic in enumerate(rules.topics):
        for i, words in enumerate(topic.words):
            assert i in index.find(["x", *words, "y"]).get(t, set()), topic.phrases[i]
            glued = ["x" + words[0], *words[1:]]
            assert i not in index.find(glued).get(t, set()), topic.phrases[i]
            if len(words) > 1 and words[0] != words[-1]:
                assert i not in index.find(list(reversed(words))).get(t, set())


def test_the_body_counts_to_its_limit_and_is_folded_once(rules: Ruleset) -> None:
    registry = load_registry(ROOT / "data" / "units.csv")
    filler = "Nhà trường đã tổ chức các hoạt động theo kế hoạch năm học. " * 90
    assert len(filler) > BODY_LIMIT

    def topics_of(text: str) -> list[str]:
        parsed = ParsedMessage("<a@b>", "Báo cáo", "", "a@hanoiedu.vn", (), SENT, text, ())
        return classify(rules, registry, None, parsed, SENT).topic_ids

    phrase = "Bếp ăn bán trú bảo đảm vệ sinh an toàn thực phẩm. "
    assert "ve-sinh-an-toan-thuc-pham" in topics_of(phrase + filler)
    assert "ve-sinh-an-toan-thuc-pham" not in topics_of(filler + phrase)
    # the search document folds the same body: fold() hands back what classify folded
    text = phrase + filler
    topics_of(text)
    hits = fold.cache_info().hits
    document([text])
    assert fold.cache_info().hits == hits + 1
