"""Audit search: Vietnamese words with or without marks (NFC or NFD), phrases, prefixes, every
filter, newest first or by relevance, snippets in the original spelling, the same hits on
SQLite and PostgreSQL, the index kept by the pipeline, directives and the migration, and
`mailhub audit search` (access log, JSON, export)."""

from __future__ import annotations

import csv
import json
import random
import re
import unicodedata
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert, select, update
from typer.testing import CliRunner

from mailhub import db, models
from mailhub import search as search_module
from mailhub.access import access_log
from mailhub.cli import app
from mailhub.config import Settings
from mailhub.directives import broadcast
from mailhub.hub import Hub, open_hub
from mailhub.pipeline import Envelope, ingest
from mailhub.search import Filters, SearchError, index, key_of, search
from mailhub.search_text import MAX_REPEATS, MAX_WORDS, QueryError, parse_query, words
from mailhub.vietnamese import fold

from .factory import VN, mail

TH = "c1dinhcong-hm@hanoiedu.vn"      # TH-DINHCONG
MN = "mndinhcong-hm@hanoiedu.vn"      # MN-DINHCONG
THCS = "c2dinhcong-hm@hanoiedu.vn"    # THCS-DINHCONG
PERSONAL = "hieutruong.dinhcong@gmail.com"
OFFICE = "pgd-hoangmai@hanoiedu.vn"
MESSAGE = models.Message.__table__  # type: ignore[attr-defined]
ATTACHMENT = models.Attachment.__table__  # type: ignore[attr-defined]
NOON = datetime(2026, 11, 18, 12, 0, tzinfo=VN)

runner = CliRunner()


def deliver(hub: Hub, subject: str, body: str = "Nhà trường gửi báo cáo.", sender: str = TH,
            at: datetime = NOON, attachments: Sequence[str] = ()) -> int:
    """A message received at `at` and filed through the pipeline; its number."""
    raw = mail(sender=sender, subject=subject, body=body, date=at,
               attachments=tuple((name, b"%PDF-1.7") for name in attachments))
    return ingest(hub, raw, Envelope(received_at=at)).id


def ids(hub: Hub, query: str, filters: Filters | None = None, rank: bool = False) -> list[int]:
    return [hit.id for hit in search(hub, query, filters, rank=rank)]


# ------------------------------------------------------------------ words


def test_words_without_marks_find_the_accented_text(hub: Hub) -> None:
    food = deliver(hub, "Báo cáo vệ sinh an toàn thực phẩm tháng 11")
    diet = deliver(hub, "Báo cáo tình hình", body="Tỷ lệ trẻ suy dinh dưỡng giảm.")
    staff = deliver(hub, "Đào tạo, bồi dưỡng đội ngũ", body="Đổi mới phương pháp dạy học.")
    drill = deliver(hub, "Kế hoạch diễn tập", body="Học sinh ở lại trường được kiểm tra.")
    assert ids(hub, "ve sinh") == [food]
    assert ids(hub, "VỆ SINH") == [food]
    assert ids(hub, "dinh duong") == [diet]
    assert ids(hub, "dao tao") == [staff]      # đ is d
    assert ids(hub, "ĐỔI MOI") == [staff]
    assert ids(hub, "kiem") == [drill]         # ể: two marks
    assert ids(hub, '"o lai"') == [drill]      # ở: two marks
    assert ids(hub, "vệ sinh dinh dưỡng") == []  # every term must be found


def test_nfd_text_is_found_by_nfc_queries_and_the_other_way_round(hub: Hub) -> None:
    nfd = deliver(hub, "Biên bản")
    with db.transaction(hub.engine) as connection:  # as a mailer that sends NFD would store it
        connection.execute(update(MESSAGE).where(MESSAGE.c.id == nfd).values(
            body_text=unicodedata.normalize("NFD", "Kiểm tra vệ sinh bếp ăn ở trường Đại Kim")))
        index(connection, [nfd])
    nfc = deliver(hub, "Báo cáo dinh dưỡng tháng 11")
    assert ids(hub, "vệ sinh bếp ăn") == [nfd]
    assert ids(hub, '"o truong dai kim"') == [nfd]
    assert ids(hub, unicodedata.normalize("NFD", "dinh dưỡng")) == [nfc]
    hit = search(hub, "ve sinh")[0]
    assert "vệ sinh" in hit.snippet  # shown composed (NFC), with its marks


