"""`mailhub audit …` and `mailhub rules try`: the archive as the office's record.

Each command parses its arguments, calls a service (search.py, audit.py, chain.py,
access.py) and prints: a rich table for people, --json for scripts, CSV/XLSX exports
with Vietnamese column headings. Every search, show and export is recorded (access.py).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from mailhub.errors import MailhubError
from mailhub.hub import Hub

audit_app = typer.Typer(help="Tra cứu và kiểm tra kho lưu trữ / search and verify the archive.",
                        no_args_is_help=True)
rules_app = typer.Typer(help="Quy tắc phân loại / filing rules.", no_args_is_help=True)


# search ---------------------------------------------------------------------------

@audit_app.command("search")
def audit_search(
        query: Annotated[list[str], typer.Argument(
            help='Từ cần tìm, có dấu hay không dấu; "cụm từ" trong ngoặc kép; tiền tố* / '
                 'words, with or without marks; a "phrase" in quotes; a prefix*.')],
        school: Annotated[str | None, typer.Option(
            help="Mã đơn vị / unit code, e.g. TH-DINHCONG.")] = None,
        level: Annotated[str | None, typer.Option(help="Cấp học / level: MN, TH, THCS.")] = None,
        topic: Annotated[str | None, typer.Option(help="Chủ đề / topic id.")] = None,
        sender: Annotated[str | None, typer.Option(
            help="Địa chỉ người gửi (một phần) / sender address (or part of it).")] = None,
        verdict: Annotated[str | None, typer.Option(
            help="Kết quả / verdict: filed, rejected, quarantined, duplicate, directive, …")
            ] = None,
        since: _Since = None,
        until: Annotated[datetime | None, typer.Option(
            formats=["%Y-%m-%d"], help="Đến hết ngày / until YYYY-MM-DD (inclusive).")] = None,
        period: Annotated[str | None, typer.Option(
            help="Kỳ báo cáo / reporting period, YYYY-MM.")] = None,
        rank: Annotated[bool, typer.Option(
            "--rank", help="Xếp theo mức liên quan (trong 10.000 thư mới nhất khớp) / most "
                           "relevant first (of the newest 10,000 matches).")] = False,
        limit: Annotated[int, typer.Option(help="Số thư tối đa / at most N hits.")] = 50,
        as_json: Annotated[bool, typer.Option("--json", help="In JSON / print JSON.")] = False,
        output: _Output = None) -> None:
    """Tìm thư theo nội dung / full-text search over subjects, bodies and attachment names,
    newest first (--rank: most relevant first)."""
    import sys

    from mailhub.cli import _fail, _hub
    from mailhub.exports import SEARCH
    from mailhub.search import Filters, search

    hub = _hub()
    text = " ".join(query)
    filters = Filters(school=school, level=level, topic=topic, sender=sender, verdict=verdict,
                      since=since.date() if since else None,
                      until=until.date() if until else None, period=period)
    try:
        hits = search(hub, text, filters, rank=rank, limit=limit)
    except MailhubError as exc:
        _fail(exc)
    rows = [hit.as_dict() for hit in hits]
    asked = _asked(f"audit search {json.dumps(text, ensure_ascii=False)}", school=school,
                   level=level, topic=topic, sender=sender, verdict=verdict,
                   since=filters.since, until=filters.until, period=period, rank=rank,
                   limit=limit, output=output)
    if _exported(hub, "search", asked, output, rows, SEARCH):
        return
    if as_json:
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=1) + "\n")
        return
    _print_hits(hub, rows)


def _print_hits(hub: Hub, rows: list[dict[str, Any]]) -> None:
    from rich.table import Table
    from rich.text import Text

    from mailhub.cli import out

    table = Table("#", "Nhận lúc / received", "Người gửi / from", "Đơn vị / unit",
                  "Chủ đề / topics", "Tiêu đề / subject", "Trích đoạn / snippet",
                  title="Kết quả tìm kiếm / search results")
    for row in rows:
        shown = Text(row["snippet"])
        for start, end in row["marks"]:
            shown.stylize("bold yellow", start, end)
        table.add_row(str(row["id"]), _local(hub, row["received_at"]), row["from"],
                      row["unit"] or row["verdict"], ", ".join(row["topics"]),
                      row["subject"], shown)
    out.print(table)
    out.print(f"{len(rows)} thư / message(s)", highlight=False)


# show, views, exports, access log, rules try ---------------------------------------

_AsJson = Annotated[bool, typer.Option("--json", help="In JSON / print JSON.")]
_Output = Annotated[Path | None, typer.Option(
    "--output", "-o", help="Xuất ra tệp .csv hoặc .xlsx / export to a .csv or .xlsx file.")]
_Since = Annotated[datetime | None, typer.Option(
    formats=["%Y-%m-%d"], help="Từ ngày / since YYYY-MM-DD.")]


def _asked(command: str, **options: object) -> str:
    """What was asked, as a command line: the access log's detail."""
    words = [command]
    for name, value in options.items():
        if value is None or value is False:
            continue
        flag = f"--{name.replace('_', '-')}"
        words.append(flag if value is True else f"{flag} {value}")
    return " ".join(words)


