"""Safe file output shared by every hhlif command (analysis and simulation side).

One rule for every file hhlif writes: the data goes to a temporary file in the destination
folder, and only a complete file appears under the final name.  Without ``force`` the last
step is a hard link, which the operating system refuses when the target exists, so two
concurrent writers can never both succeed (a check before a rename could not promise
that).  With ``force`` the last step is :func:`os.replace`.  The file gets the permissions
the user's umask allows (not the 0600 of :func:`tempfile.mkstemp`), so a cache shared by
several workers or a result shared by a group stays readable.

Examples
--------
>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> path = atomic_output(folder / "a.txt", lambda tmp: pathlib.Path(tmp).write_text("1"))
>>> path.read_text()
'1'
>>> atomic_output(folder / "a.txt", lambda tmp: pathlib.Path(tmp).write_text("2"))
... # doctest: +IGNORE_EXCEPTION_DETAIL
Traceback (most recent call last):
...
hhlif.analysis.errors.OutputExistsError: output ... exists; pass --force (force=True) to overwrite it
"""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path
from typing import Callable, Iterable

from .errors import OutputExistsError

__all__ = ["atomic_output", "write_text", "text_writer", "check_output", "check_outputs", "check_folder", "TEMPORARY_MARK",
           "umask_mode", "stale_temporaries", "remove_stale_temporaries", "process_alive",
           "temporary_owner", "writer_gone", "host_name"]

#: Every temporary file of an atomic write has this in its name
#: (``.NAME.hhlif-tmp-PID@HOST@XXXX``), so leftovers of a killed write can be found and removed:
#: the next write of the same file removes those whose process is gone, and
#: ``hhlif cache clean`` removes them from the caches.
TEMPORARY_MARK = ".hhlif-tmp-"


def umask_mode(base: int = 0o666) -> int:
    """``base`` with the process umask applied (the mode ``open()`` would give a new file)."""
    mask = os.umask(0)
    os.umask(mask)
    return base & ~mask


def _exists_message(path: Path) -> str:
    return f"output {str(path)!r} exists; pass --force (force=True) to overwrite it"


def check_output(path, force: bool = False, *, inputs: Iterable = ()) -> Path:
    """Check that ``path`` can be written, before any work is done.

    Raises :class:`OutputExistsError` if it exists and ``force`` is false, ``ValueError`` if
    it is one of ``inputs`` (an output never replaces the file it is computed from), and
    ``PermissionError`` / ``NotADirectoryError`` if its folder cannot be created or written.
    Nothing is created: a missing folder is made when the file is written.
    """
    path = Path(path)
    for source in inputs:
        if source is not None and _same_file(path, Path(source)):
            raise ValueError(f"output {str(path)!r} is also an input file; choose another output"
                             f" path (an output never replaces its input)")
    if path.is_dir():
        raise IsADirectoryError(f"output {str(path)!r} is a folder; expected a file path")
    if path.exists() and not force:
        raise OutputExistsError(_exists_message(path))
    folder = path.parent if str(path.parent) else Path(".")
    check_folder(folder, what=f"output {str(path)!r}")
    return path