def test_a_phrase_needs_its_words_one_after_another(hub: Hub) -> None:
    together = deliver(hub, "Báo cáo", body="Học sinh giữ gìn vệ sinh trường lớp.")
    apart = deliver(hub, "Báo cáo", body="Bảo vệ môi trường, sinh hoạt dưới cờ.",
                    at=NOON + timedelta(hours=1))
    assert ids(hub, "ve sinh") == [apart, together]
    assert ids(hub, '"ve sinh"') == [together]
    assert ids(hub, '"vệ sinh trường" "hoc sinh"') == [together]
    assert ids(hub, '"sinh ve"') == []


def test_a_word_ending_in_a_star_is_a_prefix(hub: Hub) -> None:
    enrol = deliver(hub, "Báo cáo tuyển sinh đầu cấp")
    promo = deliver(hub, "Kế hoạch tuyên truyền", at=NOON + timedelta(hours=1))
    great = deliver(hub, "Một kết quả tuyệt vời", at=NOON + timedelta(hours=2))
    assert ids(hub, "tuyen") == [promo, enrol]
    assert ids(hub, "tuyen*") == [promo, enrol]
    assert ids(hub, "tuy*") == [great, promo, enrol]
    assert ids(hub, '"tuyen s*"') == [enrol]


def test_attachment_names_are_searched(hub: Hub) -> None:
    found = deliver(hub, "Gửi hồ sơ", attachments=["Biên bản kiểm tra bếp ăn T11.pdf"])
    deliver(hub, "Gửi hồ sơ khác", attachments=["Danh sách lớp 5A.xlsx"])
    hits = search(hub, "bien ban bep an")
    assert [hit.id for hit in hits] == [found]
    assert hits[0].attachments == ["Biên bản kiểm tra bếp ăn T11.pdf"]
    assert "Biên bản kiểm tra bếp ăn" in hits[0].snippet


def test_the_snippet_is_the_original_text_around_the_match(hub: Hub) -> None:
    body = ("Kính gửi Tổ Tiểu học,\n" + "Nhà trường thực hiện tốt các nhiệm vụ. " * 8
            + "Công tác VỆ SINH trường lớp được duy trì hằng ngày.\n" + "Trân trọng. " * 10)
    deliver(hub, "Báo cáo tháng 11", body=body)
    hit = search(hub, "ve sinh")[0]
    assert "Công tác VỆ SINH trường lớp" in hit.snippet
    assert hit.snippet.startswith("…") and hit.snippet.endswith("…")
    assert [hit.snippet[start:end] for start, end in hit.marks] == ["VỆ", "SINH"]
    phrase = search(hub, '"ve sinh"')[0]
    assert [phrase.snippet[start:end] for start, end in phrase.marks] == ["VỆ SINH"]
    assert "\n" not in hit.snippet


# ------------------------------------------------------------------ filters and order


