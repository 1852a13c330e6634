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

import contextlib
import ctypes
import hashlib
import itertools
import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from mailhub.errors import ArchiveError
from mailhub.running import alive


class Archive:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._tmp = root / "tmp"
        self._made: set[str] = set()  # folders known to exist durably
        self._written = itertools.count()  # temporary files named by this process

    def path_for(self, sha256: str) -> Path:
        return Path(self._place(sha256))

    def _place(self, sha256: str) -> str:
        """path_for() as a string: a group's writes build a few paths per message, and
        pathlib's parsing of them was most of the archive's own CPU time."""
        return f"{self.root}/{sha256[:2]}/{sha256}.eml"

    def store(self, raw: bytes) -> tuple[str, bool]:
        """Store bytes durably; returns (sha256, newly_written). Same bytes, same file."""
        sha256 = hashlib.sha256(raw).hexdigest()
        final = self.path_for(sha256)
        if final.exists():
            return sha256, False
        try:
            self._ensure_dirs(sha256)
            tmp = self._write(sha256, raw)
            try:
                _sync([tmp])
                os.replace(tmp, final)
            except BaseException:
                _remove(tmp)
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
        written: dict[str, tuple[str, int]] = {}  # sha256 -> temporary file, first place
        made: set[str] = set()  # folders made for the group, durable with its first flush
        for place, (sha256, raw) in enumerate(zip(shas, raws, strict=True)):
            if sha256 in written or os.path.exists(self._place(sha256)):
                continue
            try:
                self._ensure_dirs(sha256, made)
                written[sha256] = (self._write(sha256, raw), place)
            except OSError as exc:
                results[place] = self._failed(sha256, exc)
        if not written:
            return results
        try:
            _sync([tmp for tmp, _ in written.values()], self.root)  # the bytes, then names
            self._made.update(made)
            for sha256, (tmp, _) in written.items():
                os.replace(tmp, self._place(sha256))
            _sync({os.path.dirname(self._place(sha256)) for sha256 in written}, self.root)
        except OSError as exc:
            for tmp, _ in written.values():
                _remove(tmp)
            return [self._failed(sha256, exc) if sha256 in written else result
                    for sha256, result in zip(shas, results, strict=True)]
        for sha256, (_, place) in written.items():
            results[place] = (sha256, True)
        return results

    def _failed(self, sha256: str, exc: OSError) -> ArchiveError:
        return ArchiveError(f"cannot store {sha256} in {self.root}: {exc}")

    def _write(self, sha256: str, raw: bytes) -> str:
        """The bytes in a new temporary file (not yet durable) in a folder made before;
        nothing left on failure. Its name holds the writing process's id (see
        remove_leftovers) and a number of this process's own: unique without tempfile's
        random names, which cost more here."""
        while True:
            name = f"{self._tmp}/{sha256[:16]}.{os.getpid()}.{next(self._written)}.tmp"
            try:
                fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
                break
            except FileExistsError:  # left by an earlier process of the same id
                continue
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(raw)
        except BaseException:
            _remove(name)
            raise
        return name

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

    def _ensure_dirs(self, sha256: str, flushed: set[str] | None = None) -> None:
        """The folders a message's file is written in, then renamed into (_ensure_dir)."""
        self._ensure_dir(str(self._tmp), flushed)
        self._ensure_dir(os.path.dirname(self._place(sha256)), flushed)

    def _ensure_dir(self, folder: str, flushed: set[str] | None = None) -> None:
        """Make a folder, durably. `flushed`: the folders of a group the caller makes
        durable by flushing the whole file system (syncfs), which makes a new folder durable
        too: it is only made then, and added there (a fresh archive's 256 folders would
        otherwise cost an fsync each)."""
        if folder in self._made or (flushed is not None and folder in flushed):
            return
        path = Path(folder)
        if not path.is_dir():
            missing = [p for p in (path, *path.parents) if not p.exists()]
            path.mkdir(parents=True, exist_ok=True)
            if flushed is not None and _syncfs is not None:
                flushed.add(folder)
                return
            _sync([created.parent for created in reversed(missing)])  # new folders' names too
        self._made.add(folder)


def _remove(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


def _sync(paths: Iterable[Path | str], whole: Path | None = None) -> None:
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
