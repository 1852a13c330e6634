"""The `mailhub` command line: parse arguments, call a service, print.

Output is a rich table for people or, with --json, JSON for scripts.
"""

from __future__ import annotations

import getpass
import json
import mailbox
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from mailhub import db
from mailhub.batch import SMALL, Filer, default_jobs
from mailhub.cli_audit import audit_app, rules_app
from mailhub.config import ImapAccount, Settings, example_config, load_settings
from mailhub.deciding import Outcome
from mailhub.errors import ConfigError, MailhubError
from mailhub.hub import Hub, load_office, open_hub
from mailhub.lists import load_lists
from mailhub.message import received_date
from mailhub.pipeline import Envelope
from mailhub.staff import Role, add_user

if TYPE_CHECKING:
    from mailhub.ingress.imap import Tally
    from mailhub.registry import Kind
    from mailhub.reporting import Requirement

app = typer.Typer(help="mailhub — tiếp nhận và phân loại thư của Phòng GD&ĐT / "
                       "e-mail filing for an Education and Training Office.",
                  no_args_is_help=True, pretty_exceptions_enable=False)
import_app = typer.Typer(help="Nhập hộp thư cũ / import an existing mailbox.",
                         no_args_is_help=True)
db_app = typer.Typer(help="Cơ sở dữ liệu / database.", no_args_is_help=True)
config_app = typer.Typer(help="Cấu hình / configuration.", no_args_is_help=True)
user_app = typer.Typer(help="Tài khoản cán bộ / office staff accounts.", no_args_is_help=True)
app.add_typer(user_app, name="user")
app.add_typer(import_app, name="import")
app.add_typer(db_app, name="db")
app.add_typer(config_app, name="config")
imap_app = typer.Typer(help="Hộp thư IMAP / IMAP mailboxes.", no_args_is_help=True)
app.add_typer(imap_app, name="imap")
outbox_app = typer.Typer(help="Hộp thư đi / the outbox: everything the hub sends.",
                         no_args_is_help=True)
app.add_typer(outbox_app, name="outbox")
report_app = typer.Typer(help="Báo cáo định kỳ của các trường / the schools' reporting cycle.",
                         no_args_is_help=True)
app.add_typer(report_app, name="report")
directive_app = typer.Typer(help="Công văn đã gửi / directives sent to the schools.",
                            no_args_is_help=True)
app.add_typer(directive_app, name="directive")
app.add_typer(audit_app, name="audit")
app.add_typer(rules_app, name="rules")

out = Console()
err = Console(stderr=True)

JsonOption = Annotated[bool, typer.Option("--json", help="In JSON / print JSON.")]
JobsOption = Annotated[int, typer.Option(
    "--jobs", "-j", help="Số tiến trình xử lý / worker processes (0: tự chọn / automatic).")]
_COLOURS = {"filed": "green", "rejected": "red", "quarantined": "yellow",
            "duplicate": "cyan", "error": "bold red"}


class _State:
    config: Path | None = None


@app.callback()
def _global(config: Annotated[Path | None, typer.Option(
        "--config", help="Tệp cấu hình / config file (default: $MAILHUB_CONFIG, "
        "else built-in defaults).")] = None) -> None:
    _State.config = config


def _settings() -> Settings:
    try:
        return load_settings(_State.config)
    except ConfigError as exc:
        _fail(exc)


def _hub() -> Hub:
    try:
        return open_hub(_settings())
    except MailhubError as exc:
        _fail(exc)


@contextmanager
def _filing(settings: Settings, jobs: int) -> Iterator[tuple[Hub, Filer]]:
    """The hub and a Filer of `jobs` processes, whose workers start before the database is
    brought up to date: they never use it, and their start (~0.3 s of importing each)
    overlaps the schema check instead of following it."""
    try:
        hub = open_hub(settings, migrate=False)
    except MailhubError as exc:
        _fail(exc)
    with Filer(hub, jobs) as filer:
        try:
            db.ensure_schema(hub.engine)
        except MailhubError as exc:
            _fail(exc)
        yield hub, filer


