"""Attachments are data, never paths: a file name is kept and shown as text, nothing is ever
written under it, and archives (zip, rar) are never unpacked.

Where attachment names go: the database (attachment.name, the search index), `audit show`
and `audit search` (terminal, JSON, CSV/XLSX exports at a path the user gives). The raw
archive names files by their sha256 only. mail-parser can write attachments to disk
(`write_attachments`) and convert Outlook files with an external `msgconvert`; mailhub uses
neither, and a test below keeps it so.
"""

from __future__ import annotations

import io
import json
import os
import re
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mailhub.cli import app
from mailhub.hub import Hub
from mailhub.message import parse
from mailhub.pipeline import Envelope, ingest

SCHOOL = "c1dinhcong-hm@hanoiedu.vn"
PACKAGE = Path(__file__).resolve().parents[1] / "mailhub"

NAMES = [
    "../../../../tmp/mailhub-escaped.txt",
    "..\\..\\..\\Windows\\System32\\evil.dll",
    "/etc/cron.d/mailhub-escaped",
    "C:\\Users\\Public\\evil.bat",
    "CON", "NUL.txt", "COM1", "LPT1.pdf", "aux.xlsx", "prn",
    "báo cáo\r\nX-Injected: 1.pdf",
    "tệp\x00ẩn.pdf",
    "\x1b[2J\x1b[31mđỏ\x1b[0m.pdf",
    "\u202egpj.exe",  # right-to-left override: shows as "exe.jpg"
    "x" * 5000 + ".pdf",
    "",
]


def zip_with_traversal() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("../../mailhub-zip-escaped.txt", "owned")
        archive.writestr("/tmp/mailhub-zip-absolute.txt", "owned")
        archive.writestr("bao-cao.xlsx", "PK")
    return buffer.getvalue()


RAR = b"Rar!\x1a\x07\x01\x00" + bytes(64)  # a RAR 5 signature and nothing readable


def report(attachments: list[tuple[bytes, bytes, bytes]]) -> bytes:
    """A report with attachments given as (Content-Disposition value, type, base64 data)."""
    parts = b"".join(b"--a\r\nContent-Type: " + kind + b"\r\nContent-Disposition: " +
                     disposition + b"\r\nContent-Transfer-Encoding: base64\r\n\r\n" + data +
                     b"\r\n" for disposition, kind, data in attachments)
    return (b"From: " + SCHOOL.encode() + b"\r\nTo: totieuhoc.pgdhm@hanoiedu.vn\r\n"
            b"Subject: Bao cao thang 11/2026\r\nMIME-Version: 1.0\r\n"
            b'Content-Type: multipart/mixed; boundary="a"\r\n\r\n--a\r\n'
            b"Content-Type: text/plain\r\n\r\nKinh gui To Tieu hoc\r\n" + parts + b"--a--\r\n")


def quoted(name: str) -> bytes:
    # Raw, a line break in a header can only be folding; encoded (below) it can be anything.
    name = name.replace('"', "").replace("\r\n", "\r\n ")
    return b'attachment; filename="' + name.encode("utf-8") + b'"'


def rfc2231(name: str) -> bytes:
    from urllib.parse import quote
    return b"attachment; filename*=utf-8''" + quote(name, safe="").encode()


def encoded_word(name: str) -> bytes:
    import base64
    return b'attachment; filename="=?utf-8?b?' + base64.b64encode(name.encode()) + b'?="'


def hostile_reports() -> list[bytes]:
    import base64
    data = base64.b64encode(b"%PDF-1.4 bao cao")
    return [report([(style(name), b"application/octet-stream", data) for name in NAMES])
            for style in (quoted, rfc2231, encoded_word)] + [
        report([(quoted("../../bao-cao.zip"), b"application/zip",
                 base64.b64encode(zip_with_traversal())),
                (quoted("bao-cao.rar"), b"application/x-rar-compressed", base64.b64encode(RAR)),
                (quoted("lồng.zip"), b"application/zip",
                 base64.b64encode(zipfile_of(zip_with_traversal())))])]