def _exported(hub: Hub, action: str, asked: str, output: Path | None,
              rows: list[dict[str, Any]], headings: dict[str, str]) -> bool:
    """Record who looked (an export is its own action); write `output` if asked for.
    True when the rows went to a file, so the caller prints nothing more."""
    from mailhub.access import record_access
    from mailhub.cli import _fail, out
    from mailhub.exports import write_rows

    record_access(hub, "export" if output else action, asked)
    if output is None:
        return False
    try:
        write_rows(output, rows, headings, hub.settings.zone)
    except MailhubError as exc:
        _fail(exc)
    out.print(f"Đã ghi / wrote {len(rows)} dòng / rows: {output}", highlight=False,
              markup=False)
    return True


def _day_start(hub: Hub, day: datetime | None) -> datetime | None:
    """The office's midnight of `day`, in UTC as times are stored (SQLite compares digits)."""
    return day.replace(tzinfo=hub.settings.zone).astimezone(UTC) if day else None


def _local(hub: Hub, when: str | None) -> str:
    """An ISO time as the office reads it: its own zone, to the minute."""
    return datetime.fromisoformat(when).astimezone(hub.settings.zone).strftime(
        "%Y-%m-%d %H:%M") if when else ""


@audit_app.command("show")
def audit_show(
        ref: Annotated[str, typer.Argument(help="Số thư hoặc Message-ID / message number or "
                                                "Message-ID.")],
        raw: Annotated[bool, typer.Option(
            "--raw", help="Ghi nguyên bản thư ra đầu ra chuẩn / write the original bytes "
                          "to standard output.")] = False,
        as_json: _AsJson = False) -> None:
    """Toàn bộ hồ sơ một thư / everything on record about one message: headers, verdict
    with every rule and reason, filing, attachments, directive, where the bytes are."""
    import sys

    from mailhub.access import record_access
    from mailhub.audit import raw as raw_bytes
    from mailhub.audit import show
    from mailhub.cli import _fail, _hub, out

    hub = _hub()
    record_access(hub, "raw" if raw else "show", _asked(f"audit show {ref}", raw=raw))
    try:
        if raw:
            sys.stdout.buffer.write(raw_bytes(hub, ref))  # unchanged: no decoding, no newline
            sys.stdout.buffer.flush()
            return
        found = show(hub, ref)
    except KeyError:
        _fail(MailhubError(f"không có thư / no message {ref!r}"))
    except MailhubError as exc:
        _fail(exc)
    if as_json:
        out.print_json(json.dumps(found, ensure_ascii=False))
        return
    _print_message(hub, found)


