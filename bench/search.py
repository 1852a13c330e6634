"""Search benchmark: `mailhub audit search` over an archive of a million messages, on SQLite
and PostgreSQL, against a LIKE '%…%' scan of the same rows.

It generates, deterministically (--seed), an archive of N messages (1,000,000 by default)
received over ten years from the schools of data/units.csv (MN/TH/THCS, about a hundred):
Vietnamese subjects and bodies (reports on food safety, enrolment, facilities, safety drills,
… with people's names, classes, wards and figures), a third with attachment names, in the
states the pipeline leaves them (filed with school, level, period and topics; rejected
personal addresses; quarantined; duplicates; the office's directives). The rows go straight
into a fresh database of the project's schema (db.ensure_schema): executemany on SQLite (in a
temp dir), COPY on PostgreSQL (a fresh schema of --database-url, dropped afterwards); every
message is then indexed by search.index(), the code the pipeline runs. Loading is not timed
(its figures are printed).

Then 50 representative queries (words with and without marks, phrases, prefixes; filters by
school, level, topic, period, dates, verdict, sender; 10 of them --rank) run through
search.search(), hits with their snippets: once to warm up, then --rounds times; a query's
time is its median. The baseline runs the same queries as naive SQL would: each word or
phrase as `LIKE '%…%'` (ILIKE on PostgreSQL) over subject and body, the same filters on the
message, filing and filing_topic tables, newest first, LIMIT 50; once each.

Per database it prints p50 and p95 of the newest-first queries, the --rank queries, all 50,
and the baseline. The newest-first hits must be the same on both databases (ids and order),
else the run is invalid (ERROR lines, exit status 1). The last line is
`RESULT search value=<p95 ms> baseline=<p95 ms> ratio=<baseline/value>`: value is the larger
of the two databases' p95 over all 50 queries, baseline the LIKE scan's p95 on that database.
WARNING lines come before it when a target is missed, on either database: newest-first p95
under 100 ms, --rank p95 under 500 ms.

    python bench/search.py --count 100000           # quick check, a few minutes
    python bench/search.py                          # 1,000,000 messages
    python bench/search.py --databases sqlite --count 20000 --explain
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import platform
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from datetime import time as clock_time
from pathlib import Path
from typing import Any

from ingest import _ascii, revision
from smtp import result
from sqlalchemy import Engine, create_engine, event, insert, text
from sqlalchemy.engine import make_url

from mailhub import models, search
from mailhub.config import Settings
from mailhub.db import transaction
from mailhub.hub import Hub, open_hub

ROOT = Path(__file__).resolve().parents[1]
POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
VN = timezone(timedelta(hours=7))
END = datetime(2026, 11, 20, 17, 0, tzinfo=VN)
START = END - timedelta(days=3652)                  # ten years
CHUNK = 10_000                                      # messages generated and loaded at once
INDEX_CHUNK = 5_000                                 # messages indexed per transaction
LIMIT = 50
TARGET_NEWEST_MS, TARGET_RANK_MS = 100.0, 500.0     # the p95 targets
TARGET_RATIO = 1.0                                  # the index must at least beat the scan

MESSAGE = models.Message.__table__  # type: ignore[attr-defined]
FILING = models.Filing.__table__  # type: ignore[attr-defined]
TOPIC = models.FilingTopic.__table__  # type: ignore[attr-defined]
ATTACHMENT = models.Attachment.__table__  # type: ignore[attr-defined]

# ------------------------------------------------------------------ generation

SUBJECTS = (  # subject, the topics the classifier gives it
    ("Báo cáo tháng {m}/{y} - {short}", ("bao-cao-thang",)),
    ("Báo cáo công tác tháng {m} năm {y} - {short}", ("bao-cao-thang",)),
    ("BC tháng {m}/{y} {short}", ("bao-cao-thang",)),
    ("Báo cáo công tác VSATTP tháng {m}/{y} - {short}",
     ("ve-sinh-an-toan-thuc-pham", "bao-cao-thang")),
    ("Báo cáo vệ sinh an toàn thực phẩm bếp ăn bán trú tháng {m}",
     ("ve-sinh-an-toan-thuc-pham",)),
    ("Báo cáo công tác phòng chống tai nạn thương tích - {school}", ("truong-hoc-an-toan",)),
    ("V/v báo cáo cơ sở vật chất, thiết bị dạy học năm học {sy}", ("co-so-vat-chat",)),
    ("Báo cáo kết quả tuyển sinh năm học {sy} - {short}", ("tuyen-sinh",)),
    ("Báo cáo kết quả thi học sinh giỏi cấp trường năm học {sy}", ("hoc-sinh-gioi",)),
    ("Kế hoạch giáo dục STEM học kỳ {hk} năm học {sy} - {short}", ("stem",)),
    ("Báo cáo công khai tài chính, các khoản thu đầu năm học {sy}", ("thu-chi",)),
    ("Báo cáo công tác chuyển đổi số, trường học điện tử tháng {m}/{y}",
     ("truong-hoc-dien-tu",)),
    ("Báo cáo thực hiện quy chế dân chủ - {school}", ("quy-che-dan-chu",)),
    ("Báo cáo tự đánh giá kiểm định chất lượng giáo dục - {short}", ("kiem-dinh-chat-luong",)),
    ("Báo cáo tình hình dinh dưỡng, cân đo trẻ tháng {m}/{y}", ("dinh-duong",)),
    ("{short} gửi báo cáo giáo dục kỹ năng sống học kỳ {hk}", ("ky-nang-song",)),
    ("KHẨN: Báo cáo vụ việc phụ huynh phản ánh trên mạng xã hội - {short}", ("du-luan",)),
    ("V/v gửi báo cáo", ("chua-phan-loai",)),
    ("Re: V/v triển khai kế hoạch phòng chống đuối nước", ("truong-hoc-an-toan",)),
    ("Fwd: Báo cáo sơ kết học kỳ {hk} năm học {sy} - {short}", ("danh-gia-hoc-sinh",)),
    ("Gương người tốt việc tốt: học sinh nhặt được của rơi trả lại người mất - {short}",
     ("guong-dien-hinh",)),
    ("Báo cáo sổ điểm điện tử, nhập điểm cuối học kỳ {hk} - {short}", ("so-diem-dien-tu",)),
    ("Báo cáo kết quả thi Olympic tiếng Anh cấp trường - {short}", ("ngoai-ngu",)),
    ("Báo cáo công tác phát triển đội ngũ, bồi dưỡng giáo viên năm học {sy}",
     ("phat-trien-doi-ngu",)),
    ("Đăng ký kiểm tra công nhận trường chuẩn quốc gia - {school}", ("truong-chuan-quoc-gia",)),
    ("Báo cáo công tác giáo dục đạo đức, lối sống cho học sinh tháng {m}",
     ("dao-duc-loi-song",)),
    ("Danh sách học sinh tham gia lớp dạy bổ trợ học kỳ {hk}", ("day-bo-tro",)),
    ("Cam kết không dạy thêm học thêm trái quy định năm học {sy}", ("day-them-hoc-them",)),
    ("Báo cáo nhập dữ liệu ESAMS tháng {m}/{y}", ("esams",)),
    ("Báo cáo công tác hướng nghiệp, phân luồng học sinh lớp 9", ("day-nghe",)),
    ("Báo cáo xã hội hóa giáo dục, tài trợ năm học {sy}", ("xa-hoi-hoa",)),
)

SENTENCES = (
    "Tổng số học sinh toàn trường là {n} em, chia thành {c} lớp; tỷ lệ chuyên cần đạt {p}%.",
    "Nhà trường đã tổ chức {c} buổi sinh hoạt chuyên môn theo nghiên cứu bài học với {n} "
    "lượt giáo viên tham gia.",
    "Bếp ăn bán trú thực hiện nghiêm kiểm thực ba bước, lưu mẫu thức ăn 24 giờ; trong tháng "
    "không có trường hợp ngộ độc thực phẩm.",
    "Đã ký hợp đồng với {c} nhà cung cấp thực phẩm có giấy chứng nhận cơ sở đủ điều kiện an "
    "toàn thực phẩm.",
    "Tổ chức cân đo cho {n} trẻ: tỷ lệ suy dinh dưỡng thể thấp còi {p}%, thừa cân béo phì {q}%.",
    "Rà soát, sửa chữa {c} phòng học bị thấm dột, thay mới {n} bộ bàn ghế đúng quy cách.",
    "Tổ chức diễn tập phòng cháy chữa cháy và cứu nạn cứu hộ với sự tham gia của {n} cán bộ, "
    "giáo viên, nhân viên và học sinh.",
    "Tuyên truyền phòng chống đuối nước, an toàn giao thông trong {c} tiết chào cờ đầu tuần.",
    "Kết quả khảo sát chất lượng giữa kỳ: {p}% học sinh hoàn thành tốt, {q}% hoàn thành.",
    "Triển khai sổ điểm điện tử và học bạ số cho {c} lớp; {p}% giáo viên đã nhập điểm đúng hạn.",
    "Thực hiện công khai tài chính, các khoản thu thỏa thuận theo đúng quy định; tổng kinh "
    "phí đã chi là {n} triệu đồng.",
    "Tổ chức {c} tiết học trải nghiệm STEM, {n} học sinh tham gia ngày hội sáng tạo.",
    "Đội tuyển học sinh giỏi của trường đạt {c} giải cấp quận, trong đó có {q} giải nhất.",
    "Hội nghị viên chức đầu năm học được tổ chức dân chủ, công khai với {n} đại biểu tham dự.",
    "Tiếp tục bồi dưỡng thường xuyên cho {n} giáo viên theo kế hoạch của Phòng Giáo dục và "
    "Đào tạo.",
    "Công tác tuyển sinh lớp đầu cấp hoàn thành {p}% chỉ tiêu được giao, không có học sinh "
    "trái tuyến.",
    "Phối hợp với trạm y tế phường {ward} khám sức khỏe định kỳ cho {n} học sinh.",
    "Một số phòng học xuống cấp, chưa đủ phòng chức năng theo quy định trường chuẩn quốc gia.",
    "Đề nghị Phòng quan tâm bổ sung {c} biên chế giáo viên tiếng Anh và tin học.",
    "Tháng tới nhà trường tập trung ôn tập, kiểm tra cuối học kỳ và hoàn thiện hồ sơ kiểm "
    "định chất lượng.",
    "Cô {name}, giáo viên lớp {cls}, được đề nghị khen thưởng vì thành tích xuất sắc.",
    "Em {name}, học sinh lớp {cls}, nhặt được ví tiền và đã trả lại người mất.",
    "Ngày {d}, phụ huynh học sinh lớp {cls} phản ánh trên mạng xã hội về khoản thu quỹ lớp.",
    "Ông {name}, Trưởng ban đại diện cha mẹ học sinh, đã làm việc với nhà trường ngày {d}.",
    "Trường đã cập nhật dữ liệu học sinh, giáo viên lên hệ thống ESAMS và cơ sở dữ liệu ngành.",
    "Tổ chức chuyên đề chuyển đổi số trong dạy học, {n} giáo viên ứng dụng bài giảng điện tử.",
    "Học sinh lớp 9 được tư vấn hướng nghiệp, phân luồng; {p}% đăng ký thi vào lớp 10.",
    "Nhà trường vận động xã hội hóa được {n} triệu đồng để lắp đặt phòng máy chiếu.",
    "Giáo dục kỹ năng sống, kỹ năng tự phục vụ cho trẻ qua các hoạt động góc.",
    "Tổ chức thi Olympic tiếng Anh cấp trường với {n} học sinh dự thi, {c} em đạt giải.",
    "Lớp {cls} có {q} học sinh chưa hoàn thành, giáo viên phụ đạo vào chiều thứ Năm.",
    "Không có giáo viên dạy thêm, học thêm trái quy định; đã ký cam kết {n} bản.",
    "Công tác thực hiện quy chế dân chủ cơ sở được duy trì, không có đơn thư khiếu nại.",
    "Giáo dục đạo đức, lối sống, văn hóa ứng xử học đường qua {c} buổi ngoại khóa.",
    "Biên bản kiểm tra bếp ăn ngày {d} do đoàn liên ngành phường {ward} lập.",
    "Thầy {name} phụ trách đội tuyển Toán, bồi dưỡng học sinh giỏi từ tháng {m}.",
    "Kế hoạch phòng chống tai nạn thương tích, xây dựng trường học an toàn năm học {sy}.",
    "Trường tự đánh giá đạt mức độ {q}, đề nghị đánh giá ngoài kiểm định chất lượng giáo dục.",
    "Đã nhận {c} bộ thiết bị dạy học tối thiểu lớp {g} theo chương trình giáo dục phổ thông.",
    "Số: {n}/BC-{ascii} ngày {d}.",
)

CLOSINGS = ("Trân trọng.", "Trân trọng cảm ơn!", "Kính mong Phòng xem xét.", "Xin cảm ơn.")
FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi",
          "Đỗ", "Hồ", "Ngô", "Dương", "Lý")
MIDDLE = ("Thị", "Văn", "Minh", "Ngọc", "Thanh", "Quốc", "Đức", "Thu", "Hải", "Hồng")
GIVEN = ("An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Hạnh", "Hiếu", "Hoa", "Hùng", "Hương",
         "Khánh", "Lan", "Linh", "Long", "Mai", "Minh", "Nam", "Nga", "Ngọc", "Phong", "Phương",
         "Quân", "Quỳnh", "Sơn", "Tâm", "Thảo", "Thắng", "Trang", "Trung", "Tú", "Tuấn",
         "Uyên", "Việt", "Yến")
ATTACHMENTS = ("Báo cáo tháng {m} - {short}.pdf", "BC_thang_{m}_{y}_{ascii}.xlsx",
               "Bien ban kiem tra VSATTP T{m}.docx", "Phụ lục số liệu tháng {m}.{y}.xlsx",
               "Ke hoach STEM HK{hk}.docx", "Danh sách học sinh giỏi.xlsx",
               "BC_CSVC_T{m}-{y}.xlsx", "Công khai tài chính {sy}.pdf",
               "Danh sách lớp {cls}.xlsx", "Biên bản họp phụ huynh lớp {cls}.docx")
DIRECTIVES = ("Công văn số {n}/PGDĐT-{team} về việc triển khai {topic} năm học {sy}",
              "Kế hoạch số {n}/KH-PGDĐT tổ chức kiểm tra {topic} tháng {m}/{y}",
              "Thông báo số {n}/TB-PGDĐT về lịch họp giao ban tháng {m}")
DIRECTIVE_TOPICS = ("công tác vệ sinh an toàn thực phẩm", "phòng chống đuối nước",
                    "tuyển sinh đầu cấp", "chuyển đổi số", "kiểm định chất lượng")
STATES = ((0.03, "rejected"), (0.05, "quarantined"), (0.06, "duplicate"),
          (0.065, "directive"), (1.0, "filed"))
LEVEL_TEAMS = {"MN": "TO-MN", "TH": "TO-TH", "THCS": "TO-THCS"}


@dataclass(frozen=True)
class School:
    code: str
    name: str
    kind: str
    email: str
    ward: str

    @property
    def short(self) -> str:
        for long, short in (("Trường Mầm non", "MN"), ("Trường Tiểu học", "TH"),
                            ("Trường THCS", "THCS")):
            if self.name.startswith(long):
                return short + self.name[len(long):]
        return self.name


@dataclass
class Chunk:
    """One block of generated rows, table by table."""

    messages: list[dict[str, Any]] = field(default_factory=list)
    filings: list[dict[str, Any]] = field(default_factory=list)
    topics: list[dict[str, Any]] = field(default_factory=list)
    attachments: list[dict[str, Any]] = field(default_factory=list)


def load_schools(registry: Path) -> list[School]:
    with registry.open(encoding="utf-8", newline="") as handle:
        schools = [School(row["code"], row["name"], row["kind"], row["email"].lower(),
                          row["ward"]) for row in csv.DictReader(handle)
                   if row["kind"] in LEVEL_TEAMS and row["email"]]
    if not schools:
        raise SystemExit(f"no MN/TH/THCS rows with an email in {registry}")
    return sorted(schools, key=lambda s: s.code)


def generate(count: int, seed: int, schools: Sequence[School]) -> Iterator[Chunk]:
    """The archive, CHUNK messages at a time, oldest first (ids 1..count)."""
    rng = random.Random(seed)
    step = (END - START) / count
    chunk = Chunk()
    for i in range(count):
        at = (START + step * (i + rng.random())).astimezone(UTC)
        _message(rng, i + 1, at, rng.choice(schools), chunk)
        if len(chunk.messages) == CHUNK:
            yield chunk
            chunk = Chunk()
    if chunk.messages:
        yield chunk


def _message(rng: random.Random, id_: int, at: datetime, school: School, chunk: Chunk) -> None:
    local = at.astimezone(VN)
    month_of = local - timedelta(days=10) if local.day <= 5 else local  # last month's report
    school_year = local.year if local.month >= 8 else local.year - 1
    fields = dict(m=month_of.month, y=month_of.year, school=school.name, short=school.short,
                  ascii=_ascii(school.short), sy=f"{school_year}-{school_year + 1}",
                  hk="I" if local.month >= 8 or local.month == 1 else "II",
                  team=LEVEL_TEAMS[school.kind].split("-")[1], ward=school.ward,
                  cls=f"{rng.randint(1, 9)}A{rng.randint(1, 8)}", g=rng.randint(1, 9),
                  d=(local - timedelta(days=rng.randint(0, 20))).strftime("%d/%m/%Y"))
    state = next(name for share, name in STATES if rng.random() < share)
    sender, sender_name = school.email, school.name
    topics: tuple[str, ...] = ()
    if state == "directive":
        subject = rng.choice(DIRECTIVES).format(n=rng.randint(100, 4999),
                                                topic=rng.choice(DIRECTIVE_TOPICS), **fields)
        sender, sender_name = "pgd-hoangmai@hanoiedu.vn", "Phòng GD&ĐT Hoàng Mai"
    else:
        template, topics = rng.choice(SUBJECTS)
        subject = template.format(**fields)
        if state == "rejected":
            sender = f"{_ascii(_name(rng)).lower()}{rng.randint(70, 99)}@gmail.com"
    body = _body(rng, school, subject, fields)
    chunk.messages.append(dict(
        id=id_, sha256=hashlib.sha256(b"%d" % id_).hexdigest(),
        message_id=f"{at:%Y%m%d%H%M%S}.{id_}@{sender.split('@')[1]}", door="import",
        source="", envelope_from=sender, envelope_to="[]", size=len(body) * 2, received_at=at,
        state=state, state_reason="", duplicate_of=id_ - 1 if state == "duplicate" else None,
        from_address=sender, from_name=sender_name, subject=subject, sent_at=at,
        body_text=body, filed_at=at))
    if rng.random() < 1 / 3:
        for position in range(rng.choice((1, 1, 2))):
            chunk.attachments.append(dict(
                message=id_, position=position, name=rng.choice(ATTACHMENTS).format(**fields),
                content_type="application/octet-stream", size=rng.randint(20_000, 900_000),
                sha256=hashlib.sha256(b"a%d.%d" % (id_, position)).hexdigest()))
    if state == "filed":
        chunk.filings.append(dict(message=id_, unit=school.code, level=school.kind,
                                  period=f"{month_of.year}-{month_of.month:02d}",
                                  team=LEVEL_TEAMS[school.kind], urgent=False))
        chunk.topics += [dict(message=id_, rank=rank, topic=topic, score=3.0 - rank)
                         for rank, topic in enumerate(topics)]


def _name(rng: random.Random) -> str:
    return f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"


def _body(rng: random.Random, school: School, subject: str, fields: dict[str, Any]) -> str:
    lines = [f"Kính gửi: Tổ {fields['team']} - Phòng Giáo dục và Đào tạo",
             f"{school.name} xin gửi {subject[:1].lower()}{subject[1:]} như sau:"]
    for _ in range(rng.randint(3, 9)):
        lines.append("- " + rng.choice(SENTENCES).format(
            n=rng.randint(20, 1500), c=rng.randint(2, 40), p=rng.randint(60, 100),
            q=rng.randint(1, 15), name=_name(rng), **fields))
    lines += [rng.choice(CLOSINGS), f"{_name(rng)} - Hiệu trưởng",
              f"ĐT: 024 38{rng.randrange(10**6):06d}"]
    return "\n".join(lines)


# ------------------------------------------------------------------ loading


def load(hub: Hub, count: int, seed: int, schools: Sequence[School]) -> tuple[float, float]:
    """Rows straight into the tables, then search.index() over them: (load s, index s)."""
    loading = indexing = 0.0
    postgres = hub.engine.dialect.name == "postgresql"
    done = 0
    for chunk in generate(count, seed, schools):
        began = time.perf_counter()
        with transaction(hub.engine, durable=False) as db:
            for table, rows in ((MESSAGE, chunk.messages), (FILING, chunk.filings),
                                (TOPIC, chunk.topics), (ATTACHMENT, chunk.attachments)):
                if rows:
                    (_copy if postgres else _insert)(db, table, rows)
        loading += time.perf_counter() - began
        began = time.perf_counter()
        ids = [row["id"] for row in chunk.messages]
        for start in range(0, len(ids), INDEX_CHUNK):
            with transaction(hub.engine, durable=False) as db:
                search.index(db, ids[start:start + INDEX_CHUNK])
        indexing += time.perf_counter() - began
        done += len(ids)
        if done % 100_000 == 0 or done == count:
            print(f"  {done:>9,} messages: load {loading:6.1f} s, index {indexing:6.1f} s",
                  flush=True)
    with hub.engine.begin() as db:
        if postgres:
            db.execute(text("SELECT setval(pg_get_serial_sequence('message', 'id'), :n)"),
                       {"n": count})
            for table in ("message", "filing", "filing_topic", "attachment", "search_index"):
                db.execute(text(f"ANALYZE {table}"))
    return loading, indexing


def _insert(db: Any, table: Any, rows: list[dict[str, Any]]) -> None:
    db.execute(insert(table), rows)


def _copy(db: Any, table: Any, rows: list[dict[str, Any]]) -> None:
    columns = list(rows[0])
    cursor = db.connection.driver_connection.cursor()
    with cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([row[c] for c in columns])


# ------------------------------------------------------------------ queries


@dataclass(frozen=True)
class Ask:
    text: str
    filters: search.Filters = search.Filters()
    rank: bool = False

    def __str__(self) -> str:
        shown = [json.dumps(self.text, ensure_ascii=False)]
        shown += [f"--{k} {v}" for k, v in vars(self.filters).items() if v is not None]
        return " ".join(shown + (["--rank"] if self.rank else []))


def asks(schools: Sequence[School]) -> list[Ask]:
    """50 queries an office would ask: 40 newest first, 10 by relevance."""
    by_kind = {kind: [s.code for s in schools if s.kind == kind] for kind in LEVEL_TEAMS}
    mn, th, thcs = (by_kind[k] * 3 for k in ("MN", "TH", "THCS"))
    F, d = search.Filters, date
    newest = [
        Ask("vệ sinh an toàn thực phẩm", F(school=mn[3])),
        Ask("ve sinh", F(topic="ve-sinh-an-toan-thuc-pham", since=d(2024, 1, 1))),
        Ask('"kiểm định chất lượng"', F(school=th[5])),
        Ask("tuyen sinh", F(level="TH", since=d(2025, 6, 1), until=d(2025, 9, 30))),
        Ask("dinh dưỡng", F(school=mn[7], period="2023-11")),
        Ask("phòng cháy chữa cháy", F(since=d(2022, 1, 1), until=d(2022, 12, 31))),
        Ask("đuối nước", F(level="MN")),
        Ask("STEM", F(school=thcs[2])),
        Ask("hoc sinh gioi", F(topic="hoc-sinh-gioi", since=d(2020, 9, 1))),
        Ask('"Nguyễn Thị Hương"'),
        Ask("Hương", F(school=th[11])),
        Ask("thuc*", F(school=th[14], since=d(2025, 1, 1))),
        Ask("tai nạn thương tích", F(topic="truong-hoc-an-toan")),
        Ask("báo cáo tháng", F(period="2026-10")),
        Ask("bếp ăn bán trú", F(level="MN", since=d(2026, 1, 1))),
        Ask("sổ điểm điện tử", F(school=thcs[6])),
        Ask("công khai tài chính", F(topic="thu-chi", period="2025-09")),
        Ask("chuyen doi so", F(since=d(2023, 1, 1))),
        Ask("phụ huynh phản ánh", F(verdict="filed")),
        Ask("báo cáo", F(sender="gmail.com", verdict="rejected")),
        Ask("lớp 5A2", F(school=th[20])),
        Ask("giao vien tieng anh", F(level="THCS")),
        Ask("ngộ độc thực phẩm", F(since=d(2019, 1, 1), until=d(2019, 12, 31))),
        Ask("trường chuẩn quốc gia", F(school=thcs[10])),
        Ask("kiem tra", F(school=mn[12], since=d(2024, 1, 1))),
        Ask("công văn", F(verdict="directive")),
        Ask("đạo đức lối sống", F(topic="dao-duc-loi-song", level="THCS")),
        Ask("ESAMS", F(since=d(2026, 9, 1))),
        Ask("Đặng*", F(school=th[25])),
        Ask("xã hội hóa", F(school=mn[20])),
        Ask("quy chế dân chủ", F(since=d(2021, 1, 1), until=d(2021, 12, 31))),
        Ask("ky nang song", F(school=mn[1])),
        Ask("hướng nghiệp phân luồng", F(level="THCS", since=d(2024, 9, 1))),
        Ask("diễn tập", F(topic="truong-hoc-an-toan", since=d(2025, 1, 1))),
        Ask("BC_CSVC", F(school=th[8])),
        Ask("Định Công", F(topic="dinh-duong")),
        Ask("bồi dưỡng thường xuyên", F(since=d(2026, 1, 1))),
        Ask("hoc ba so", F(school=thcs[15])),
        Ask("suy dinh dưỡng thấp còi", F(level="MN", period="2025-12")),
        Ask("olympic", F(topic="ngoai-ngu")),
    ]
    ranked = [
        Ask("vệ sinh an toàn thực phẩm", F(school=mn[9]), rank=True),
        Ask("đuối nước", F(since=d(2024, 1, 1)), rank=True),
        Ask("học sinh giỏi cấp quận", F(level="THCS"), rank=True),
        Ask("kiểm định chất lượng", F(topic="kiem-dinh-chat-luong"), rank=True),
        Ask("dinh duong tre", F(level="MN", since=d(2025, 1, 1)), rank=True),
        Ask("phụ huynh phản ánh mạng xã hội", rank=True),
        Ask("tuyển sinh trái tuyến", F(school=th[30]), rank=True),
        Ask("chuyển đổi số", F(period="2026-03"), rank=True),
        Ask("phòng học thấm dột", F(since=d(2023, 1, 1)), rank=True),
        Ask('"Trần Văn Minh"', rank=True),
    ]
    return newest + ranked


def like_scan(hub: Hub, ask: Ask) -> list[int]:
    """The naive search: LIKE over subject and body, filters on the tables, newest first."""
    postgres = hub.engine.dialect.name == "postgresql"
    like = "ILIKE" if postgres else "LIKE"
    words = [w.strip('"*') for w in _pieces(ask.text)]
    where, values = [], {}
    for i, word in enumerate(words):
        where.append(f"(m.subject {like} :w{i} OR m.body_text {like} :w{i})")
        values[f"w{i}"] = f"%{word}%"
    f = ask.filters
    for column, value in (("f.unit", f.school), ("f.level", f.level), ("f.period", f.period),
                          ("m.state", f.verdict)):
        if value is not None:
            where.append(f"{column} = :{column[2:]}")
            values[column[2:]] = value
    if f.topic:
        where.append("EXISTS (SELECT 1 FROM filing_topic t WHERE t.message = m.id "
                     "AND t.topic = :topic)")
        values["topic"] = f.topic
    if f.sender:
        where.append("lower(m.from_address) LIKE :sender")
        values["sender"] = f"%{f.sender}%"
    zone = hub.settings.zone
    if f.since:
        where.append("m.received_at >= :since")
        values["since"] = datetime.combine(f.since, clock_time(), zone).astimezone(UTC)
    if f.until:
        where.append("m.received_at < :until")
        values["until"] = datetime.combine(f.until + timedelta(days=1), clock_time(),
                                           zone).astimezone(UTC)
    if not postgres:  # stored as text in UTC, without the zone
        for key in ("since", "until"):
            if key in values:
                values[key] = values[key].replace(tzinfo=None).isoformat(" ")
    join = " LEFT JOIN filing f ON f.message = m.id" if any(
        (f.school, f.level, f.period)) else ""
    sql = (f"SELECT m.id FROM message m{join} WHERE {' AND '.join(where)} "
           f"ORDER BY m.received_at DESC, m.id DESC LIMIT {LIMIT}")
    with hub.engine.connect() as db:
        return list(db.execute(text(sql), values).scalars())


def _pieces(query: str) -> list[str]:
    """Words and "phrases" as typed."""
    pieces, rest = [], query
    while '"' in rest:
        before, _, after = rest.partition('"')
        phrase, _, rest = after.partition('"')
        pieces += before.split() + ([phrase] if phrase.strip() else [])
    return pieces + rest.split()


# ------------------------------------------------------------------ timing


@dataclass
class Run:
    database: str
    loaded: int
    load_seconds: float
    index_seconds: float
    size: str
    times: dict[str, float] = field(default_factory=dict)        # query -> median ms
    baseline: dict[str, float] = field(default_factory=dict)     # query -> ms
    hits: dict[str, list[int]] = field(default_factory=dict)     # newest-first ids
    counts: dict[str, int] = field(default_factory=dict)


def timed(call: Callable[[], Any]) -> tuple[float, Any]:
    began = time.perf_counter()
    found = call()
    return (time.perf_counter() - began) * 1000, found


def measure(hub: Hub, name: str, questions: Sequence[Ask], rounds: int, explain: bool,
            run: Run) -> None:
    for ask in questions:  # warm-up, and the hits
        hits = search.search(hub, ask.text, ask.filters, rank=ask.rank, limit=LIMIT)
        run.hits[str(ask)] = [hit.id for hit in hits]
        run.counts[str(ask)] = len(hits)
    samples: dict[str, list[float]] = {str(ask): [] for ask in questions}
    for _ in range(rounds):
        for ask in questions:
            ms, _ = timed(lambda a=ask: search.search(hub, a.text, a.filters, rank=a.rank,
                                                      limit=LIMIT))
            samples[str(ask)].append(ms)
    run.times = {key: statistics.median(values) for key, values in samples.items()}
    for ask in questions:
        ms, _ = timed(lambda a=ask: like_scan(hub, a))
        run.baseline[str(ask)] = ms
    if explain:
        for ask in questions:
            print(f"--- {name} {ask}: {run.times[str(ask)]:.1f} ms, "
                  f"{run.counts[str(ask)]} hits")
            for line in plan(hub, ask):
                print(f"    {line}")


def plan(hub: Hub, ask: Ask) -> list[str]:
    """The plans of the statements a search runs on the index (EXPLAIN QUERY PLAN on
    SQLite, EXPLAIN ANALYZE on PostgreSQL), caught as the search runs them."""
    caught: list[tuple[str, Any]] = []

    def catch(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any,
              executemany: bool) -> None:
        if "search_index" in statement and statement.lstrip().upper().startswith("SELECT"):
            caught.append((statement, parameters))

    event.listen(hub.engine, "before_cursor_execute", catch)
    try:
        search.search(hub, ask.text, ask.filters, rank=ask.rank, limit=LIMIT)
    finally:
        event.remove(hub.engine, "before_cursor_execute", catch)
    postgres = hub.engine.dialect.name == "postgresql"
    prefix = "EXPLAIN (ANALYZE, BUFFERS) " if postgres else "EXPLAIN QUERY PLAN "
    lines = []
    with hub.engine.connect() as db:
        for statement, parameters in caught:
            lines.append(f"-- {' '.join(statement.split())[:160]}")
            rows = db.exec_driver_sql(prefix + statement, parameters).all()
            lines += [str(row[0]) if postgres else str(row[-1]) for row in rows]
    return lines


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def figures(run: Run, questions: Sequence[Ask]) -> dict[str, tuple[float, float]]:
    groups = {"newest first": [run.times[str(a)] for a in questions if not a.rank],
              "--rank": [run.times[str(a)] for a in questions if a.rank],
              "all": list(run.times.values()),
              "LIKE baseline": list(run.baseline.values())}
    return {name: (percentile(values, 0.5), percentile(values, 0.95))
            for name, values in groups.items()}


# ------------------------------------------------------------------ databases


def with_sqlite(work: Path) -> Iterator[tuple[str, str]]:
    yield "SQLite", f"sqlite:///{work / 'state' / 'mailhub.db'}"


def with_postgres(url: str, prefix: str = "bench_search") -> Iterator[tuple[str, str]]:
    """A fresh schema of `url`, dropped afterwards."""
    schema = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url)
    with admin.begin() as db:
        db.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        separator = "&" if "?" in url else "?"
        yield "PostgreSQL", f"{url}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as db:
            db.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def size_of(engine: Engine, url: str) -> str:
    if engine.dialect.name == "postgresql":
        with engine.connect() as db:
            total, index = db.execute(text(
                "SELECT pg_database_size(current_database()), "
                "pg_total_relation_size('search_index')")).one()
        return f"search index {index / 2**20:,.0f} MiB"
    path = Path(url.split("///", 1)[1])
    with engine.connect() as db:
        pages = db.execute(text(
            "SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'search_index%'")).scalar() \
            if _has_dbstat(db) else None
    whole = path.stat().st_size + (path.with_name(path.name + "-wal").stat().st_size
                                   if path.with_name(path.name + "-wal").exists() else 0)
    return f"file {whole / 2**20:,.0f} MiB" + (
        f", search index {pages / 2**20:,.0f} MiB" if pages else "")


def _has_dbstat(db: Any) -> bool:
    try:
        db.execute(text("SELECT 1 FROM dbstat LIMIT 1"))
        return True
    except Exception:
        return False


def bench_one(name: str, url: str, work: Path, args: argparse.Namespace,
              schools: Sequence[School], questions: Sequence[Ask]) -> Run:
    settings = Settings(state_dir=work / "state", database_url=url,
                        registry=ROOT / "data" / "units.csv", rules_dir=ROOT / "rules")
    hub = open_hub(settings)
    try:
        print(f"{name}: loading {args.count:,} messages", flush=True)
        load_seconds, index_seconds = load(hub, args.count, args.seed, schools)
        run = Run(name, args.count, load_seconds, index_seconds, size_of(hub.engine, url))
        print(f"{name}: {run.size}; timing {len(questions)} queries", flush=True)
        measure(hub, name, questions, args.rounds, args.explain, run)
        return run
    finally:
        hub.engine.dispose()


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1_000_000, help="messages (1,000,000)")
    parser.add_argument("--seed", type=int, default=20261120)
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds per query (3)")
    parser.add_argument("--databases", default="sqlite,postgresql",
                        help="which to run: sqlite, postgresql or both (default)")
    parser.add_argument("--database-url", default=POSTGRES,
                        help=f"PostgreSQL server whose fresh schema is used ({POSTGRES})")
    parser.add_argument("--tmp", type=Path, default=None, help="where the temp dir goes")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (SQLite)")
    parser.add_argument("--explain", action="store_true",
                        help="print each query's time and plan")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    wanted = [d.strip().lower() for d in args.databases.split(",") if d.strip()]
    schools = load_schools(ROOT / "data" / "units.csv")
    questions = asks(schools)
    runs: list[Run] = []
    work = Path(tempfile.mkdtemp(prefix="mailhub-bench-search-", dir=args.tmp))
    try:
        for kind in wanted:
            places = with_sqlite(work / "sqlite") if kind == "sqlite" else \
                with_postgres(args.database_url)
            for name, url in places:
                runs.append(bench_one(name, url, work / kind, args, schools, questions))
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print(f"mailhub {revision()}, python {platform.python_version()}, {args.count:,} messages "
          f"from {len(schools)} schools over ten years, {len(questions)} queries "
          f"({sum(a.rank for a in questions)} --rank), median of {args.rounds} rounds; "
          f"PostgreSQL at {make_url(args.database_url).render_as_string(hide_password=True)}")
    warnings: list[str] = []
    for run in runs:
        found = figures(run, questions)
        print(f"{run.database}: loaded in {run.load_seconds:.0f} s, indexed in "
              f"{run.index_seconds:.0f} s ({run.loaded / run.index_seconds:,.0f} msg/s), "
              f"{run.size}; hits per query: median "
              f"{statistics.median(run.counts.values()):.0f}")
        for group, (p50, p95) in found.items():
            print(f"  {group:14s} p50 {p50:8.1f} ms   p95 {p95:8.1f} ms")
        if found["newest first"][1] >= TARGET_NEWEST_MS:
            warnings.append(f"{run.database}: newest-first p95 {found['newest first'][1]:.1f} "
                            f"ms is not under {TARGET_NEWEST_MS:.0f} ms")
        if found["--rank"][1] >= TARGET_RANK_MS:
            warnings.append(f"{run.database}: --rank p95 {found['--rank'][1]:.1f} ms is not "
                            f"under {TARGET_RANK_MS:.0f} ms")
    problems = [f"{ask}: SQLite and PostgreSQL found different messages"
                for ask in questions if not ask.rank and len(runs) == 2
                and runs[0].hits[str(ask)] != runs[1].hits[str(ask)]]
    warnings += [f"{ask}: no hits on {run.database}" for run in runs for ask in questions
                 if not run.counts[str(ask)]]
    worst = max(runs, key=lambda r: figures(r, questions)["all"][1])
    value = figures(worst, questions)["all"][1]
    baseline = figures(worst, questions)["LIKE baseline"][1]
    return result("search", problems, value, baseline, TARGET_RATIO, warnings,
                  lower_is_better=True)


if __name__ == "__main__":
    sys.exit(main())