def test_every_filter(hub: Hub) -> None:
    th = deliver(hub, "Báo cáo dinh dưỡng tháng 10/2026", at=NOON - timedelta(days=30))
    mn = deliver(hub, "Báo cáo VSATTP, dinh dưỡng", sender=MN,
                 body="Bếp ăn: an toàn thực phẩm; trẻ suy dinh dưỡng giảm, cân đo định kỳ.")
    thcs = deliver(hub, "Báo cáo dinh dưỡng, thể chất", sender=THCS,
                   at=datetime(2026, 11, 1, 0, 30, tzinfo=VN))  # 31 October in UTC
    personal = deliver(hub, "Báo cáo dinh dưỡng", sender=PERSONAL)
    everything = ids(hub, "dinh duong")
    assert sorted(everything) == sorted([th, mn, thcs, personal])
    assert ids(hub, "dinh duong", Filters(school="TH-DINHCONG")) == [th]
    assert ids(hub, "dinh duong", Filters(school="mn-dinhcong")) == [mn]  # any case
    assert ids(hub, "dinh duong", Filters(level="thcs")) == [thcs]
    assert ids(hub, "dinh duong", Filters(sender="c2dinh")) == [thcs]
    assert ids(hub, "dinh duong", Filters(sender="GMAIL.COM")) == [personal]
    assert ids(hub, "dinh duong", Filters(verdict="rejected")) == [personal]
    assert personal not in ids(hub, "dinh duong", Filters(verdict="filed"))
    # a topic of any rank: the food-safety report is also about nutrition
    assert search(hub, "vsattp")[0].topics == ["ve-sinh-an-toan-thuc-pham", "dinh-duong"]
    assert mn in ids(hub, "dinh duong", Filters(topic="dinh-duong"))
    assert ids(hub, "dinh duong", Filters(topic="ve-sinh-an-toan-thuc-pham")) == [mn]
    assert ids(hub, "dinh duong", Filters(period="2026-10")) == [th]
    # dates are the office's days, both ends included
    assert thcs in ids(hub, "dinh duong", Filters(since=date(2026, 11, 1)))
    assert thcs not in ids(hub, "dinh duong", Filters(until=date(2026, 10, 31)))
    assert ids(hub, "dinh duong", Filters(since=date(2026, 10, 1), until=date(2026, 10, 31))
               ) == [th]
    assert ids(hub, "dinh duong", Filters(until=NOON.date())) == everything
    assert ids(hub, "dinh duong", Filters(school="TH-DINHCONG", level="MN")) == []


def test_bad_filters_and_empty_queries_are_refused(hub: Hub) -> None:
    for bad in (Filters(verdict="approved"), Filters(level="THPT"), Filters(period="2026-13"),
                Filters(period="11/2026")):
        with pytest.raises(SearchError):
            search(hub, "bao cao", bad)
    for nothing in ("", "   ", "*", '"" - ! ?', "___"):
        with pytest.raises(QueryError, match="nothing to search for"):
            search(hub, nothing)


def test_newest_first_then_by_number(hub: Hub) -> None:
    middle = deliver(hub, "Báo cáo tháng 11", at=NOON)
    oldest = deliver(hub, "Báo cáo tháng 10", at=NOON - timedelta(days=20))  # imported later
    newest = deliver(hub, "Báo cáo tháng 11 bổ sung", at=NOON + timedelta(days=1))
    twin = deliver(hub, "Báo cáo tháng 11 gửi lại", at=NOON)  # the same second: later number
    assert ids(hub, "bao cao thang") == [newest, twin, middle, oldest]
    assert [hit.received_at for hit in search(hub, "bao cao", limit=2)] == [
        NOON.astimezone(UTC) + timedelta(days=1), NOON.astimezone(UTC)]


def test_newest_first_across_months_and_years(hub: Hub) -> None:
    """PostgreSQL looks for the newest matches window by window: the answer is the same."""
    days = (0, 40, 100, 400, 800, 1200, 3000)
    found = [deliver(hub, f"Biên bản họp định kỳ {n}", at=NOON - timedelta(days=d))
             for n, d in enumerate(days)]
    assert ids(hub, "bien ban dinh ky") == found
    for n in range(1, len(found) + 1):
        assert [hit.id for hit in search(hub, "bien ban dinh ky", limit=n)] == found[:n]
    since, until = (NOON - timedelta(days=900)).date(), (NOON - timedelta(days=50)).date()
    assert ids(hub, "bien ban dinh ky", Filters(since=since, until=until)) == found[2:5]
    assert ids(hub, '"hop dinh ky"', Filters(since=since)) == found[:5]