def check_folder(folder, *, what: str | None = None, create: bool = False) -> Path:
    """Check that ``folder`` exists or can be created, and that files can be written in it
    (its nearest existing ancestor is a writable folder); ``create`` makes it."""
    folder = Path(folder)
    what = what or f"output folder {str(folder)!r}"
    existing = folder
    while not existing.exists():
        if existing.parent == existing:
            break
        existing = existing.parent
    if existing.exists() and not existing.is_dir():
        raise NotADirectoryError(f"{what}: {str(existing)!r} is a file, not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise PermissionError(f"{what}: folder {str(existing)!r} is not writable")
    if not create:
        return folder
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PermissionError(f"{what}: cannot create folder {str(folder)!r}"
                              f" ({exc.strerror or exc})") from None
    return folder


def check_outputs(paths: Iterable, force: bool = False, *, inputs: Iterable = ()) -> list[Path]:
    """:func:`check_output` for each of ``paths`` (``None`` entries skipped), all before any
    work; two options naming the same file are refused."""
    checked: list[Path] = []
    inputs = [i for i in inputs if i is not None]
    for p in paths:
        if p is None:
            continue
        path = check_output(p, force, inputs=inputs)
        if any(_same_file(path, q) for q in checked):
            raise ValueError(f"output {str(path)!r} is named twice; give each output its own path")
        checked.append(path)
    return checked


def _same_file(a: Path, b: Path) -> bool:
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
    except OSError:
        pass
    return os.path.abspath(a) == os.path.abspath(b)


def atomic_output(path, write: Callable[[str], None], *, force: bool = False) -> Path:
    """Call ``write(tmp_path)``, then move the complete file to ``path``.

    The temporary file lives in the destination folder (same file system) and is removed if
    ``write`` fails or is interrupted: a reader never sees a half-written file.  Without
    ``force`` an existing ``path`` is never replaced, even one that appeared while ``write``
    ran (another process writing the same file): the loser gets
    :class:`OutputExistsError` and its temporary file is removed.
    """
    path = check_output(path, force)
    check_folder(path.parent if str(path.parent) else Path("."), create=True)
    remove_stale_temporaries(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}{TEMPORARY_MARK}{_owner_tag()}",
                               suffix=path.suffix, dir=str(path.parent))
    os.close(fd)
    os.remove(tmp)  # some writers (NIX/HDF5) want to create the file themselves
    try:
        write(tmp)
        os.chmod(tmp, umask_mode())
        if force:
            os.replace(tmp, path)
        else:
            _link_exclusive(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return path



def text_writer(text: str) -> Callable[[str], None]:
    """A writer for :func:`atomic_output`: ``text`` as UTF-8 into the temporary path."""
    def write(tmp: str) -> None:
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(text)
    return write


def write_text(path, text: str, *, force: bool = False) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically: :func:`atomic_output` of
    :func:`text_writer`; an existing file is replaced only with ``force``."""
    return atomic_output(path, text_writer(text), force=force)

def host_name() -> str:
    """This machine's name as temporary file names carry it."""
    import socket

    return "".join(c for c in socket.gethostname() if c.isalnum() or c in ".-_") or "host"


def _owner_tag() -> str:
    return f"{os.getpid()}@{host_name()}@"


def temporary_owner(path) -> tuple[int, str] | None:
    """(pid, host) of the writer of an atomic write's temporary file, from its name
    (``.NAME.hhlif-tmp-PID@HOST@XXXX``); None for other names."""
    name = Path(path).name
    if TEMPORARY_MARK not in name:
        return None
    parts = name.split(TEMPORARY_MARK, 1)[1].split("@", 2)
    if len(parts) < 3 or not parts[0].isdigit():
        return None
    return int(parts[0]), parts[1]


def writer_gone(path) -> bool:
    """Whether the writer of a temporary file is known to be gone: it ran on this host and
    its process no longer exists.  A file written on another host (a cache shared by
    workers) is never judged here."""
    owner = temporary_owner(path)
    return owner is not None and owner[1] == host_name() and not process_alive(owner[0])


def stale_temporaries(folder) -> list[Path]:
    """Temporary files of atomic writes in ``folder`` whose writing process is gone (killed
    with SIGKILL or by a power cut, the only ways a write leaves one behind)."""
    folder = Path(folder)
    try:
        candidates = list(folder.glob(f".*{TEMPORARY_MARK}*"))
    except OSError:
        return []
    return [c for c in candidates if writer_gone(c)]


def remove_stale_temporaries(path) -> list[Path]:
    """Remove the leftovers of killed writes of ``path`` (see :func:`stale_temporaries`)."""
    path = Path(path)
    removed = []
    for candidate in stale_temporaries(path.parent if str(path.parent) else Path(".")):
        if candidate.name.startswith(f".{path.name}{TEMPORARY_MARK}"):
            try:
                candidate.unlink()
                removed.append(candidate)
            except OSError:
                pass
    return removed


def process_alive(pid: int) -> bool:
    """Whether a process with this pid exists (ours always does)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _link_exclusive(tmp: str, path: Path) -> None:
    """Give ``tmp`` the name ``path`` only if ``path`` does not exist (atomically)."""
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise OutputExistsError(_exists_message(path)) from None
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK):
            raise
        # a file system without hard links: claim the name with O_EXCL, then replace it
        # (readers may see the empty placeholder for that moment; it is removed on failure)
        try:
            os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, umask_mode()))
        except FileExistsError:
            raise OutputExistsError(_exists_message(path)) from None
        try:
            os.replace(tmp, path)
        except BaseException:
            os.remove(path)
            raise
