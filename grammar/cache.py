"""The one file autodiff writes on its own (the parser's tables), read and written so that no
other account can plant it, change it or use it to overwrite another file.

The cache directory (``$XDG_CACHE_HOME/autodiff``) is created 0700, and it is used only when it
is a real directory (not a link) owned by the user and writable by no one else (``write`` makes
the user's own directory private first); the file is read only when it is a regular file,
owned by the user and writable by no one else. Both are
checked on the open descriptors, and every later step goes through the directory's
descriptor, so swapping a path for a link between the check and the use changes nothing. A
file is written to a new temporary name (random, created exclusively, never through a link)
and then renamed over the old one, atomically: a concurrent reader sees all of it or nothing.

Anything that fails is only slower: ``read`` gives None, ``write`` gives up, and the caller
builds the tables in memory. On a system without ``dir_fd`` and ``O_NOFOLLOW`` (Windows)
nothing is cached at all.
"""

from __future__ import annotations

import os
import stat
import zlib
from pathlib import Path

_MAX_BYTES = 1 << 20  # the tables take ~10 kB: a larger file is not ours
_OTHERS_WRITE = stat.S_IWGRP | stat.S_IWOTH
SUPPORTED = (
    hasattr(os, "O_NOFOLLOW")
    and hasattr(os, "O_DIRECTORY")
    and hasattr(os, "getuid")
    and os.open in os.supports_dir_fd
    and os.rename in os.supports_dir_fd  # os.replace is the same call (renameat), unlisted
)


def cache_file(grammar: str, format_: int) -> Path | None:
    """Where the tables of this grammar are kept, or None when nowhere. The key is the grammar
    and the cache format, not Lark's version: the tables are our own plain data, and any Lark
    derives tables that parse the same language (learning its version would cost an import)."""
    if not SUPPORTED:
        return None
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):  # unset, or relative: the XDG spec says to ignore it
        base = os.path.join(os.path.expanduser("~"), ".cache")
        if not os.path.isabs(base):
            return None  # no home directory: do not write into the working directory
    # 64 bits of checksums name the file: no cryptographic strength is needed to tell a few
    # grammars apart, and hashlib would load OpenSSL (~2.5 ms of every start).
    key = f"{format_}\0{grammar}".encode()
    return Path(base, "autodiff", f"grammar-{zlib.crc32(key):08x}{zlib.adler32(key):08x}.json")


def _private(status: os.stat_result) -> bool:
    """Owned by the user and writable by no one else."""
    return status.st_uid == os.getuid() and not status.st_mode & _OTHERS_WRITE


def _open_directory(path: Path, *, tighten: bool = False) -> int:
    """A descriptor of ``path``, a private directory (``PermissionError`` otherwise). With
    ``tighten``, the user's own directory that others may write to (as earlier versions made
    it under umask 002) is made private first, rather than never cached in again: what others
    may have put there is not trusted, since ``read`` checks each file's owner and mode."""
    descriptor = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    status = os.fstat(descriptor)
    if tighten and status.st_uid == os.getuid() and status.st_mode & _OTHERS_WRITE:
        os.fchmod(descriptor, 0o700)
        status = os.fstat(descriptor)
    if not _private(status):
        os.close(descriptor)
        raise PermissionError(f"{path} is not the user's own private directory")
    return descriptor


def read(path: Path) -> str | None:
    """The text of the file at ``path`` when it and its directory are private; else None."""
    try:
        directory = _open_directory(path.parent)
    except OSError:
        return None
    try:
        # O_NONBLOCK: a FIFO planted there must not block the open (fstat then refuses it)
        flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK
        descriptor = os.open(path.name, flags, dir_fd=directory)
        try:
            status = os.fstat(descriptor)
            if not (stat.S_ISREG(status.st_mode) and _private(status)):
                return None  # a FIFO, a device, another account's file, a shared one
            chunks, size = [], 0
            while chunk := os.read(descriptor, _MAX_BYTES + 1 - size):
                chunks.append(chunk)
                size += len(chunk)
                if size > _MAX_BYTES:  # grown since fstat: not ours either
                    return None
        finally:
            os.close(descriptor)
        return b"".join(chunks).decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    finally:
        os.close(directory)


def write(path: Path, text: str) -> None:
    """Put ``text`` at ``path`` atomically, creating its directory 0700; nothing when the
    directory is not the user's own or anything fails."""
    try:
        os.makedirs(path.parent.parent, exist_ok=True)  # e.g. ~/.cache, as the user keeps it
        try:
            os.mkdir(path.parent, 0o700)
        except FileExistsError:
            pass  # checked, as any directory found there, by _open_directory
        directory = _open_directory(path.parent, tighten=True)
    except OSError:
        return
    partial = f"{path.name}.{os.urandom(8).hex()}.tmp"  # a name no one can plant in advance
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
    try:
        descriptor = os.open(partial, flags, 0o600, dir_fd=directory)
    except OSError:
        os.close(directory)
        return
    try:
        try:
            data = memoryview(text.encode("utf-8"))
            while data:
                data = data[os.write(descriptor, data) :]
        finally:
            os.close(descriptor)
        os.replace(partial, path.name, src_dir_fd=directory, dst_dir_fd=directory)
    except OSError:
        try:
            os.unlink(partial, dir_fd=directory)  # ours: created just now, exclusively
        except OSError:
            pass
    finally:
        os.close(directory)
