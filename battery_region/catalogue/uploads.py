"""Files editors upload for import, kept between the validation report and the confirmation.

A file is stored under a random token (never a name the client chose) and deleted when its import is
confirmed or fails validation. A report that is never confirmed would leave its file behind: storing a new
upload deletes the ones older than `MAX_AGE`, so nothing an editor sent stays longer than that.
"""

from __future__ import annotations

import datetime as dt
import re
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.http import Http404

UPLOAD_DIR = "imports"
MAX_AGE = dt.timedelta(days=1)
TOKEN_RE = re.compile(r"^[0-9a-f]{32}(\.[a-z0-9]{1,5})?$")


def upload_directory() -> Path:
    return Path(settings.MEDIA_ROOT) / UPLOAD_DIR


def store_upload(upload: UploadedFile) -> tuple[str, Path]:
    """Save `upload` under a new token; (token, path). Uploads older than `MAX_AGE` are deleted first."""
    directory = upload_directory()
    directory.mkdir(parents=True, exist_ok=True)
    purge_stale_uploads(directory)
    suffix = re.sub(r"[^.a-z0-9]", "", Path(upload.name or "").suffix.lower())[:6]
    token = f"{uuid.uuid4().hex}{suffix}"
    path = directory / token
    with path.open("wb") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    return token, path


class UploadGone(Exception):  # noqa: N818 - names the situation, not an error kind
    """The token is one of ours but its file is gone: imported already, or older than `MAX_AGE`."""


def upload_path(token: str) -> Path:
    """The stored upload a token from our own form names: 404 for anything else, `UploadGone` if deleted."""
    if not TOKEN_RE.match(token):
        raise Http404
    path = upload_directory() / token
    if not path.is_file():
        raise UploadGone(token)
    return path


def purge_stale_uploads(directory: Path) -> None:
    """Delete the uploads in `directory` last written more than `MAX_AGE` ago (other files are not ours)."""
    cutoff = time.time() - MAX_AGE.total_seconds()
    for path in directory.iterdir():
        if path.is_file() and TOKEN_RE.match(path.name) and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