def _fail(exc: MailhubError) -> NoReturn:
    problems = exc.problems if isinstance(exc, ConfigError) else [exc]
    for problem in problems:
        # escaped: a problem quotes what the user typed, which may hold "[...]"
        err.print(f"[red]lỗi / error:[/red] {escape(str(problem))}", markup=True,
                  highlight=False)
    raise typer.Exit(1)


# ingest ---------------------------------------------------------------------

def _eml_files(paths: list[Path]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file() and not
                              p.name.startswith(".") and p.suffix.lower() in (".eml", ".msg", ""))
        else:
            yield path


@app.command("ingest")
def ingest_files(paths: Annotated[list[Path], typer.Argument(
        help="Tệp .eml hoặc thư mục / .eml files or folders of them.")],
        as_json: JsonOption = False, jobs: JobsOption = 0) -> None:
    """Tiếp nhận và phân loại thư từ tệp / file messages from .eml files."""
    settings = _settings()
    files = list(_eml_files(paths))
    missing = [p for p in files if not p.is_file()]
    if missing:
        _fail(MailhubError(f"không tìm thấy / not found: {', '.join(map(str, missing))}"))
    with _filing(settings, jobs or default_jobs(len(files))) as (hub, filer):
        messages = (_imported(hub, path.read_bytes(), "ingest", str(path)) for path in files)
        _report(filer.ingest_all(messages), len(files), as_json)


@import_app.command("mbox")
def import_mbox(path: Path, as_json: JsonOption = False, jobs: JobsOption = 0) -> None:
    """Nhập tệp mbox / import an mbox file."""
    _import(mailbox.mbox(path, create=False), path, as_json, jobs)


@import_app.command("maildir")
def import_maildir(path: Path, as_json: JsonOption = False, jobs: JobsOption = 0) -> None:
    """Nhập thư mục Maildir / import a Maildir folder."""
    _import(mailbox.Maildir(path, create=False), path, as_json, jobs)


def _import(box: mailbox.Mailbox[Any], path: Path, as_json: bool, jobs: int) -> None:
    if not path.exists():
        _fail(MailhubError(f"không tìm thấy / not found: {path}"))
    settings = _settings()
    keys = list(box.keys())
    with _filing(settings, jobs or default_jobs(len(keys))) as (hub, filer):
        messages = (_imported(hub, box.get_bytes(key), "import", f"{path}#{key}")
                    for key in keys)
        _report(filer.ingest_all(messages), len(keys), as_json)


def _imported(hub: Hub, raw: bytes, door: str, source: str) -> tuple[bytes, Envelope]:
    """A file's message, received when its headers say (newest Received:, else Date:), so
    old mail imported today counts as received then; else now."""
    return raw, Envelope(door=door, source=source, received_at=received_date(raw, hub.clock()))


def _report(results: Iterator[Outcome], total: int, as_json: bool) -> None:
    if as_json:
        for outcome in results:  # one object per line, written as soon as it is decided
            sys.stdout.write(json.dumps(_as_json(outcome), ensure_ascii=False) + "\n")
            sys.stdout.flush()
        return
    table = Table("Tệp / Source", "Kết quả / Verdict", "Đơn vị / Unit", "Chủ đề / Topics",
                  "Kỳ / Period", "Tổ / Team", "Lý do / Reason", title="mailhub ingest")
    counts: dict[str, int] = {}
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=err, transient=True) as progress:
        task = progress.add_task("Đang xử lý / filing", total=total)
        for outcome in results:
            counts[outcome.verdict] = counts.get(outcome.verdict, 0) + 1
            colour = _COLOURS.get(outcome.verdict, "white")
            table.add_row(Path(outcome.source).name or outcome.source,
                          f"[{colour}]{outcome.verdict}[/{colour}]", outcome.unit or "",
                          ", ".join(outcome.topics), outcome.period or "", outcome.team or "",
                          _headline(outcome))
            progress.advance(task)
    out.print(table)
    out.print("  ".join(f"{verdict}: {count}" for verdict, count in sorted(counts.items())))


