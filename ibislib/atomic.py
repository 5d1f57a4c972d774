"""Atomic writes: write to a temporary file or folder beside the target, then rename.

Temporary names are recognisable and carry the writing process id,
``.<name>.ibis-tmp-<pid>-<random>[suffix]``, so that :func:`clean_leftovers` removes exactly the
leftovers of killed ibis runs (dead pid) and nothing else. Files and folders get the user's
umask (``tempfile.mkstemp``/``mkdtemp`` would make them 0600/0700). A folder is replaced in one step with Linux'
``renameat2(RENAME_EXCHANGE)`` where the file system offers it, so there is no moment without
the target.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import re
import secrets
import shutil
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

TMP_TAG = "ibis-tmp"
OLD_TAG = "ibis-old"
_TMP_RE = re.compile(r"^\.(?P<name>.+)\.ibis-(?P<kind>tmp|old)-(?P<pid>\d+)-[0-9a-f]{8}(\.\w+)?$")
# leftovers of ibis versions before the tagged names (tempfile.mkstemp/mkdtemp, ".<name>.old")
_LEGACY_DIR_RE = re.compile(r"^\.(?P<name>.+)\.(?P<rand>[a-z0-9_]{8}|old)$")
_LEGACY_FILE_RE = re.compile(
    r"^\.(?P<name>.+)\.[a-z0-9_]{8}\.(tmp|xlsx|parquet|pdf|docx|png|svg|csv|json|html)$"
)


def current_umask() -> int:
    """The process umask, read without changing it (Linux), else by the set-and-restore dance."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _tmp_name(target: Path, suffix: str = "", tag: str = TMP_TAG) -> Path:
    return target.with_name(f".{target.name}.{tag}-{os.getpid()}-{secrets.token_hex(4)}{suffix}")


def _new_file(target: Path, suffix: str) -> Path:
    for _ in range(100):
        path = _tmp_name(target, suffix)
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666)  # umask applies
        except FileExistsError:
            continue
        os.close(fd)
        return path
    raise FileExistsError(errno.EEXIST, "no free temporary name", str(target))


def _new_dir(target: Path) -> Path:
    for _ in range(100):
        path = _tmp_name(target)
        try:
            path.mkdir(mode=0o777)  # umask applies
        except FileExistsError:
            continue
        return path
    raise FileExistsError(errno.EEXIST, "no free temporary name", str(target))


@contextmanager
def atomic_path(target: str | Path, suffix: str = "") -> Iterator[Path]:
    """Yield a temporary path; on success it replaces `target` in one rename."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp_path = _new_file(target, suffix or ".tmp")
    try:
        yield tmp_path
        if tmp_path.exists():  # a writer may have re-created the file: set the mode last
            os.chmod(tmp_path, 0o666 & ~current_umask())
        os.replace(tmp_path, target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def write_text(target: str | Path, text: str, encoding: str = "utf-8") -> None:
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding=encoding)


def write_bytes(target: str | Path, data: bytes) -> None:
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)


@contextmanager
def temp_dir_beside(target: str | Path) -> Iterator[Path]:
    """A new hidden folder next to `target` (same file system); removed unless moved away."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = _new_dir(target)
    try:
        yield tmp
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux renameat2 RENAME_EXCHANGE); False if unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):  # glibc < 2.28, musl
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    at_fdcwd, rename_exchange = -100, 2
    if fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.EXDEV):
        return False
    raise OSError(err, os.strerror(err), str(b))


def replace_dir(tmp: str | Path, target: str | Path) -> None:
    """Put the folder `tmp` in place of `target`; the previous `target` is removed."""
    tmp, target = Path(tmp), Path(target)
    if not (target.exists() or target.is_symlink()):
        os.replace(tmp, target)
        return
    if _exchange(tmp, target):
        shutil.rmtree(tmp, ignore_errors=True)  # now holds the previous content
        return
    # two renames; a run killed between them leaves ".<name>.ibis-old-…", restored next time
    old = _tmp_name(target, tag=OLD_TAG)
    os.replace(target, old)
    os.replace(tmp, target)
    shutil.rmtree(old, ignore_errors=True)


@contextmanager
def atomic_dir(target: str | Path) -> Iterator[Path]:
    """Yield a temporary directory; on success it replaces `target` (old one removed)."""
    with temp_dir_beside(target) as tmp:
        yield tmp
        replace_dir(tmp, target)


def pid_alive(pid: int) -> bool:
    """Is a process with this id running (on this machine)?"""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie (exited, not yet reaped) writes nothing any more
    with contextlib.suppress(OSError, IndexError):
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        return state != "Z"
    return True


def _remove(p: Path) -> None:
    if p.is_dir() and not p.is_symlink():
        shutil.rmtree(p, ignore_errors=True)
    else:
        p.unlink(missing_ok=True)


def clean_own_temp(folder: str | Path, name: str) -> None:
    """Remove this process's temporary folders/files for `name` (a worker that is stopped)."""
    prefix = f".{name}.{TMP_TAG}-{os.getpid()}-"
    with contextlib.suppress(OSError):
        for p in Path(folder).iterdir():
            if p.name.startswith(prefix):
                _remove(p)


def clean_leftovers(
    folder: str | Path, name: str | None = None, legacy: bool = False
) -> list[Path]:
    """Remove temporary files/folders of killed ibis runs in `folder` (only for `name` if given).

    Only names made by this module whose process is gone are touched; a previous version that
    a run killed between its two renames left as ``ibis-old`` is put back if the target is
    missing. With `legacy`, the untagged names of older ibis versions are removed too — only
    folders that look like an ibis report staging folder, or files with an ibis output suffix.
    """
    folder = Path(folder)
    removed: list[Path] = []
    try:
        entries = sorted(folder.iterdir())
    except OSError:
        return removed
    for p in entries:
        if not p.name.startswith("."):
            continue
        m = _TMP_RE.match(p.name)
        if m:
            if (name is not None and m["name"] != name) or pid_alive(int(m["pid"])):
                continue
            target = folder / m["name"]
            if m["kind"] == "old" and not (target.exists() or target.is_symlink()):
                os.replace(p, target)  # the killed run had moved the previous version away
                continue
            _remove(p)
            removed.append(p)
            continue
        if not legacy:
            continue
        m = _LEGACY_DIR_RE.match(p.name) if p.is_dir() else _LEGACY_FILE_RE.match(p.name)
        if not m or (name is not None and m["name"] != name):
            continue
        if p.is_dir():
            if not (
                (p / "figures").is_dir()
                or (p / "notebooks").is_dir()
                or (p / "manifest.json").is_file()
            ):
                continue
            target = folder / m["name"]
            if m["rand"] == "old" and not target.exists():
                os.replace(p, target)
                continue
        elif time.time() - p.stat().st_mtime < 60:  # an old version may still be writing it
            continue
        _remove(p)
        removed.append(p)
    return removed