def zipfile_of(inner: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("../inner.zip", inner)
    return buffer.getvalue()


def files_under(*roots: Path) -> set[Path]:
    return {p for root in roots if root.exists() for p in root.rglob("*") if p.is_file()}


ESCAPES = [Path("/tmp/mailhub-escaped.txt"), Path("/etc/cron.d/mailhub-escaped"),
           Path("/tmp/mailhub-zip-absolute.txt")]


def test_nothing_is_written_under_an_attachment_name_nor_unpacked(
        hub: Hub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    workdir = tmp_path / "cwd" / "a" / "b" / "c"  # "../../.." from here stays in tmp_path
    workdir.mkdir(parents=True)
    monkeypatch.chdir(workdir)
    before = files_under(tmp_path)
    outcomes = [ingest(hub, raw, Envelope()) for raw in hostile_reports()]
    assert [o.verdict for o in outcomes] == ["filed"] * len(outcomes)
    new = files_under(tmp_path) - before
    archive = hub.settings.archive_dir
    database = {p for p in new if p.name.startswith("mailhub.db")}
    assert {p for p in new - database if p.parent.parent != archive} == set(), \
        "a file was written outside the archive"
    assert {p.name for p in new - database} == {f"{o.sha256}.eml" for o in outcomes}
    assert not any(p.exists() for p in ESCAPES)


@pytest.mark.parametrize("style", [quoted, rfc2231, encoded_word],
                         ids=["quoted", "rfc2231", "encoded-word"])
def test_names_are_kept_as_one_line_of_text(style: object) -> None:
    import base64
    raw = report([(style(name), b"application/pdf",  # type: ignore[operator]
                   base64.b64encode(b"%PDF")) for name in NAMES])
    names = [a.name for a in parse(raw).attachments]
    assert len(names) == len(NAMES)
    for name in names:
        assert not re.search(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]", name), repr(name)
    assert names[0] == "../../../../tmp/mailhub-escaped.txt"  # data, shown as written
    assert names[4] == "CON" and names[10] == "báo cáo X-Injected: 1.pdf"
    assert names[12] == "[2J[31mđỏ[0m.pdf"  # the escapes are gone, the text stays


def test_audit_show_and_search_print_the_names_as_text(hub: Hub, config_file: Path,
                                                      tmp_path: Path) -> None:
    outcome = ingest(hub, hostile_reports()[0], Envelope())
    runner = CliRunner()
    shown = runner.invoke(app, ["--config", str(config_file), "audit", "show", str(outcome.id)])
    assert shown.exit_code == 0, shown.output
    assert "\x1b" not in shown.output and "\r" not in shown.output
    assert "../../../../tmp/mailhub-escaped.txt" in shown.output
    assert "X-Injected" in shown.output
    assert not any(line.startswith("X-Injected") for line in shown.output.splitlines())
    as_json = runner.invoke(app, ["--config", str(config_file), "audit", "show",
                                  str(outcome.id), "--json"])
    names = [a["name"] for a in json.loads(as_json.output)["attachments"]]
    assert names[0] == "../../../../tmp/mailhub-escaped.txt" and len(names) == len(NAMES)
    export = tmp_path / "ket-qua.csv"
    before = files_under(tmp_path)
    found = runner.invoke(app, ["--config", str(config_file), "audit", "search", "bao cao",
                                "--output", str(export)])
    assert found.exit_code == 0, found.output
    assert files_under(tmp_path) - before == {export}  # the one file asked for
    assert "mailhub-escaped.txt" in export.read_text(encoding="utf-8-sig")


def test_no_code_path_writes_or_unpacks_attachments() -> None:
    # mail-parser's writers and Outlook conversion, and the stdlib's unpackers.
    forbidden = re.compile(r"write_attachments|parse_from_file_msg|msgconvert|"
                           r"unpack_archive|zipfile|tarfile|rarfile|extractall")
    found = [f"{path.relative_to(PACKAGE)}:{n}" for path in sorted(PACKAGE.rglob("*.py"))
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if forbidden.search(line)]
    assert found == []


def test_the_archive_path_is_made_of_the_hash_alone(hub: Hub) -> None:
    outcome = ingest(hub, hostile_reports()[1], Envelope())
    path = hub.archive.path_for(outcome.sha256)
    assert path == hub.settings.archive_dir / outcome.sha256[:2] / f"{outcome.sha256}.eml"
    assert os.path.commonpath([path.resolve(), hub.settings.archive_dir.resolve()]) == \
        str(hub.settings.archive_dir.resolve())