def _headline(outcome: Outcome) -> str:
    wanted = {"rejected": "sender.", "quarantined": "sender.", "duplicate": "dedupe.",
              "error": "error"}.get(outcome.verdict)
    if wanted is None:
        return ""
    return next((r for r in reversed(outcome.reasons) if r.startswith(wanted)), "")


def _as_json(outcome: Outcome) -> dict[str, Any]:
    data = asdict(outcome)
    data["from"] = data.pop("sender")
    return data


@app.command("serve")
def serve() -> None:
    """Chạy dịch vụ: nhận thư qua SMTP / run the service: receive mail over SMTP."""
    from mailhub.daemon import run

    run(_hub())


# imap -------------------------------------------------------------------------

AccountOption = Annotated[str | None, typer.Option(
    "--account", help="Chỉ tài khoản này / only this account (its name).")]


def _accounts(settings: Settings, name: str | None) -> list[ImapAccount]:
    accounts = [a for a in settings.imap if name is None or a.name == name]
    if not accounts:
        known = ", ".join(a.name for a in settings.imap) or "none"
        _fail(MailhubError(f"không có tài khoản IMAP / no IMAP account "
                           f"{repr(name) if name else 'configured'} (known: {known}); "
                           "add an [[imap]] table, see mailhub.example.toml"))
    return accounts


@imap_app.command("check")
def imap_check(account: AccountOption = None) -> None:
    """Đăng nhập từng hộp thư và xem thư mục / log in to each mailbox, show its folders."""
    from mailhub.ingress.imap import connect

    table = Table("Tài khoản / Account", "Máy chủ / Server", "Khả năng / Capabilities",
                  "Thư mục / Folders", "Thư chờ / Waiting", "Lỗi / Error")
    failed = False
    for entry in _accounts(_settings(), account):
        server = f"{entry.host}:{entry.server_port} ({entry.tls})"
        try:
            client = connect(entry)
        except Exception as exc:  # every account is reported, whatever broke
            failed = True
            table.add_row(entry.name, server, "", "", "", f"[red]{exc}[/red]")
            continue
        try:
            wanted = {b"IDLE", b"MOVE", b"UIDPLUS"}
            capabilities = " ".join(sorted(c.decode() for c in client.capabilities()
                                           if c in wanted))
            folders = len(client.list_folders())
            counts = [client.folder_status(folder, [b"MESSAGES"])[b"MESSAGES"]
                      for folder in entry.folders]
            waiting = ", ".join(f"{f}: {n}" for f, n in zip(entry.folders, counts, strict=True))
            table.add_row(entry.name, server, capabilities, str(folders), waiting, "")
        except Exception as exc:
            failed = True
            table.add_row(entry.name, server, "", "", "", f"[red]{exc}[/red]")
        finally:
            client.logout()
    out.print(table)
    if failed:
        raise typer.Exit(1)


@imap_app.command("sync")
def imap_sync(account: AccountOption = None, once: Annotated[bool, typer.Option(
        "--once", help="Một lượt rồi thoát / one pass, then exit.")] = False,
        jobs: JobsOption = 0) -> None:
    """Lọc thư trong hộp thư IMAP / file what waits in the IMAP mailboxes (--once: then exit;
    else keep watching until Ctrl-C)."""
    import threading

    from mailhub.ingress.imap import Watcher, connect, watch

    settings = _settings()
    accounts = _accounts(settings, account)
    if not once and len(accounts) > 1:
        _fail(MailhubError("watching several accounts: `mailhub serve`, or one process per "
                           "--account NAME"))
    with _filing(settings, jobs or default_jobs(SMALL)) as (hub, filer):
        if not once:  # until Ctrl-C
            stop = threading.Event()
            watcher = threading.Thread(target=watch, args=(hub, accounts[0], filer, stop))
            watcher.start()
            try:
                while watcher.is_alive():
                    watcher.join(0.5)
            except KeyboardInterrupt:
                stop.set()
                watcher.join()
            return
        failed = False
        for entry in accounts:
            try:
                client = connect(entry)
                try:
                    tally = Watcher(hub, entry, filer).sync(client)
                finally:
                    client.logout()
            except Exception as exc:  # one broken account never stops the others
                failed = True
                err.print(f"[red]{entry.name}:[/red] {exc}", highlight=False)
                continue
            _print_tally(entry.name, tally)
    if failed:
        raise typer.Exit(1)