def _print_message(hub: Hub, found: dict[str, Any]) -> None:
    """Lines, not tables: reasons and paths are long, and must read whole in any terminal
    (no markup either: a subject may hold "[...]")."""
    from rich.text import Text

    from mailhub.cli import out

    def line(label: str, value: object = "", style: str = "") -> None:
        heading = f"{label}: " if label and value != "" else label  # a section: no colon
        out.print(Text.assemble((heading, "bold"), (str(value), style)), soft_wrap=True)

    line(f"Thư / message #{found['id']}", f"<{found['message_id']}>")
    line("Trạng thái / state", found["state"] + (f" ({found['state_reason']})"
                                                 if found["state_reason"] else ""))
    line("Nhận lúc / received", f"{_local(hub, found['received_at'])} qua / via "
         f"{found['door']} {found['source']}".rstrip())
    line("Người gửi / from", f"{found['from_name']} <{found['from_address']}>".lstrip())
    line("Tiêu đề / subject", found["subject"])
    if found["duplicate_of"]:
        line("Trùng với / duplicate of", f"#{found['duplicate_of']}")
    line("Phần đầu thư / headers")
    for header in found["headers"]:
        line(f"  {header['name']}", header["value"])
    line("Quy tắc đã áp dụng / rule hits")
    for i, hit in enumerate(found["hits"], start=1):
        line(f"  {i}. {hit['rule']} ({hit['chain']}, {hit['action']})",
             f"{hit['reason_vi']} / {hit['reason_en']}")
        if hit["detail"]:
            line("", f"       {hit['detail']}", "dim")
    filing = found["filing"]
    if filing:
        line("Đơn vị / unit", f"{filing['unit'] or '—'} {filing['unit_name']} "
             f"({filing['level'] or '—'})")
        line("Chủ đề / topics", ", ".join(f"{t['id']} ({t['name']}, {t['score']:g})"
                                          for t in filing["topics"]))
        line("Kỳ / period", filing["period"])
        line("Tổ / team", f"{filing['team'] or '—'} {filing['team_name']}"
             + (" — KHẨN / URGENT" if filing["urgent"] else ""))
    if found["attachments"]:
        line("Tệp đính kèm / attachments")
        for a in found["attachments"]:
            line(f"  {a['name']}", f"{a['content_type']}, {a['size']} bytes, sha256 {a['sha256']}")
    for answer in found["answers"]:
        line("Trả lời công văn / answers directive",
             f"#{answer['directive']} {answer['number']} {answer['subject']} "
             f"(xác nhận / acknowledged {_local(hub, answer['acknowledged_at'])})")
    if found["directive"]:
        d = found["directive"]
        line("Là công văn / is directive", f"#{d['id']} {d['number']} → {', '.join(d['lists'])}")
    archive = found["archive"]
    line("Bản gốc / raw bytes", archive["path"])
    if not archive["present"]:
        line("", "  MẤT KHỎI KHO LƯU TRỮ / MISSING FROM THE ARCHIVE", "bold red")


@audit_app.command("compliance")
def audit_compliance(
        month: Annotated[str, typer.Option(help="Tháng / month, YYYY-MM.")],
        level: Annotated[str | None, typer.Option(help="Cấp học / level: MN, TH, THCS.")] = None,
        topic: Annotated[str | None, typer.Option(
            help="Báo cáo khác trong reporting.toml / another required report (topic id).")
            ] = None,
        as_json: _AsJson = False, output: _Output = None) -> None:
    """Trường nào đã nộp báo cáo / who reported on time, late, or not at all (as `mailhub
    report status`)."""
    from mailhub.cli import _hub, _level, _month, _print_standings, _required_report, out
    from mailhub.compliance import compliance
    from mailhub.exports import COMPLIANCE

    _month(month)
    hub = _hub()
    kind, owed = _level(level), _required_report(hub, topic)
    rows = [s.as_dict() for s in compliance(hub, month, kind, owed)]
    asked = _asked("audit compliance", month=month, level=level, topic=topic, output=output)
    if _exported(hub, "compliance", asked, output, rows, COMPLIANCE):
        return
    if as_json:
        out.print_json(json.dumps(rows, ensure_ascii=False))
        return
    _print_standings(rows, f"{owed.topic} {month}")


@audit_app.command("directives")
def audit_directives(since: _Since = None, as_json: _AsJson = False,
                     output: _Output = None) -> None:
    """Công văn đã đến và được xác nhận đến đâu / each directive's reach and
    acknowledgements, newest first."""
    from rich.table import Table
    from rich.text import Text

    from mailhub.cli import _hub, out
    from mailhub.directives import summaries
    from mailhub.exports import DIRECTIVES

    hub = _hub()
    rows = summaries(hub, _day_start(hub, since))
    asked = _asked("audit directives", since=since.date() if since else None, output=output)
    if _exported(hub, "directives", asked, output, rows, DIRECTIVES):
        return
    if as_json:
        out.print_json(json.dumps(rows, ensure_ascii=False))
        return
    table = Table("#", "Số / number", "Trích yếu / subject", "Ngày / date",
                  "Đã gửi / reached", "Đã xác nhận / acknowledged",
                  title="Công văn / directives")
    for d in rows:
        table.add_row(str(d["id"]), Text(d["number"]), Text(d["subject"][:60]),
                      _local(hub, d["created_at"]),
                      _share(d["sent"], d["recipients"]), _share(d["acknowledged"],
                                                                  d["recipients"]))
    out.print(table)


