"""Ingest benchmark: mailhub's receive + file path against a parse + fsync baseline.

It generates N realistic, deterministic (seeded) messages in memory: school reports
to the Education Office, 20-200 KiB each, Vietnamese UTF-8 subjects and bodies
(base64 or quoted-printable), a third with one or two pdf/xlsx/docx attachments,
senders from data/units.csv (kinds MN/TH/THCS) and a few from gmail.com. Generation
is not timed.

Both sides then run over the same messages, in interleaved blocks (--block):

  baseline  email.message_from_bytes(raw), then write raw to its own file in a temp
            dir with flush + os.fsync;
  mailhub   pipeline.receive() then pipeline.file() on a hub over a fresh state dir
            (SQLite there by default, or --database-url, which must be empty).

Afterwards every message must have a row in a final state (neither 'received' nor
'error'). The last line is `RESULT ingest value=<msg/s> baseline=<msg/s> ratio=<r>`.
The exit status is 0 whatever the ratio (this is a measurement, not a test); it is 1
and no RESULT is printed if the mailhub run is invalid (missing rows, bad states).

    python bench/ingest.py --count 200          # quick check
    python bench/ingest.py                      # 10,000 messages
    python bench/ingest.py --count 1000 --profile ingest.prof
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import email
import os
import platform
import pstats
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from html import escape
from pathlib import Path

from sqlalchemy import func
from sqlalchemy.engine import make_url
from sqlmodel import Session, select

from mailhub import models, pipeline
from mailhub.batch import Filer
from mailhub.config import Settings
from mailhub.hub import Hub, open_hub

ROOT = Path(__file__).resolve().parents[1]
KIB = 1024
MIN_SIZE, MAX_SIZE = 20 * KIB, 200 * KIB
TARGET_RATIO = 0.33
SCHOOL_KINDS = ("MN", "TH", "THCS")
OFFICE = "Phòng Giáo dục và Đào tạo quận Hoàng Mai"
VN = timezone(timedelta(hours=7))
FIRST_DAY = datetime(2026, 9, 5, 7, 0, tzinfo=VN)   # the school year 2026-2027
LAST_DAY = datetime(2027, 5, 28, 17, 0, tzinfo=VN)

# Shares of the generated mail.
ATTACHMENT_SHARE = 1 / 3
GMAIL_SHARE = 0.03
HTML_SHARE = 0.25          # text/plain + text/html alternative
QP_SHARE = 0.5             # quoted-printable text parts; the rest base64
FINAL_STATES_EXCLUDED = ("received", "error")

# ------------------------------------------------------------------ generation

SUBJECTS = (
    "Báo cáo tháng {m}/{y} - {school}",
    "Báo cáo công tác tháng {m} năm {y} - {short}",
    "BC tháng {m}/{y} {short}",
    "Báo cáo công tác VSATTP tháng {m}/{y} - {short}",
    "Báo cáo vệ sinh an toàn thực phẩm bếp ăn bán trú tháng {m}",
    "Báo cáo công tác phòng chống tai nạn thương tích - {school}",
    "V/v báo cáo cơ sở vật chất, thiết bị dạy học năm học {sy}",
    "Báo cáo kết quả tuyển sinh năm học {sy} - {short}",
    "Báo cáo kết quả thi học sinh giỏi cấp trường năm học {sy}",
    "Kế hoạch giáo dục STEM học kỳ I năm học {sy} - {short}",
    "Báo cáo công khai tài chính, các khoản thu đầu năm học {sy}",
    "Báo cáo công tác chuyển đổi số, trường học điện tử tháng {m}/{y}",
    "Báo cáo thực hiện quy chế dân chủ - {school}",
    "Báo cáo tự đánh giá kiểm định chất lượng giáo dục - {short}",
    "Báo cáo tình hình dinh dưỡng, cân đo trẻ tháng {m}/{y}",
    "{short} gửi báo cáo giáo dục kỹ năng sống học kỳ I",
    "KHẨN: Báo cáo vụ việc phụ huynh phản ánh trên mạng xã hội - {short}",
    "V/v gửi báo cáo",
    "Re: V/v triển khai kế hoạch phòng chống đuối nước",
    "Fwd: Báo cáo sơ kết học kỳ I năm học {sy} - {short}",
    "Gương người tốt việc tốt: học sinh nhặt được của rơi trả lại người mất - {short}",
    "Báo cáo sổ điểm điện tử, nhập điểm cuối học kỳ - {short}",
)

SECTIONS = (
    "I. ĐẶC ĐIỂM TÌNH HÌNH",
    "II. KẾT QUẢ THỰC HIỆN CÁC NHIỆM VỤ TRỌNG TÂM",
    "III. CÔNG TÁC CHĂM SÓC, NUÔI DƯỠNG VÀ GIÁO DỤC",
    "IV. CÔNG TÁC CƠ SỞ VẬT CHẤT, TÀI CHÍNH",
    "V. TỒN TẠI, HẠN CHẾ VÀ NGUYÊN NHÂN",
    "VI. PHƯƠNG HƯỚNG, NHIỆM VỤ THÁNG TỚI",
    "VII. ĐỀ XUẤT, KIẾN NGHỊ",
)

SENTENCES = (
    "Tổng số học sinh toàn trường là {n} em, chia thành {c} lớp; tỷ lệ chuyên cần đạt {p}%.",
    "Nhà trường đã tổ chức {c} buổi sinh hoạt chuyên môn theo nghiên cứu bài học với {n} lượt "
    "giáo viên tham gia.",
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
    "Thực hiện công khai tài chính, các khoản thu thỏa thuận theo đúng quy định; tổng kinh phí "
    "đã chi là {n} triệu đồng.",
    "Tổ chức {c} tiết học trải nghiệm STEM, {n} học sinh tham gia ngày hội sáng tạo của trường.",
    "Đội tuyển học sinh giỏi của trường đạt {c} giải cấp quận, trong đó có {q} giải nhất.",
    "Hội nghị viên chức đầu năm học được tổ chức dân chủ, công khai với {n} đại biểu tham dự.",
    "Tiếp tục bồi dưỡng thường xuyên cho {n} giáo viên theo kế hoạch của Phòng Giáo dục và "
    "Đào tạo.",
    "Công tác tuyển sinh lớp đầu cấp hoàn thành {p}% chỉ tiêu được giao, không có học sinh "
    "trái tuyến.",
    "Phối hợp với trạm y tế phường khám sức khỏe định kỳ cho {n} học sinh.",
    "Một số phòng học xuống cấp, chưa đủ phòng chức năng theo quy định trường chuẩn quốc gia.",
    "Đề nghị Phòng quan tâm bổ sung {c} biên chế giáo viên tiếng Anh và tin học.",
    "Tháng tới nhà trường tập trung ôn tập, kiểm tra cuối học kỳ và hoàn thiện hồ sơ kiểm "
    "định chất lượng.",
)

SIGNERS = ("Nguyễn Thị Hà", "Trần Văn Minh", "Lê Thị Thu Hương", "Phạm Quốc Bảo",
           "Đỗ Thị Lan Anh", "Hoàng Minh Đức", "Vũ Thị Ngọc Ánh", "Bùi Thanh Tùng")

ATTACHMENT_KINDS = (
    ("pdf", "application", "pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"),
    ("xlsx", "application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet",
     b"PK\x03\x04\x14\x00\x06\x00"),
    ("docx", "application", "vnd.openxmlformats-officedocument.wordprocessingml.document",
     b"PK\x03\x04\x14\x00\x06\x00"),
)

ATTACHMENT_NAMES = (
    "Báo cáo tháng {m} - {short}", "BC_thang_{m}_{y}_{ascii}", "Bien ban kiem tra VSATTP T{m}",
    "Phụ lục số liệu tháng {m}.{y}", "Ke hoach STEM HK1", "Danh sách học sinh giỏi",
    "BC_CSVC_T{m}-{y}", "Công khai tài chính {sy}",
)


@dataclass(frozen=True)
class Sender:
    name: str
    address: str
    kind: str
    short: str  # "TH Định Công"


OFFICE_SENDER = Sender(OFFICE, "pgd-hoangmai@hanoiedu.vn", "PGD", OFFICE)


@dataclass(frozen=True)
class Sample:
    raw: bytes
    attachments: int
    gmail: bool


def load_senders(registry: Path) -> tuple[list[Sender], dict[str, Sender]]:
    """The schools (kinds MN/TH/THCS) and the team responsible for each level."""
    schools: list[Sender] = []
    teams: dict[str, Sender] = {}
    with registry.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            kind, address = row["kind"].strip(), row["email"].strip().lower()
            if kind in SCHOOL_KINDS and address:
                schools.append(Sender(row["name"], address, kind, _short(row["name"])))
            elif kind == "TEAM":
                for level in row.get("levels", "").split():
                    teams[level] = Sender(row["name"], address, kind, row["name"])
    if not schools:
        raise SystemExit(f"no MN/TH/THCS rows with an email in {registry}")
    return schools, teams


def _short(name: str) -> str:
    for long, short in (("Trường Mầm non", "MN"), ("Trường Tiểu học", "TH"),
                        ("Trường THCS", "THCS"), ("Trường Trung học cơ sở", "THCS")):
        name = name.replace(long, short)
    return name


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    return re.sub(r"[^A-Za-z0-9]+", "", "".join(c for c in folded if c.isascii()))


def gmail_of(rng: random.Random, school: Sender) -> Sender:
    """A personal mailbox posing as the school (rejected by the sender policy)."""
    local = school.address.split("@")[0].replace("-", ".")
    if rng.random() < 0.5:
        local = f"{_ascii(rng.choice(SIGNERS)).lower()}.{local.split('.')[0]}"
    return Sender(school.name, f"{local}@gmail.com", school.kind, school.short)


def report_text(rng: random.Random, school: Sender, team: Sender,
                subject: str) -> Callable[[int], list[str]]:
    """A writer of the paragraphs of a report of about `size` UTF-8 bytes."""
    return lambda size: _report(rng, school, team, subject, size)


def _report(rng: random.Random, school: Sender, team: Sender, subject: str,
            size: int) -> list[str]:
    paragraphs = [f"Kính gửi: {team.name} - {OFFICE}",
                  f"{school.name} xin gửi {subject[:1].lower()}{subject[1:]} như sau:"]
    used = sum(len(p.encode()) for p in paragraphs)
    while used < size:
        paragraph = _section(rng)
        paragraphs.append(paragraph)
        used += len(paragraph.encode()) + 2
    signer = rng.choice(SIGNERS)
    paragraphs.append(f"Trân trọng.\n--\n{signer} - Hiệu trưởng\n{school.name}\n"
                      f"ĐT: 024 38{rng.randrange(10**6):06d}")
    return paragraphs


def _section(rng: random.Random) -> str:
    lines = [rng.choice(SECTIONS)]
    for _ in range(rng.randint(3, 8)):
        lines.append("- " + rng.choice(SENTENCES).format(
            n=rng.randint(20, 1500), c=rng.randint(2, 40), p=rng.randint(60, 100),
            q=rng.randint(1, 15)))
    if rng.random() < 0.4:
        lines.append("| Lớp | Sĩ số | Có mặt | Tỷ lệ |")
        for grade in range(1, rng.randint(4, 12)):
            total = rng.randint(28, 45)
            present = total - rng.randint(0, 3)
            lines.append(f"| {grade}A{rng.randint(1, 6)} | {total} | {present} | "
                         f"{100 * present / total:.1f}% |".replace(".", ","))
    return "\n".join(lines)


def to_html(paragraphs: Sequence[str]) -> str:
    body = "".join("<p>" + "<br>".join(escape(line) for line in p.splitlines()) + "</p>\n"
                   for p in paragraphs)
    return f'<html><head><meta charset="utf-8"></head><body>\n{body}</body></html>\n'


def make_message(rng: random.Random, index: int, schools: Sequence[Sender],
                 teams: dict[str, Sender]) -> Sample:
    """One deterministic message of 20-200 KiB."""
    school = rng.choice(schools)
    gmail = rng.random() < GMAIL_SHARE
    sender = gmail_of(rng, school) if gmail else school
    team = teams.get(school.kind, OFFICE_SENDER)
    sent = FIRST_DAY + timedelta(seconds=rng.randrange(int((LAST_DAY - FIRST_DAY).total_seconds())))
    fields = _fields(school, sent - timedelta(days=rng.choice((0, 0, 20))))
    subject = rng.choice(SUBJECTS).format(**fields)
    msg = _headers(rng, index, sender, team, sent, subject)
    target = rng.randint(MIN_SIZE + 2 * KIB, MAX_SIZE - 4 * KIB)
    n_attachments = rng.choice((1, 1, 2)) if rng.random() < ATTACHMENT_SHARE else 0
    text_budget = min(target, rng.randint(2 * KIB, 16 * KIB)) if n_attachments else target
    _add_text(rng, msg, report_text(rng, school, team, subject), text_budget)
    _attach(rng, msg, n_attachments, target - len(_serialize(rng, msg)), fields)
    return Sample(_serialize(rng, msg), n_attachments, gmail)


def _serialize(rng: random.Random, msg: EmailMessage) -> bytes:
    """The message's bytes, with seeded MIME boundaries (the stdlib's are not)."""
    for part in msg.walk():
        if part.is_multipart() and part.get_boundary() is None:
            part.set_boundary(f"{'=' * 15}{rng.getrandbits(63):019d}==")
    return msg.as_bytes()


def _fields(school: Sender, month_of: datetime) -> dict[str, object]:
    """What subject and file-name templates may use."""
    return {"m": month_of.month, "y": month_of.year, "school": school.name,
            "short": school.short, "ascii": _ascii(school.short),
            "sy": f"{FIRST_DAY.year}-{FIRST_DAY.year + 1}"}


def _headers(rng: random.Random, index: int, sender: Sender, team: Sender, sent: datetime,
             subject: str) -> EmailMessage:
    msg = EmailMessage()
    msg["Message-ID"] = (f"<{sent:%Y%m%d%H%M%S}.{index:06d}.{rng.getrandbits(32):08x}"
                         f"@{sender.address.replace('@', '.')}>")
    msg["Date"] = format_datetime(sent)
    msg["From"] = Address(sender.name, addr_spec=sender.address)
    msg["To"] = Address(team.name, addr_spec=team.address)
    if rng.random() < 0.1:
        msg["Cc"] = Address(OFFICE_SENDER.name, addr_spec=OFFICE_SENDER.address)
    msg["Subject"] = subject
    return msg


def _add_text(rng: random.Random, msg: EmailMessage, report: Callable[[int], list[str]],
              budget: int) -> None:
    """A text/plain body (and sometimes its text/html twin) of about `budget` encoded bytes,
    base64 or quoted-printable."""
    cte = "quoted-printable" if rng.random() < QP_SHARE else "base64"
    html = rng.random() < HTML_SHARE
    per_byte = (1.37 if cte == "base64" else 1.9) * (2.2 if html else 1.0)
    paragraphs = report(max(int(budget / per_byte), 600))
    msg.set_content("\n\n".join(paragraphs) + "\n", charset="utf-8", cte=cte)
    if html:
        msg.add_alternative(to_html(paragraphs), subtype="html", charset="utf-8", cte=cte)


def _attach(rng: random.Random, msg: EmailMessage, count: int, budget: int,
            fields: dict[str, object]) -> None:
    """`count` attachments of random bytes filling about `budget` encoded bytes."""
    remaining = max(budget, 2 * KIB) * 3 // 4 - 400 * count  # base64 + part headers
    for number in range(count):
        share = remaining if number == count - 1 else int(remaining * rng.uniform(0.3, 0.7))
        remaining -= share
        extension, maintype, subtype, magic = rng.choice(ATTACHMENT_KINDS)
        name = rng.choice(ATTACHMENT_NAMES).format(**fields)
        data = magic + rng.randbytes(max(share - len(magic), 256))
        msg.add_attachment(data, maintype=maintype, subtype=subtype,
                           filename=f"{name}.{extension}")


def generate(count: int, seed: int, registry: Path) -> list[Sample]:
    rng = random.Random(seed)
    schools, teams = load_senders(registry)
    return [make_message(rng, index, schools, teams) for index in range(count)]


# ------------------------------------------------------------------ the two runs


@dataclass
class Timing:
    seconds: float = 0.0
    messages: int = 0

    @property
    def rate(self) -> float:
        return self.messages / self.seconds if self.seconds else 0.0


def baseline_block(samples: Sequence[Sample], start: int, folder: Path) -> float:
    """Parse with the stdlib and write each message durably to its own file."""
    began = time.perf_counter()
    for offset, sample in enumerate(samples):
        email.message_from_bytes(sample.raw)
        with open(folder / f"{start + offset:06d}.eml", "wb") as handle:
            handle.write(sample.raw)
            handle.flush()
            os.fsync(handle.fileno())
    return time.perf_counter() - began


def mailhub_block(filer: Filer, samples: Sequence[Sample], start: int,
                  profiler: cProfile.Profile | None) -> float:
    """receive() + file() each message, as `mailhub ingest` does (in its worker processes
    when --jobs > 1; the profiler then sees only the dispatching process)."""
    began = time.perf_counter()
    if profiler is not None:
        profiler.enable()
    messages = ((sample.raw, pipeline.Envelope(door="ingest", source=f"bench/{start + i}"))
                for i, sample in enumerate(samples))
    for _ in filer.ingest_all(messages):
        pass
    if profiler is not None:
        profiler.disable()
    return time.perf_counter() - began


def open_bench_hub(state_dir: Path, database_url: str) -> Hub:
    # model_validate == Settings(...): mypy misses defaults given to Field() positionally.
    settings = Settings.model_validate({
        "state_dir": state_dir, "database_url": database_url,
        "registry": ROOT / "data" / "units.csv", "rules_dir": ROOT / "rules"})
    hub = open_hub(settings)
    if message_states(hub):
        url = hub.engine.url.render_as_string(hide_password=True)
        hub.engine.dispose()
        raise SystemExit(f"the database {url} already holds messages; "
                         "the benchmark needs an empty one")
    return hub


def message_states(hub: Hub) -> dict[str, int]:
    with Session(hub.engine) as session:
        rows = session.exec(select(models.Message.state, func.count())
                            .group_by(models.Message.state)).all()
    return {state: count for state, count in rows}


def blocks(count: int, size: int) -> Iterator[tuple[int, int]]:
    step = size if size > 0 else count
    for start in range(0, count, step):
        yield start, min(start + step, count)


def run(samples: Sequence[Sample], work: Path, database_url: str, block: int, jobs: int,
        profiler: cProfile.Profile | None) -> tuple[Timing, Timing, dict[str, int]]:
    """Both runs over the same messages, block by block; returns the timings and states."""
    baseline_dir, state_dir = work / "baseline", work / "state"
    baseline_dir.mkdir()
    hub = open_bench_hub(state_dir, database_url)
    base, mine = Timing(), Timing()
    try:
        with Filer(hub, jobs) as filer:
            filer.warm()  # the workers' start is not part of the comparison
            for start, end in blocks(len(samples), block):
                chunk = samples[start:end]
                base.seconds += baseline_block(chunk, start, baseline_dir)
                base.messages += len(chunk)
                mine.seconds += mailhub_block(filer, chunk, start, profiler)
                mine.messages += len(chunk)
        states = message_states(hub)
    finally:
        hub.engine.dispose()
    return base, mine, states


# ------------------------------------------------------------------ reporting


def verify(states: dict[str, int], count: int) -> list[str]:
    problems = []
    if sum(states.values()) != count:
        problems.append(f"{sum(states.values())} message rows for {count} messages")
    for state in FINAL_STATES_EXCLUDED:
        if states.get(state):
            problems.append(f"{states[state]} message(s) left in state '{state}'")
    return problems


def describe(samples: Sequence[Sample]) -> str:
    sizes = [len(s.raw) for s in samples]
    with_att = sum(1 for s in samples if s.attachments)
    return (f"messages: {len(samples)}, {sum(sizes) / 2**20:.1f} MiB; size KiB "
            f"min {min(sizes) / KIB:.0f} / median {statistics.median(sizes) / KIB:.0f} / "
            f"max {max(sizes) / KIB:.0f}; with attachments {with_att}; "
            f"from gmail.com {sum(1 for s in samples if s.gmail)}")


def print_profile(profiler: cProfile.Profile, path: Path, top: int = 15) -> None:
    profiler.dump_stats(path)
    print(f"profile of the mailhub loop written to {path}; top {top} mailhub functions "
          "by cumulative time:")
    stats = pstats.Stats(profiler, stream=sys.stdout)
    stats.sort_stats("cumulative").print_stats(re.escape(str(Path(models.__file__).parent)),
                                               top)


def revision() -> str:
    """The checkout's commit, '+' when it has changes: figures belong to a revision."""
    try:
        head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "mailhub"],
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("+" if dirty else "")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else "")
    parser.add_argument("--count", type=int, default=10_000, help="messages (default 10000)")
    parser.add_argument("--seed", type=int, default=20261125, help="generator seed")
    parser.add_argument("--database-url", default="",
                        help="mailhub database (empty: SQLite in the temp state dir); "
                        "must hold no messages")
    parser.add_argument("--tmp", type=Path, default=None,
                        help="folder for both runs' temp dirs (default: the system temp dir)")
    parser.add_argument("--block", type=int, default=500,
                        help="interleave baseline and mailhub in blocks of this many "
                        "messages; 0 = whole baseline first (default 500)")
    parser.add_argument("--profile", type=Path, default=None,
                        help="cProfile the mailhub loop into this file and print its top "
                        "mailhub hotspots (rates are then slower than normal)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                        help="mailhub worker processes, as `mailhub ingest --jobs` "
                        "(default: the CPU count; the baseline is one process)")
    parser.add_argument("--keep", action="store_true", help="keep the temp dirs")
    args = parser.parse_args(argv)
    if args.count < 1:
        parser.error("--count must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    began = time.perf_counter()
    samples = generate(args.count, args.seed, ROOT / "data" / "units.csv")
    print(f"generated in {time.perf_counter() - began:.1f} s (not timed); {describe(samples)}",
          flush=True)
    work = Path(tempfile.mkdtemp(prefix="mailhub-bench-", dir=args.tmp))
    profiler = cProfile.Profile() if args.profile else None
    try:
        base, mine, states = run(samples, work, args.database_url, args.block, args.jobs,
                                 profiler)
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    database = (make_url(args.database_url).render_as_string(hide_password=True)
                if args.database_url else "SQLite (WAL) in the temp state dir")
    print(f"mailhub {revision()}, python {platform.python_version()}, temp dir {work.parent}, "
          f"database {database}, block {args.block or 'all'}, mailhub jobs {args.jobs}")
    print("states: " + ", ".join(f"{k} {v}" for k, v in sorted(states.items())))
    problems = verify(states, len(samples))
    mib = sum(len(s.raw) for s in samples) / 2**20
    for name, timing in (("baseline", base), ("mailhub", mine)):
        print(f"{name:9s} {timing.rate:8.1f} msg/s  {1000 / timing.rate:7.2f} ms/msg  "
              f"{mib / timing.seconds:7.1f} MiB/s  ({timing.seconds:.1f} s)")
    if profiler is not None and args.profile is not None:
        print_profile(profiler, args.profile)
    if problems:
        for problem in problems:
            print(f"ERROR: {problem}; the measurement is invalid")
        return 1
    ratio = mine.rate / base.rate
    if ratio < TARGET_RATIO:
        print(f"WARNING: ratio {ratio:.2f} is below the target {TARGET_RATIO}")
    print(f"RESULT ingest value={mine.rate:.1f} baseline={base.rate:.1f} ratio={ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
