"""Content-addressed store of the raw bytes of every message, kept unchanged.

A message lives at archive/ab/<sha256>.eml (256 folders: a year of a district's
mail is a few hundred files per folder). It is written to a temporary
file, made durable, renamed into place and the new name made durable before anyone is
told it is stored, so a crash leaves either the whole file or nothing: at most a
temporary file in archive/tmp, named after the process that wrote it, which
remove_leftovers() deletes once that process is gone.

One message is made durable with an fsync of its file and of its folder. A group
(store_many) is made durable with two flushes of the whole file system (Linux syncfs),
one before the renames and one after: two fsyncs per message cost the kernel about six
times more than two flushes per group.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import tempfile
from collections.abc import Callable, Iterable, Sequence
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
            tmp = self._write(sha256, raw)
            try:
                _sync([tmp])
                os.replace(tmp, final)
            except BaseException:
                tmp.unlink(missing_ok=True)
                raise
            _sync([final.parent])
        except OSError as exc:
            raise self._failed(sha256, exc) from exc
        return sha256, True

    def store_many(self, raws: Sequence[bytes]) -> list[tuple[str, bool] | ArchiveError]:
        """store() for a group, made durable together (see the module's note). A message
        that cannot be written (disk full) fails alone; a failed flush fails the group."""
        shas = [hashlib.sha256(raw).hexdigest() for raw in raws]
        results: list[tuple[str, bool] | ArchiveError] = [(sha256, False) for sha256 in shas]
        written: dict[str, tuple[Path, int]] = {}  # sha256 -> temporary file, first place
        for place, (sha256, raw) in enumerate(zip(shas, raws, strict=True)):
            if sha256 in written or self.path_for(sha256).exists():
                continue
            try:
                written[sha256] = (self._write(sha256, raw), place)
            except OSError as exc:
                results[place] = self._failed(sha256, exc)
        if not written:
            return results
        try:
            _sync([tmp for tmp, _ in written.values()], self.root)  # the bytes, then names
            for sha256, (tmp, _) in written.items():
                os.replace(tmp, self.path_for(sha256))
            _sync({self.path_for(sha256).parent for sha256 in written}, self.root)
        except OSError as exc:
            for tmp, _ in written.values():
                tmp.unlink(missing_ok=True)
            return [self._failed(sha256, exc) if sha256 in written else result
                    for sha256, result in zip(shas, results, strict=True)]
        for sha256, (_, place) in written.items():
            results[place] = (sha256, True)
        return results

    def _failed(self, sha256: str, exc: OSError) -> ArchiveError:
        return ArchiveError(f"cannot store {sha256} in {self.root}: {exc}")

    def _write(self, sha256: str, raw: bytes) -> Path:
        """The bytes in a new temporary file (not yet durable); nothing left on failure."""
        self._ensure_dir(self._tmp)
        self._ensure_dir(self.path_for(sha256).parent)
        fd, name = tempfile.mkstemp(dir=self._tmp, prefix=f"{sha256[:16]}.{os.getpid()}.",
                                    suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(raw)
        except BaseException:
            Path(name).unlink(missing_ok=True)
            raise
        return Path(name)

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
        _sync([created.parent for created in reversed(missing)])  # new folders' names too
        self._made.add(path)


def _sync(paths: Iterable[Path], whole: Path | None = None) -> None:
    """Make these files or folders durable: with `whole`, by one flush of the file system
    that holds it where Linux's syncfs is at hand; else an fsync each."""
    if whole is not None and _syncfs is not None:
        fd = os.open(whole, os.O_RDONLY)
        try:
            if _syncfs(fd) != 0:
                error = ctypes.get_errno()
                raise OSError(error, os.strerror(error))
        finally:
            os.close(fd)
        return
    for path in paths:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _find_syncfs() -> Callable[[int], int] | None:
    try:
        found: Callable[[int], int] = ctypes.CDLL(None, use_errno=True).syncfs
    except (OSError, AttributeError):  # not Linux (or not glibc/musl)
        return None
    return found


_syncfs = _find_syncfs()