def _print_tally(name: str, tally: Tally) -> None:
    moved = ", ".join(f"{folder} {count}" for folder, count in sorted(tally.moved.items()))
    out.print(f"{name}: {tally.fetched} thư / messages, {tally.duplicates} đã có / known, "
              f"{tally.notices} thông báo / notices; {moved or 'nothing moved'}",
              highlight=False)


# registry, config, database -------------------------------------------------

@app.command("units")
def units(as_json: JsonOption = False,
          kind: Annotated[str | None, typer.Option(help="Lọc theo loại / filter by kind "
                                                   "(PGD, TEAM, MN, TH, THCS, EXTERNAL).")] = None
          ) -> None:
    """Danh bạ đơn vị / list the registry's units."""
    settings = _settings()
    try:
        registry, _ = load_office(settings)
    except ConfigError as exc:
        _fail(exc)
    rows = [u for u in registry.units if kind is None or u.kind.value == kind.upper()]
    if as_json:
        data = [{"code": u.code, "name": u.name, "kind": u.kind.value, "email": u.email,
                 "ward": u.ward, "levels": [lv.value for lv in u.levels], "team": u.team or
                 (t.code if (t := registry.team_for(u)) and u.is_school else None)}
                for u in rows]
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=1) + "\n")
        return
    table = Table("Mã / Code", "Tên / Name", "Loại / Kind", "E-mail", "Phường / Ward",
                  title=f"{len(rows)} đơn vị / units")
    for u in rows:
        table.add_row(u.code, u.name, u.kind.value, u.email, u.ward)
    out.print(table)


@app.command("lists")
def mailing_lists(as_json: JsonOption = False) -> None:
    """Danh sách gửi văn bản chỉ đạo / broadcast lists, their members and senders."""
    settings = _settings()
    try:
        registry, _ = load_office(settings)
        lists = load_lists(settings.rules_dir, registry, settings.hub_domain)
    except ConfigError as exc:
        _fail(exc)
    if as_json:
        data = [{"name": m.name, "address": m.address, "title": m.title,
                 "members": [member.email for member in m.members], "senders": list(m.senders),
                 "builtin": m.builtin} for m in lists.lists.values()]
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=1) + "\n")
        return
    table = Table("Tên / Name", "Địa chỉ / Address", "Tiêu đề / Title",
                  "Thành viên / Members", "Người gửi / Senders",
                  title=f"{len(lists.lists)} danh sách / lists")
    for m in lists.lists.values():
        table.add_row(m.name, m.address, m.title, str(len(m.members)),
                      ", ".join(m.senders) or "— (không ai / nobody)")
    out.print(table)


