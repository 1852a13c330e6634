"""Tamper evidence: `mailhub audit verify` finds a changed byte, a deleted file, an edited
verdict, an inserted or removed entry — each by id — and passes an intact archive."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from mailhub.chain import anchor, holds, verify
from mailhub.cli import app
from mailhub.directives import broadcast
from mailhub.hub import Hub
from mailhub.pipeline import Envelope, ingest

from .factory import mail

runner = CliRunner()


@pytest.fixture
def archive(hub: Hub) -> dict[str, int]:
    """A report filed, a personal sender rejected, a directive queued."""
    filed = ingest(hub, mail(subject="Báo cáo tháng 11/2026"), Envelope(door="smtp"))
    rejected = ingest(hub, mail(sender="th.dinhcong@gmail.com"), Envelope(door="smtp"))
    directive = broadcast(hub, mail(sender="pgd-hoangmai@hanoiedu.vn", subject="CV 12/PGDĐT",
                                    to="thcs@mailhub.localhost"), ["thcs"])
    assert (filed.verdict, rejected.verdict) == ("filed", "rejected")
    return dict(filed=filed.id, rejected=rejected.id, directive=directive.id)


def refs(hub: Hub) -> list[str]:
    return [finding.ref for finding in verify(hub)]


def test_an_intact_archive_verifies(hub: Hub, archive: dict[str, int],
                                    config_file: Path) -> None:
    assert verify(hub) == []
    done = runner.invoke(app, ["--config", str(config_file), "audit", "verify"])
    assert done.exit_code == 0 and "OK" in done.output


def test_one_byte_changed_in_an_archived_file(hub: Hub, archive: dict[str, int],
                                              config_file: Path) -> None:
    with hub.engine.connect() as db:
        sha = db.execute(text("SELECT sha256 FROM message WHERE id = :id"),
                         {"id": archive["filed"]}).scalar_one()
    path = hub.archive.path_for(sha)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 1
    path.write_bytes(bytes(data))
    assert refs(hub) == [f"message:{archive['filed']}"]
    done = runner.invoke(app, ["--config", str(config_file), "audit", "verify", "--json"])
    assert done.exit_code == 1
    assert "file altered" in json.loads(done.output)["findings"][0]


def test_an_archived_file_deleted(hub: Hub, archive: dict[str, int]) -> None:
    with hub.engine.connect() as db:
        sha = db.execute(text("SELECT sha256 FROM message WHERE id = :id"),
                         {"id": archive["rejected"]}).scalar_one()
    hub.archive.path_for(sha).unlink()
    found = verify(hub)
    assert [f.ref for f in found] == [f"message:{archive['rejected']}"]
    assert "file missing" in found[0].problem


def test_a_verdict_row_edited_in_the_database(hub: Hub, archive: dict[str, int]) -> None:
    with hub.engine.begin() as db:  # someone turns the rejection into a filing
        db.execute(text("UPDATE message SET state = 'filed' WHERE id = :id"),
                   {"id": archive["rejected"]})
    found = verify(hub)
    assert [f.ref for f in found] == [f"message:{archive['rejected']}"]
    assert "changed since it was recorded" in found[0].problem


def test_a_rule_hit_removed_and_a_directive_recipient_added(hub: Hub,
                                                           archive: dict[str, int]) -> None:
    with hub.engine.begin() as db:
        db.execute(text("DELETE FROM rule_hit WHERE message = :id"), {"id": archive["filed"]})
        db.execute(text("UPDATE outbox SET recipient = 'ke-gian@gmail.com' WHERE id = "
                        "(SELECT min(id) FROM outbox)"))
    assert sorted(refs(hub)) == sorted([f"message:{archive['filed']}",
                                        f"directive:{archive['directive']}"])


def test_a_row_inserted_and_chain_entries_edited_or_removed(hub: Hub,
                                                            archive: dict[str, int]) -> None:
    forged = ingest(hub, mail(subject="Báo cáo thêm"), Envelope(door="smtp")).id
    with hub.engine.begin() as db:
        db.execute(text("DELETE FROM audit_entry WHERE ref = :ref AND kind = 'archive'"),
                   {"ref": f"message:{forged}"})
    found = refs(hub)
    assert f"message:{forged}" in found  # not in the chain: inserted behind its back
    assert any(ref.startswith("entry:") for ref in found)  # the gap it left
    with hub.engine.begin() as db:
        db.execute(text("UPDATE audit_entry SET content = :c WHERE seq = 1"), {"c": "0" * 64})
    assert "entry:1" in refs(hub)


def test_an_anchor_proves_the_history_before_it(hub: Hub, archive: dict[str, int],
                                                config_file: Path) -> None:
    head = anchor(hub)
    assert holds(hub, head["seq"], head["hash"])
    printed = runner.invoke(app, ["--config", str(config_file), "audit", "anchor"])
    assert printed.output.strip() == f"{head['seq']}:{head['hash']}"
    ingest(hub, mail(subject="Báo cáo sau mốc"), Envelope(door="smtp"))  # the chain grows
    checked = runner.invoke(app, ["--config", str(config_file), "audit", "verify", "--anchor",
                                  printed.output.strip()])
    assert checked.exit_code == 0, checked.output
    with hub.engine.begin() as db:  # history rewritten: the old head's hash changes
        db.execute(text("UPDATE audit_entry SET hash = :h WHERE seq = :s"),
                   {"h": "f" * 64, "s": head["seq"]})
    checked = runner.invoke(app, ["--config", str(config_file), "audit", "verify", "--anchor",
                                  printed.output.strip()])
    assert checked.exit_code == 1 and "anchor" in checked.output
    mailed = runner.invoke(app, ["--config", str(config_file), "audit", "anchor", "--mail",
                                 "thanhtra@hanoiedu.vn"])
    assert mailed.exit_code == 0
    with hub.engine.connect() as db:
        assert db.execute(text("SELECT count(*) FROM outbox WHERE kind = 'anchor' AND "
                               "recipient = 'thanhtra@hanoiedu.vn'")).scalar_one() == 1