def test_rank_orders_the_newest_matches(hub: Hub, monkeypatch: pytest.MonkeyPatch) -> None:
    focused = deliver(hub, "Phòng chống đuối nước", at=NOON - timedelta(days=400),
                      body="Đuối nước: dạy bơi, cảnh báo đuối nước, phòng chống đuối nước.")
    newer = [deliver(hub, "Báo cáo tháng", at=NOON - timedelta(days=d),
                     body="Nhà trường họp định kỳ. " * 10 + "Có nhắc đuối nước.")
             for d in (1, 2)]
    assert ids(hub, "duoi nuoc", rank=True) == [focused, *newer]
    monkeypatch.setattr(search_module, "RANKED", 2)  # only the two newest are ranked
    assert ids(hub, "duoi nuoc", rank=True) == newer


def test_rank_puts_the_more_relevant_first(hub: Hub) -> None:
    focused = deliver(hub, "Kế hoạch phòng chống đuối nước",
                      body="Phòng chống đuối nước: dạy bơi, cảnh báo đuối nước ở ao hồ. "
                           "Tuyên truyền phòng chống đuối nước mùa hè.")
    passing = deliver(hub, "Báo cáo tháng 11", at=NOON + timedelta(hours=1),
                      body="Nhà trường tổ chức nhiều hoạt động. " * 12 + "Có nhắc đuối nước. "
                           + "Các tổ chuyên môn họp định kỳ. " * 12)
    assert ids(hub, "duoi nuoc") == [passing, focused]
    assert ids(hub, "duoi nuoc", rank=True) == [focused, passing]
    assert ids(hub, "duoi nuoc", Filters(school="TH-DINHCONG"), rank=True)[0] == focused


def test_limits_hold_the_same_on_both_databases(hub: Hub) -> None:
    """PostgreSQL keeps 256 places of a word and 16383 words of a text; SQLite is made to."""
    repeated = deliver(hub, "Lặp lại", body="lặp " * (MAX_REPEATS + 10) + "cuối")
    long = deliver(hub, "Thư dài", body="từ " * MAX_WORDS + "hết")
    assert ids(hub, "cuoi") == [repeated]
    assert ids(hub, '"lap cuoi"') == []   # the last repeats hold no place
    assert ids(hub, '"lap lap"') == [repeated]
    assert ids(hub, "het") == []          # past the last word indexed
    assert ids(hub, "tu") == [long]


# ------------------------------------------------------------------ the same on both databases

WORDS = ("vệ sinh", "ve sinh", "VỆ SINH", "an toàn", "thực phẩm", "dinh dưỡng", "đuối nước",
         "Đại Kim", "tuyển sinh", "tuyên truyền", "ở lại", "kiểm tra", "bếp ăn", "học sinh",
         "báo cáo", "tháng 11", "STEM", "đội ngũ", "ĐỔI MỚI", "phụ huynh")
QUERIES = ("ve sinh", '"ve sinh"', "dai kim", "tuyen*", '"bep an"', "kiem tra hoc sinh",
           '"thuc pham" an', "d*", "doi moi", "o lai", '"tuyen s*"', "11", "stem bao*")


def test_the_same_query_finds_the_same_messages_in_the_same_order(hub: Hub) -> None:
    """What a plain reading of the stored text expects (computed here, the same whichever
    database runs the test) is what the index answers."""
    rng = random.Random(7)
    for n in range(40):
        text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 12)))
        if n % 5 == 0:
            text = unicodedata.normalize("NFD", text)
        deliver(hub, f"Thư {n}: {rng.choice(WORDS)}", body=text,
                at=NOON - timedelta(hours=rng.randint(0, 400), seconds=rng.choice((0, 0, 1))),
                attachments=[f"{rng.choice(WORDS)}.pdf"] if n % 3 == 0 else [])
    names: dict[int, list[str]] = {}
    with hub.engine.connect() as connection:
        rows = connection.execute(select(MESSAGE.c.id, MESSAGE.c.subject, MESSAGE.c.body_text,
                                         MESSAGE.c.received_at)).all()
        for message, name in connection.execute(select(ATTACHMENT.c.message, ATTACHMENT.c.name)
                                                .order_by(ATTACHMENT.c.message,
                                                          ATTACHMENT.c.position)):
            names.setdefault(message, []).append(name)
    for query in QUERIES:
        expected = [row.id for row in sorted(rows, key=lambda r: key_of(r.received_at, r.id),
                                             reverse=True)
                    if _plainly_holds([row.subject, *names.get(row.id, []), row.body_text],
                                      query)][:50]
        assert expected, query
        assert ids(hub, query) == expected, query
        assert sorted(ids(hub, query, rank=True)) == sorted(expected), query