@app.command("check-config")
def check_config() -> None:
    """Kiểm tra cấu hình, danh bạ, quy tắc và danh sách / validate config, registry, rules
    and broadcast lists."""
    try:
        settings = load_settings(_State.config)
        registry, rules = load_office(settings)
        lists = load_lists(settings.rules_dir, registry, settings.hub_domain)
    except ConfigError as exc:
        _fail(exc)
    out.print(f"[green]OK[/green] {len(registry.units)} đơn vị / units, {len(rules.topics)} "
              f"chủ đề / topics, {len(rules.senders.rules)} quy tắc người gửi / sender rules, "
              f"{len(lists.lists)} danh sách / lists")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Nâng cấp lược đồ CSDL / bring the database schema up to date."""
    settings = _settings()
    engine = db.make_engine(settings.database, settings.database_timeout)
    db.upgrade(engine)
    out.print(f"OK: {db.stored_revision(engine)}")


@user_app.command("add")
def user_add(email: str, role: Annotated[Role, typer.Option(
        help="Vai trò / role: team, leader, inspector, admin.")] = Role.TEAM,
             team: Annotated[str, typer.Option(
                 help="Tổ của tài khoản vai trò team (mã trong danh bạ) / the team of a team "
                      "account (its registry code), e.g. TO-TH; default: the team whose "
                      "address EMAIL is.")] = "") -> None:
    """Thêm hoặc đổi mật khẩu tài khoản / add an account or set its password.

    Mật khẩu nhập từ bàn phím, hoặc dòng đầu của đầu vào chuẩn / the password is read from
    the terminal, or from the first line of standard input when that is not a terminal."""
    if sys.stdin.isatty():
        password = getpass.getpass("Mật khẩu / password: ")
        if getpass.getpass("Nhập lại / again: ") != password:
            _fail(MailhubError("hai lần nhập không khớp / the passwords differ"))
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    try:
        add_user(_hub(), email, role, password, team)
    except MailhubError as exc:
        _fail(exc)
    out.print(f"OK: {email.lower()} ({role.value}{f', {team}' if team else ''})")


@config_app.command("example")
def config_example() -> None:
    """In cấu hình mẫu có chú thích / print the commented example config."""
    sys.stdout.write(example_config())


# broadcast, directives, outbox ----------------------------------------------------

@app.command("broadcast")
def broadcast_file(
        path: Annotated[Path, typer.Argument(help="Thư .eml / the message, an .eml file.")],
        lists: Annotated[list[str], typer.Option(
            "--list", help="Danh sách nhận (lặp lại được) / list to send to (repeatable).")],
        sender: Annotated[str, typer.Option(
            "--from", help="Người gửi / sender (default: the message's From).")] = "",
        ack_by: Annotated[datetime | None, typer.Option(
            "--ack-by", formats=["%Y-%m-%d"],
            help="Hạn xác nhận / acknowledgement deadline, YYYY-MM-DD.")] = None,
        as_json: JsonOption = False) -> None:
    """Gửi công văn tới các danh sách / send a directive: one copy per member of the lists."""
    from mailhub.directives import Refused, broadcast

    hub = _hub()
    try:
        raw = path.read_bytes()
    except OSError as exc:
        _fail(MailhubError(f"không đọc được / cannot read {path}: {exc}"))
    deadline = ack_by.replace(hour=23, minute=59, tzinfo=hub.settings.zone) if ack_by else None
    try:
        done = broadcast(hub, raw, lists, sender=sender, staff=getpass.getuser(),
                         source=str(path), ack_by=deadline)
    except (Refused, MailhubError) as exc:
        _fail(exc)
    if as_json:
        out.print_json(json.dumps(dict(id=done.id, recipients=done.recipients,
                                       number=done.number, known=done.known)))
    elif done.known:
        out.print(f"Đã gửi trước đó / already sent: directive {done.id}")
    else:
        out.print(f"{done.id}\t{done.recipients} bản / copies queued"
                  f"{f' ({done.number})' if done.number else ''}")


@directive_app.command("list")
def directive_list(since: Annotated[datetime | None, typer.Option(
        formats=["%Y-%m-%d"], help="Từ ngày / since YYYY-MM-DD.")] = None,
        as_json: JsonOption = False) -> None:
    """Các công văn đã gửi / directives sent, newest first."""
    from mailhub.directives import summaries

    hub = _hub()
    found = summaries(hub, since.replace(tzinfo=hub.settings.zone) if since else None)
    if as_json:
        out.print_json(json.dumps(found, ensure_ascii=False))
        return
    table = Table("#", "Số / number", "Trích yếu / subject", "Danh sách / lists",
                  "Đã gửi / sent", "Xác nhận / acknowledged", "Ngày / date")
    for d in found:
        table.add_row(str(d["id"]), d["number"], d["subject"][:60], ",".join(d["lists"]),
                      f"{d['sent']}/{d['recipients']}", str(d["acknowledged"]),
                      str(d["created_at"])[:16])
    out.print(table)


@directive_app.command("status")
def directive_status(directive: int, as_json: JsonOption = False) -> None:
    """Từng trường đã nhận chưa / where each copy of a directive stands."""
    from mailhub.directives import status

    try:
        found = status(_hub(), directive)
    except KeyError:
        _fail(MailhubError(f"không có công văn / no directive {directive}"))
    if as_json:
        out.print_json(json.dumps(found, ensure_ascii=False))
        return
    totals = found["totals"]
    out.print(f"#{found['id']} {found['number']} {found['subject']}")
    table = Table("Đơn vị / unit", "Địa chỉ / address", "Trạng thái / state", "Lần / tries",
                  "Trả lời / last reply", "Gửi lúc / sent", "Xác nhận / acknowledged")
    for r in found["recipients"]:
        table.add_row(r["unit"] or "", r["email"], r["state"], str(r["attempts"]),
                      r["last_reply"][:50], (r["sent_at"] or "")[:16],
                      (r["acknowledged_at"] or "")[:16])
    out.print(table)
    reached = "100 %" if totals["all_schools_reached"] else "CHƯA ĐỦ / NOT ALL"
    out.print(f"Trường đã nhận / schools reached: {totals['schools_reached']}/"
              f"{totals['schools']} ({reached}); đã xác nhận / acknowledged: "
              f"{totals['acknowledged']}; lỗi / failed: {totals['failed']}")


@directive_app.command("remind")
def directive_remind(directive: int) -> None:
    """Nhắc các trường chưa xác nhận / remind the schools that have not acknowledged."""
    from mailhub.directives import remind

    try:
        queued = remind(_hub(), directive)
    except KeyError:
        _fail(MailhubError(f"không có công văn / no directive {directive}"))
    out.print(f"{queued} thư nhắc / reminder(s) queued")


@outbox_app.command("run")
def outbox_run(once: Annotated[bool, typer.Option(
        "--once", help="Gửi những thư đến hạn rồi thoát / send what is due, then exit.")] = False
               ) -> None:
    """Gửi thư trong hộp thư đi qua máy chủ [relay] / deliver the outbox through [relay]."""
    import asyncio

    from mailhub.directives import Copies
    from mailhub.outbox import Delivery

    hub = _hub()
    if not hub.settings.relay.host:
        _fail(MailhubError("chưa cấu hình máy chủ gửi / no [relay] host configured"))
    try:
        total = asyncio.run(Delivery(hub, Copies(hub)).run(once=once))
    except KeyboardInterrupt:
        raise typer.Exit(130) from None
    out.print(f"outbox: {total}")


@app.command("status")
def status_command(as_json: JsonOption = False) -> None:
    """Dịch vụ đang chạy gì, hàng đợi, lỗi gần nhất, việc sắp tới / what runs, queue
    sizes, the last errors and the next jobs."""
    from mailhub.status import collect

    found = collect(_hub())
    if as_json:
        out.print_json(json.dumps(found, ensure_ascii=False))
        return
    daemon = found["daemon"]
    if daemon["running"]:
        out.print(f"[green]mailhub serve đang chạy / running[/green]: pid {daemon['pid']}, "
                  f"từ / since {daemon.get('started_at', '')[:19]}, SMTP {daemon.get('smtp')}, "
                  f"{', '.join(daemon.get('processes', []))}")
    else:
        out.print("[red]mailhub serve không chạy / not running[/red]")
    out.print("Thư / messages: " + ", ".join(f"{k} {v}" for k, v in
                                             sorted(found["messages"].items())))
    out.print("Hộp thư đi / outbox: " + (", ".join(f"{k} {v}" for k, v in
                                                   sorted(found["outbox"].items())) or "0"))
    for job in found["jobs"]:
        out.print(f"Việc sắp tới / next job: {job['id']} at {job['next_run']}")
    if found["last_errors"]:
        table = Table("Lúc / at", "Gì / what", "Trạng thái / state", "Chi tiết / detail",
                      title="Lỗi gần nhất / last errors")
        for e in found["last_errors"]:
            table.add_row(str(e["at"] or "")[:19], e["what"], e["state"], str(e["reply"])[:80])
        out.print(table)


# reporting cycle --------------------------------------------------------------------

@report_app.command("status")
def report_status(
        month: Annotated[str, typer.Option(help="Tháng / month, YYYY-MM.")],
        level: Annotated[str | None, typer.Option(help="Cấp học / level: MN, TH, THCS.")] = None,
        topic: Annotated[str | None, typer.Option(
            help="Báo cáo khác trong reporting.toml / another required report (topic id).")
            ] = None,
        as_json: JsonOption = False,
        as_csv: Annotated[bool, typer.Option("--csv", help="In CSV / print CSV.")] = False
        ) -> None:
    """Trường nào đã nộp, nộp muộn, chưa nộp / who reported on time, late, or not at all."""
    import csv

    from mailhub.compliance import compliance

    _month(month)
    hub = _hub()
    kind, owed = _level(level), _required_report(hub, topic)
    rows = [s.as_dict() for s in compliance(hub, month, kind, owed)]
    if as_json:
        out.print_json(json.dumps(rows, ensure_ascii=False))
        return
    if as_csv:
        writer = csv.DictWriter(sys.stdout, fieldnames=list(rows[0]) if rows else ["unit"])
        writer.writeheader()
        writer.writerows(rows)
        return
    _print_standings(rows, f"{owed.topic} {month}")


def _print_standings(rows: list[dict[str, Any]], title: str) -> None:
    colours = {"on_time": "green", "late": "yellow", "missing": "red"}
    table = Table("Đơn vị / unit", "Tên / name", "Cấp / level", "Trạng thái / state",
                  "Nhận lúc / received", title=title)
    for row in rows:
        state = str(row["state"])
        table.add_row(str(row["unit"]), str(row["name"]), str(row["level"]),
                      f"[{colours[state]}]{state}[/]", str(row["filed_at"] or "")[:16])
    out.print(table)
    counts = {s: sum(r["state"] == s for r in rows) for s in colours}
    out.print(f"đúng hạn / on time {counts['on_time']}, muộn / late {counts['late']}, "
              f"chưa nộp / missing {counts['missing']} (of {len(rows)})")


def _month(month: str) -> str:
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month):
        _fail(MailhubError(f"tháng sai / bad month {month!r}: YYYY-MM, e.g. 2026-11"))
    return month


def _level(level: str | None) -> Kind | None:
    from mailhub.registry import Kind

    try:
        return Kind(level.upper()) if level else None
    except ValueError:
        _fail(MailhubError(f"cấp học sai / bad level {level!r}: MN, TH or THCS"))


def _required_report(hub: Hub, topic: str | None) -> Requirement:
    """The report owed: the monthly one, or the one of reporting.toml about `topic`."""
    owed = next((r for r in hub.rules.reporting.requirements if r.topic == topic), None) \
        if topic else hub.rules.reporting.monthly
    if owed is None:
        known = ", ".join(r.topic for r in hub.rules.reporting.requirements)
        _fail(MailhubError(f"không có báo cáo / no required report {topic!r} (known: {known})"))
    return owed


@report_app.command("run")
def report_run() -> None:
    """Chạy việc của ngày báo cáo ngay: nhắc trường, tổng hợp cho Tổ (không gửi trùng) /
    run the reporting day's jobs now: reminders and team summaries (never sent twice)."""
    from mailhub.reminders import run_reporting_day

    reminders, summaries = run_reporting_day(_hub())
    out.print(f"{reminders} thư nhắc / reminder(s), {summaries} tổng hợp / summary(ies) queued")