def _share(part: int, whole: int) -> str:
    return f"{part}/{whole} ({100 * part / whole:.0f} %)" if whole else "0/0"


@audit_app.command("senders")
def audit_senders(
        rejected: Annotated[bool, typer.Option(
            "--rejected", help="Ai đã gửi từ địa chỉ bị từ chối (hộp thư cá nhân) / who sent "
                               "from refused addresses (personal mailboxes).")] = False,
        since: _Since = None, as_json: _AsJson = False, output: _Output = None) -> None:
    """Người gửi bị từ chối: bao nhiêu lần, lần cuối lúc nào / refused senders: how often,
    when last, by which rule."""
    from rich import box
    from rich.table import Column, Table
    from rich.text import Text

    from mailhub.audit import rejected_senders
    from mailhub.cli import _fail, _hub, out
    from mailhub.exports import SENDERS

    if not rejected:
        _fail(MailhubError("hãy thêm --rejected (hiện chỉ có danh sách này) / add --rejected "
                           "(the one senders view there is)"))
    hub = _hub()
    rows = rejected_senders(hub, _day_start(hub, since))
    asked = _asked("audit senders", rejected=True, since=since.date() if since else None,
                   output=output)
    if _exported(hub, "senders", asked, output, rows, SENDERS):
        return
    if as_json:
        out.print_json(json.dumps(rows, ensure_ascii=False))
        return
    table = Table(Column("Địa chỉ / address", no_wrap=True), "Lần / times",
                  Column("Lần cuối / last", min_width=10),
                  Column("Quy tắc / rules", no_wrap=True), "Cổng / doors",
                  title="Người gửi bị từ chối / refused senders", box=box.SIMPLE_HEAD)
    for s in rows:
        table.add_row(Text(s["address"]), str(s["attempts"]), _local(hub, s["last_at"])[:10],
                      Text("\n".join(s["rules"])), ", ".join(s["doors"]))
    out.print(table)


@audit_app.command("access-log")
def audit_access_log(
        limit: Annotated[int, typer.Option(help="Số dòng mới nhất / newest entries.")] = 50,
        as_json: _AsJson = False) -> None:
    """Ai đã tra cứu gì, lúc nào / who searched, showed or exported what, and when."""
    from rich.table import Table
    from rich.text import Text

    from mailhub.access import access_log, record_access
    from mailhub.cli import _hub, out

    hub = _hub()
    rows = access_log(hub, limit)
    record_access(hub, "access-log", _asked("audit access-log", limit=limit))  # after: not shown
    if as_json:
        out.print_json(json.dumps(rows, ensure_ascii=False))
        return
    table = Table("Lúc / at", "Người / user", "Việc / action", "Hỏi gì / asked",
                  title="Nhật ký tra cứu / access log")
    for r in rows:
        table.add_row(_local(hub, r["at"]), Text(r["user"]), r["action"], Text(r["detail"]))
    out.print(table)


