"""Safe file output: atomic writes (temporary file in the same folder, then rename) and no
silent overwrite."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Callable

from hhlif.models.errors import OutputExistsError

__all__ = ["atomic_output", "check_output"]


def check_output(path, force: bool = False) -> Path:
    """Raise :class:`OutputExistsError` if ``path`` exists and ``force`` is false."""
    path = Path(path)
    if path.exists() and not force:
        raise OutputExistsError(f"output {str(path)!r} exists; pass --force (force=True) to"
                                f" overwrite it")
    if path.parent and not path.parent.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
    return path


def atomic_output(path, write: Callable[[str], None], *, force: bool = False) -> Path:
    """Call ``write(tmp_path)`` then rename the temporary file onto ``path``.

    The temporary file lives in the destination folder (same file system, so the rename is
    atomic) and is removed if ``write`` fails: a reader never sees a half-written file.
    """
    path = check_output(path, force)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp" + path.suffix,
                               dir=str(path.parent))
    os.close(fd)
    os.remove(tmp)  # some writers (NIX/HDF5) want to create the file themselves
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    return path
