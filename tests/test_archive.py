"""The archive's group store: one flush pair for a group, each message's fate its own."""

from __future__ import annotations

import ctypes
import errno
import hashlib
from pathlib import Path

import pytest

from mailhub import archive as archive_module
from mailhub.archive import Archive
from mailhub.errors import ArchiveError

from .factory import mail


def sha(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def leftovers(root: Path) -> list[Path]:
    return list((root / "tmp").glob("*")) if (root / "tmp").is_dir() else []


def test_a_group_is_stored_once_per_content_with_its_exact_bytes(tmp_path: Path) -> None:
    archive = Archive(tmp_path / "archive")
    known, new, other = mail(subject="đã lưu trước"), mail(subject="mới"), mail()
    archive.store(known)
    results = archive.store_many([new, known, new, other])
    assert results == [(sha(new), True), (sha(known), False), (sha(new), False),
                       (sha(other), True)]
    for raw in (known, new, other):
        assert archive.read(sha(raw)) == raw
    assert leftovers(archive.root) == []


def test_a_message_that_cannot_be_written_fails_alone(tmp_path: Path) -> None:
    archive = Archive(tmp_path / "archive")
    good, bad = mail(message_id="<good@test>"), mail(message_id="<bad@test>")
    assert sha(good)[:2] != sha(bad)[:2]  # two folders
    archive.root.mkdir()
    (archive.root / sha(bad)[:2]).write_bytes(b"")  # a file where its folder must go
    results = archive.store_many([good, bad])
    assert results[0] == (sha(good), True)
    assert isinstance(results[1], ArchiveError) and sha(bad) in str(results[1])
    assert archive.read(sha(good)) == good
    assert leftovers(archive.root) == []


def test_a_failed_flush_fails_the_group_and_leaves_no_temporary_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def failing_syncfs(fd: int) -> int:
        ctypes.set_errno(errno.EIO)
        return -1

    assert archive_module._syncfs is not None  # Linux: a group is flushed with syncfs
    monkeypatch.setattr(archive_module, "_syncfs", failing_syncfs)
    archive = Archive(tmp_path / "archive")
    group = [mail(subject="một"), mail(subject="hai")]
    results = archive.store_many(group)
    assert all(isinstance(result, ArchiveError) and "Input/output error" in str(result)
               for result in results)
    assert not any(archive.path_for(sha(raw)).exists() for raw in group)
    assert leftovers(archive.root) == []


def test_a_group_in_a_fresh_archive_is_made_durable_by_its_two_flushes_alone(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The folders a group creates are made durable by the group's flushes of the whole
    file system: no fsync each (a fresh archive has 256 to make)."""
    real_syncfs = archive_module._syncfs
    assert real_syncfs is not None
    calls = {"fsync": 0, "syncfs": 0}

    def counted_syncfs(fd: int) -> int:
        calls["syncfs"] += 1
        return real_syncfs(fd)

    def counted_fsync(fd: int) -> None:
        calls["fsync"] += 1

    monkeypatch.setattr(archive_module, "_syncfs", counted_syncfs)
    monkeypatch.setattr(archive_module.os, "fsync", counted_fsync)
    archive = Archive(tmp_path / "state" / "archive")
    group = [mail(subject=f"báo cáo {i}") for i in range(40)]
    assert len({sha(raw)[:2] for raw in group}) > 30  # many new folders
    assert archive.store_many(group) == [(sha(raw), True) for raw in group]
    assert calls == {"fsync": 0, "syncfs": 2}
    assert all(archive.read(sha(raw)) == raw for raw in group)
    alone = next(raw for raw in (mail(subject=f"một mình {i}") for i in range(1000))
                 if sha(raw)[:2] in {sha(raw)[:2] for raw in group})
    archive.store(alone)  # in a folder the group made: the file, then the folder
    assert calls["fsync"] == 2