@rules_app.command("try")
def rules_try(
        rules_dir: Annotated[Path, typer.Argument(
            help="Thư mục quy tắc thử / a candidate rules directory (a copy of rules/).")],
        since: _Since = None, as_json: _AsJson = False, output: _Output = None) -> None:
    """Thử bộ quy tắc mới trên thư đã lưu, không thay đổi gì / re-file archived mail with
    candidate rules and show what would change (message, before → after); changes nothing."""
    from rich.text import Text

    from mailhub.audit import try_rules
    from mailhub.cli import _fail, _hub, out
    from mailhub.errors import ConfigError
    from mailhub.exports import RULES_TRY

    if not rules_dir.is_dir():
        _fail(MailhubError(f"không có thư mục / no such directory: {rules_dir}"))
    hub = _hub()
    try:
        rows = try_rules(hub, rules_dir, _day_start(hub, since))
    except ConfigError as exc:
        _fail(exc)
    asked = _asked(f"rules try {rules_dir}", since=since.date() if since else None,
                   output=output)
    if _exported(hub, "rules-try", asked, output, rows, RULES_TRY):
        return
    if as_json:
        out.print_json(json.dumps(rows, ensure_ascii=False))
        return
    for r in rows:  # lines, not a table: a subject and two filings fit no 80 columns
        out.print(Text(f"#{r['id']} {r['sender']} — {r['subject']}", "bold"), soft_wrap=True)
        out.print(Text(f"    {_filing_text(r, 'old')}  →  {_filing_text(r, 'new')}"),
                  soft_wrap=True)
    out.print(f"{len(rows)} thư sẽ thay đổi / message(s) would change; chưa thay đổi gì / "
              "nothing was changed")


def _filing_text(row: dict[str, Any], side: str) -> str:
    """One side of a change: the verdict and topics, and any other field that changes."""
    text = f"{row[f'{side}_verdict']}: {', '.join(row[f'{side}_topics']) or '—'}"
    others = [f"{key}={row[f'{side}_{key}']}" for key in row["changes"]
              if key not in ("verdict", "topics")]
    error = f" ({row['error']})" if side == "new" and row["error"] else ""
    return " ".join([text, *others]) + error



# verify, anchors --------------------------------------------------------------------

@audit_app.command("verify")
def audit_verify(
        anchor: Annotated[str | None, typer.Option(
            help="Một mốc đã lưu bên ngoài / an anchor kept outside: SEQ:HASH.")] = None,
        as_json: Annotated[bool, typer.Option("--json", help="In JSON / print JSON.")] = False
        ) -> None:
    """Kiểm tra kho thư và chuỗi băm / re-hash the archive and the audit chain; exit 1 when
    anything was changed, removed or inserted."""
    from mailhub.access import record_access
    from mailhub.chain import holds, verify
    from mailhub.cli import _fail, _hub, out

    hub = _hub()
    record_access(hub, "verify", anchor or "")
    findings = [str(f) for f in verify(hub)]
    if anchor:
        seq, _, digest = anchor.partition(":")
        if not seq.isdigit() or len(digest) != 64:
            _fail(MailhubError(f"mốc sai / bad anchor {anchor!r}: SEQ:HASH, as "
                               "`mailhub audit anchor` prints it"))
        if not holds(hub, int(seq), digest):
            findings.append(f"anchor:{seq}: chuỗi không còn khớp mốc / the chain no longer "
                            "holds this anchor: history before it was rewritten")
    if as_json:
        out.print_json(json.dumps({"ok": not findings, "findings": findings},
                                  ensure_ascii=False))
    elif findings:
        for finding in findings:
            out.print(f"[red]SAI / WRONG[/red] {finding}", highlight=False)
    else:
        out.print("[green]OK[/green]: kho thư và chuỗi nguyên vẹn / archive and chain intact")
    if findings:
        raise typer.Exit(1)


@audit_app.command("anchor")
def audit_anchor(
        mail: Annotated[str | None, typer.Option(
            "--mail", help="Gửi mốc tới địa chỉ này / mail the anchor to this address.")] = None,
        as_json: Annotated[bool, typer.Option("--json", help="In JSON / print JSON.")] = False
        ) -> None:
    """In (hoặc gửi) mốc của chuỗi băm / print (or mail) the chain's head, to keep outside."""
    from mailhub.chain import anchor as head
    from mailhub.cli import _hub, out
    from mailhub.reminders import queue_letter

    hub = _hub()
    found = head(hub)
    text = f"{found['seq']}:{found['hash']}"
    if mail:
        queue_letter(hub, f"moc.{found['seq']}.{mail}", "anchor", mail,
                     f"Mốc kho lưu trữ mailhub / archive anchor {found['seq']}",
                     f"Mốc chuỗi băm của kho lưu trữ lúc {found['at']}:\n\n{text}\n\n"
                     f"Kiểm tra về sau / to check later: mailhub audit verify --anchor {text}\n")
    if as_json:
        out.print_json(json.dumps(found))
    else:
        out.print(text)
