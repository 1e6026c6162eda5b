"""Writing files: whole or not at all, private, and never through a planted link.

Every file supportctl writes (saved attachments, backups, `duty.ics`, invoices, outbox
mail, drafts, copied templates, the config) goes through `write_file`:

- the data goes to a temporary file next to the target, which is then renamed (or,
  when an existing file must be kept, hard-linked) into place, so a full disk or a
  crash never leaves a 0-byte or partial file, and a retry finds nothing in its way;
- the file is 0600 and any folder created for it 0700, whatever the umask (a group
  set-up asks for 0660 explicitly);
- the temporary file is created with O_EXCL | O_NOFOLLOW and the rename replaces a
  link rather than writing through it, so a symlink planted at the target or the
  temporary name is never followed;
- a name longer than 255 bytes is cut on a character boundary (`fit_name`) by callers
  that make names up; a name the user typed is refused instead.

A full disk is `StoreError` (exit 7) "disk full: … nothing was changed".
"""

from __future__ import annotations

import errno
import os
import secrets
import stat
from pathlib import Path

from supportctl.errors import InputError, StoreError, SupportctlError

NAME_MAX = 255  # bytes, on every file system supportctl is used on


def fit_name(name: str, limit: int = NAME_MAX) -> str:
    """`name` cut to `limit` bytes of UTF-8 on a character boundary, keeping a short
    extension (`.pdf`) when there is one."""
    if len(name.encode("utf-8", "surrogateescape")) <= limit:
        return name
    stem, dot, ext = name.rpartition(".")
    suffix = (
        f".{ext}" if dot and stem and 0 < len(ext.encode("utf-8", "surrogateescape")) <= 16 else ""
    )
    if not suffix:
        stem = name
    room = limit - len(suffix.encode("utf-8", "surrogateescape"))
    cut = stem.encode("utf-8", "surrogateescape")[:room].decode("utf-8", "ignore")
    return cut + suffix


def failure(exc: OSError, what: str, path: Path) -> SupportctlError:
    """An OSError while writing `what` at `path` as the error the boundary prints."""
    reason = exc.strerror or str(exc)
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return StoreError(f"disk full: cannot write {what} {path}; nothing was changed")
    if exc.errno == errno.EROFS:
        return StoreError(f"read-only: cannot write {what} {path}; nothing was changed")
    if exc.errno in (errno.EACCES, errno.EPERM):
        return StoreError(
            f"cannot write {what} {path}: permission denied; nothing was changed",
            hint="`supportctl doctor` explains who may write where",
        )
    if exc.errno == errno.EIO:
        return StoreError(f"cannot write {what} {path}: {reason}; nothing was changed")
    return InputError(f"cannot write {what} {path}: {reason}")


def private_dir(folder: Path, what: str = "folder") -> None:
    """Create `folder` and any missing parents as 0700; existing folders are left as
    they are. Inside a group-shared folder (setgid, see `init --group`) a new folder is
    shared the same way (2770), so colleagues can keep writing there."""
    missing: list[Path] = []
    probe = folder
    while not probe.exists():
        missing.append(probe)
        if probe.parent == probe:
            break
        probe = probe.parent
    if probe.exists() and not probe.is_dir():
        raise InputError(f"{what}: {probe} is a file, not a folder")
    for one in reversed(missing):
        try:
            shared = os.stat(one.parent).st_mode & stat.S_ISGID
        except OSError:
            shared = 0
        mode = 0o2770 if shared else 0o700
        try:
            os.mkdir(one, 0o700)
        except FileExistsError:
            continue
        except OSError as exc:
            raise failure(exc, what, one) from None
        os.chmod(one, mode)


def check_target(path: Path, what: str) -> None:
    """Refuse a target that cannot be a file name: empty, a folder, or over 255 bytes."""
    if str(path) in ("", ".") or path.name in ("", ".", ".."):
        raise InputError(f"{what}: '{path}' is not a file name")
    if path.is_dir():
        raise InputError(f"{what}: {path} is a directory; give a file name")
    if len(path.name.encode("utf-8", "surrogateescape")) > NAME_MAX:
        raise InputError(f"{what}: the file name is longer than {NAME_MAX} bytes")
    if len(os.fsencode(path)) > 4000:
        raise InputError(f"{what}: the path is too long")


def temp_path(path: Path) -> Path:
    """A fresh, hidden name next to `path` for the data on its way in."""
    stem = fit_name(f".{path.name}", NAME_MAX - 16)
    return path.with_name(f"{stem}.{secrets.token_hex(4)}.tmp")


def write_file(
    path: Path,
    data: bytes,
    *,
    what: str = "file",
    overwrite: bool = False,
    mode: int = 0o600,
) -> Path:
    """Write `data` to `path` whole (see the module doc) and return `path`.

    With `overwrite` an existing file (or link) at `path` is replaced in one step;
    without it an existing name is an error and nothing is written.
    """
    check_target(path, what)
    private_dir(path.parent, what)
    if not overwrite and (path.exists() or path.is_symlink()):
        raise InputError(f"{path} already exists; nothing was written", hint="choose another name")
    temp = temp_path(path)
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, mode)
        try:
            os.fchmod(fd, mode)
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)
        place(temp, path, overwrite=overwrite, what=what)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise failure(exc, what, path) from None
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return path


def place(temp: Path, path: Path, *, overwrite: bool, what: str = "file") -> None:
    """Move the finished `temp` to `path`: a rename, or a link that refuses an existing
    name (including a dangling symlink) when the old file must be kept."""
    if overwrite:
        os.replace(temp, path)
        return
    try:
        os.link(temp, path, follow_symlinks=False)
    except FileExistsError:
        temp.unlink(missing_ok=True)
        raise InputError(
            f"{path} already exists; nothing was written", hint="choose another name"
        ) from None
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EXDEV, errno.EMLINK):
            raise
        if path.exists() or path.is_symlink():  # a file system without hard links
            temp.unlink(missing_ok=True)
            raise InputError(f"{path} already exists; nothing was written") from None
        os.rename(temp, path)
        return
    temp.unlink(missing_ok=True)