def _plainly_holds(fields: list[str], query: str) -> bool:
    """The reference: the fields' folded words in a row; every word, phrase and prefix."""
    found = [w for f in fields for w in re.findall(r"[^\W_]+", fold(f))]
    for quoted, bare in re.findall(r'"([^"]*)"|(\S+)', query):
        pieces = (quoted or bare).split()
        wanted = [(w, piece.endswith("*") and i == len(re.findall(r"[^\W_]+", fold(piece))) - 1)
                  for piece in pieces
                  for i, w in enumerate(re.findall(r"[^\W_]+", fold(piece)))]
        if not any(all(found[at + k].startswith(w) if prefix else found[at + k] == w
                       for k, (w, prefix) in enumerate(wanted))
                   for at in range(len(found) - len(wanted) + 1)):
            return False
    return True


# ------------------------------------------------------------------ kept in step


def test_directives_are_searchable(hub: Hub) -> None:
    deliver(hub, "Báo cáo kế hoạch thi học sinh giỏi")
    raw = mail(sender=OFFICE, to="thcs@mailhub.localhost", subject="Công văn số 3851/KH-PGDĐT "
               "về kế hoạch thi học sinh giỏi", body="Kính gửi các trường THCS.")
    done = broadcast(hub, raw, ["thcs"])
    found = search(hub, "ke hoach thi hoc sinh gioi", Filters(verdict="directive"))
    assert len(found) == 1 and found[0].subject.startswith("Công văn số 3851")
    assert done.id and len(search(hub, "ke hoach thi hoc sinh gioi")) == 2


def test_the_migration_indexes_the_messages_already_there(settings: Settings) -> None:
    engine = db.make_engine(settings.database)
    db.upgrade(engine, "0005")
    with engine.begin() as connection:
        connection.execute(insert(MESSAGE).values(
            sha256="a" * 64, message_id="old@hanoiedu.vn", door="import", source="",
            envelope_from="", envelope_to="[]", size=1, received_at=NOON, state="filed",
            state_reason="", from_address=TH, from_name="", subject="Báo cáo vệ sinh cũ",
            body_text="Đã kiểm tra bếp ăn."))
        connection.execute(insert(MESSAGE).values(
            sha256="b" * 64, message_id="new@hanoiedu.vn", door="import", source="",
            envelope_from="", envelope_to="[]", size=1, received_at=NOON, state="received",
            state_reason="", from_address=TH, from_name="", subject="Báo cáo vệ sinh mới",
            body_text=""))
        connection.execute(insert(models.Filing.__table__).values(  # type: ignore[attr-defined]
            message=1, unit="TH-DINHCONG", level="TH", period="2026-11", team="TO-TH",
            urgent=False))
    engine.dispose()
    hub = open_hub(settings)  # upgrades to the newest revision
    try:
        assert ids(hub, "ve sinh bep an", Filters(school="TH-DINHCONG")) == [1]
        assert ids(hub, "moi") == []  # not yet filed: indexed when it is
    finally:
        hub.engine.dispose()


