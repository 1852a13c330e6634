"""Content-addressed store of the raw bytes of every message, kept unchanged.

A message lives at archive/ab/<sha256>.eml (256 folders: a year of a district's
mail is a few hundred files per folder). It is written to a temporary
file, fsync'd, renamed into place and its folder fsync'd before anyone is told
it is stored, so a crash leaves either the whole file or nothing: at most a temporary
file in archive/tmp, named after the process that wrote it, which remove_leftovers()
deletes once that process is gone.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from mailhub.errors import ArchiveError
from mailhub.running import alive


class Archive:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._tmp = root / "tmp"
        self._made: set[Path] = set()  # folders known to exist durably

    def path_for(self, sha256: str) -> Path:
        return self.root / sha256[:2] / f"{sha256}.eml"

    def store(self, raw: bytes) -> tuple[str, bool]:
        """Store bytes durably; returns (sha256, newly_written). Same bytes, same file."""
        sha256 = hashlib.sha256(raw).hexdigest()
        final = self.path_for(sha256)
        if final.exists():
            return sha256, False
        try:
            self._ensure_dir(self._tmp)
            self._ensure_dir(final.parent)
            fd, tmp_name = tempfile.mkstemp(dir=self._tmp, prefix=f"{sha256[:16]}.{os.getpid()}.",
                                            suffix=".tmp")
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(raw)
                    handle.flush()
                    os.fsync(handle.fileno())
                os.replace(tmp_name, final)
            except BaseException:
                Path(tmp_name).unlink(missing_ok=True)
                raise
            _fsync_dir(final.parent)
        except OSError as exc:
            raise ArchiveError(f"cannot store {sha256} in {self.root}: {exc}") from exc
        return sha256, True

    def read(self, sha256: str) -> bytes:
        try:
            return self.path_for(sha256).read_bytes()
        except OSError as exc:
            raise ArchiveError(f"message {sha256} is missing from {self.root}: {exc}") from exc

    def remove_leftovers(self) -> list[Path]:
        """Delete the temporary files of writers that died (SIGKILL, power loss) before
        renaming them; those of live processes (`mailhub ingest` beside the daemon) stay.
        Returns what was deleted."""
        removed = []
        for path in self._tmp.glob("*.tmp") if self._tmp.is_dir() else []:
            writer = path.name.split(".")[1] if path.name.count(".") >= 2 else ""
            if writer.isdigit() and alive(int(writer)):
                continue
            path.unlink(missing_ok=True)
            removed.append(path)
        return removed

    def _ensure_dir(self, path: Path) -> None:
        if path in self._made:
            return
        if path.is_dir():
            self._made.add(path)
            return
        missing = [p for p in (path, *path.parents) if not p.exists()]
        path.mkdir(parents=True, exist_ok=True)
        for created in reversed(missing):  # make each new folder's name durable too
            _fsync_dir(created.parent)
        self._made.add(path)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