@report_app.command("remind")
def report_remind(
        month: Annotated[str, typer.Option(help="Tháng / month, YYYY-MM.")],
        level: Annotated[str | None, typer.Option(help="Cấp học / level: MN, TH, THCS.")] = None,
        topic: Annotated[str | None, typer.Option(
            help="Báo cáo khác trong reporting.toml / another required report (topic id).")
            ] = None) -> None:
    """Nhắc ngay các trường chưa nộp báo cáo tháng (mỗi trường tối đa một lần một ngày) /
    remind the schools still missing a month's report now (once a day per school)."""
    from mailhub.reminders import remind_missing

    _month(month)
    hub = _hub()
    queued = remind_missing(hub, month, _required_report(hub, topic), _level(level))
    out.print(f"{queued} thư nhắc / reminder(s) queued")


# quarantine, the console ------------------------------------------------------------

quarantine_app = typer.Typer(help="Thư chờ xem xét / quarantined mail.", no_args_is_help=True)
app.add_typer(quarantine_app, name="quarantine")


@quarantine_app.command("list")
def quarantine_list(as_json: JsonOption = False) -> None:
    """Thư chờ xem xét, cũ nhất trước / quarantined messages, oldest first, with why."""
    from mailhub.quarantine import waiting

    rows = waiting(_hub())
    if as_json:
        out.print_json(json.dumps(rows, ensure_ascii=False))
        return
    table = Table("#", "Nhận lúc / received", "Người gửi / from", "Tiêu đề / subject",
                  "Vì sao / why", title="Thư chờ xem xét / quarantine")
    for row in rows:
        table.add_row(str(row["id"]), row["received_at"][:16], escape(row["from_address"]),
                      escape(row["subject"]), escape("; ".join(h["rule"] for h in row["hits"])))
    out.print(table)


