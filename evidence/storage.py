"""Where pack files live: under ``MEDIA_ROOT/evidence/<pack number>/`` (a volume or mounted object store in
production). Files are written to a temporary name and renamed, so a reader never sees half a file and a
re-render (a redelivered task) replaces the artefact instead of adding a second one."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from django.conf import settings


def pack_dir(number: str) -> Path:
    path = Path(settings.MEDIA_ROOT) / "evidence" / number
    path.mkdir(parents=True, exist_ok=True)
    return path


def relative(path: Path) -> str:
    return str(path.relative_to(Path(settings.MEDIA_ROOT)))


def absolute(name: str) -> Path:
    root = Path(settings.MEDIA_ROOT).resolve()
    path = (root / name).resolve()
    if root not in path.parents:
        raise ValueError("pack files live under MEDIA_ROOT")
    return path


def write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