def test_words_are_the_folded_text_cut_at_anything_but_letters_and_digits() -> None:
    samples = ["Báo cáo VỆ SINH an toàn thực phẩm, tháng 11/2026 (bán trú)!",
               unicodedata.normalize("NFD", "Kiểm tra vệ sinh Đại Kim"),
               "ß straße İstanbul ð Ωμέγα ΣΟΦΟΣ 中文 한국어 a_b-c x̂y",
               "ÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝĂăĐđĨĩŨũƠơƯư ạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ",
               "x" * 50 + " từ " * 40_000]
    for text in samples:
        expected = [w[:40] for w in re.findall(r"[^\W_]+", fold(text))]
        assert words(text) == expected
        assert words(text, 1000) == expected[:1000]


def test_parse_query() -> None:
    query = parse_query('Vệ sinh "bếp ăn bán trú" tuyển* bao-cao 11/2026 "nhà trường"*')
    assert [(t.words, t.prefixes) for t in query.terms] == [
        (("ve",), (False,)), (("sinh",), (False,)),
        (("bep", "an", "ban", "tru"), (False,) * 4), (("tuyen",), (True,)),
        (("bao", "cao"), (False, False)), (("11", "2026"), (False, False)),
        (("nha", "truong"), (False, True))]
    assert len(parse_query("ve ve VỆ").terms) == 1
    with pytest.raises(QueryError, match="không có từ nào để tìm"):
        parse_query("-- ** !!")


# ------------------------------------------------------------------ the command


@pytest.fixture
def config(config_file: Path) -> Path:
    return config_file


def test_the_command_prints_json_and_records_who_looked(config: Path, hub: Hub) -> None:
    food = deliver(hub, "Báo cáo vệ sinh an toàn thực phẩm tháng 11",
                   attachments=["Biên bản.pdf"])
    deliver(hub, "Báo cáo tháng 11", sender=MN)
    result = runner.invoke(app, ["--config", str(config), "audit", "search", "ve", "sinh",
                                 "--school", "TH-DINHCONG", "--since", "2026-11-01", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [row["id"] for row in rows] == [food]
    for key in ("id", "message_id", "subject", "from", "unit", "topics", "period",
                "received_at", "snippet", "verdict", "attachments"):
        assert key in rows[0], key
    assert rows[0]["from"] == TH and rows[0]["unit"] == "TH-DINHCONG"
    assert rows[0]["topics"][0] == "ve-sinh-an-toan-thuc-pham" and rows[0]["period"] == "2026-11"
    assert datetime.fromisoformat(rows[0]["received_at"]) == NOON
    assert "vệ sinh" in rows[0]["snippet"]
    logged = access_log(hub, 1)[0]
    assert logged["action"] == "search"
    assert '"ve sinh"' in logged["detail"] and "--school TH-DINHCONG" in logged["detail"]


def test_the_command_table_export_and_errors(config: Path, hub: Hub, tmp_path: Path) -> None:
    deliver(hub, "Báo cáo vệ sinh an toàn thực phẩm tháng 11")
    table = runner.invoke(app, ["--config", str(config), "audit", "search", "vệ sinh"])
    assert table.exit_code == 0 and "Kết quả tìm kiếm" in table.output, table.output
    exported = tmp_path / "ket-qua.csv"
    result = runner.invoke(app, ["--config", str(config), "audit", "search", "ve sinh",
                                 "--rank", "--output", str(exported)])
    assert result.exit_code == 0, result.output
    with exported.open(encoding="utf-8-sig", newline="") as handle:
        exported_rows = list(csv.DictReader(handle))
    assert exported_rows[0]["Tiêu đề"] == "Báo cáo vệ sinh an toàn thực phẩm tháng 11"
    assert access_log(hub, 1)[0]["action"] == "export"
    empty = runner.invoke(app, ["--config", str(config), "audit", "search", "***"])
    assert empty.exit_code == 1 and "không có từ nào để tìm" in empty.output
    bad = runner.invoke(app, ["--config", str(config), "audit", "search", "ve", "--verdict",
                              "approved"])
    assert bad.exit_code == 1 and "kết quả không hợp lệ" in bad.output