@quarantine_app.command("release")
def quarantine_release(
        message: int,
        topic: Annotated[str, typer.Option(help="Chủ đề để lưu / the topic to file it under.")],
        note: Annotated[str, typer.Option(help="Ghi chú / a note for the record.")] = "") -> None:
    """Cho lưu thư với chủ đề đã chọn / file a quarantined message under a topic."""
    from mailhub.quarantine import release

    try:
        done = release(_hub(), message, topic, getpass.getuser(), note)
    except KeyError:
        _fail(MailhubError(f"không có thư / no message {message}"))
    except MailhubError as exc:
        _fail(exc)
    out.print(f"#{done.message}: {done.state} ({done.topic}, {done.team or '—'})")


@quarantine_app.command("reject")
def quarantine_reject(
        message: int,
        reason: Annotated[str, typer.Option(help="Lý do (bắt buộc) / the reason (required).")]
        ) -> None:
    """Từ chối thư với lý do / reject a quarantined message, with the reason."""
    from mailhub.quarantine import reject

    try:
        done = reject(_hub(), message, reason, getpass.getuser())
    except KeyError:
        _fail(MailhubError(f"không có thư / no message {message}"))
    except MailhubError as exc:
        _fail(exc)
    out.print(f"#{done.message}: {done.state}")


@app.command("web")
def web() -> None:
    """Chạy riêng trang quản lý trên [web] listen / run the office console alone, on [web]
    listen (`mailhub serve` runs it too)."""
    from mailhub import logs
    from mailhub.web.server import run

    hub = _hub()
    if not hub.settings.web.listen:
        _fail(MailhubError("[web] listen trống: trang quản lý đang tắt / [web] listen is "
                           "empty: the console is off"))
    logs.configure()
    run(hub)


def main() -> None:
    app()
