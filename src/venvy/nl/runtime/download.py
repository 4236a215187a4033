"""Download a model file: progress to a callback, sha256 check, resume of a partial file.

A .part file beside the destination holds what has arrived; the next try asks for the
rest with an HTTP Range request. Only http:// and https:// URLs. Every failure is a
ModelError with a sentence a person can act on.
"""

from __future__ import annotations

import http.client
import os
import re
import urllib.error
import urllib.request
from pathlib import Path
from typing import Callable

from venvy.errors import ModelError
from venvy.nl.files import sha256 as file_sha256

CHUNK = 1 << 16

Progress = Callable[[int, "int | None"], None]  # (bytes done, total bytes or None)


def download(
    url: str, dest: Path, sha256: str, *, progress: Progress | None = None, timeout: float = 30.0
) -> Path:
    """Fetch `url` into `dest`, resuming a previous `dest`.part, and check its sha256.

    A checksum mismatch deletes the .part file (the next try starts afresh); a
    network error keeps it (the next try resumes).
    """
    if not url.startswith(("http://", "https://")):
        raise ModelError(f"cannot download {url!r}: only http:// and https:// URLs are supported.")
    expected = sha256.lower()
    dest = Path(dest)
    part = dest.with_name(dest.name + ".part")
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ModelError(f"cannot create {dest.parent}: {exc.strerror or exc}") from None
    complete = False
    for _attempt in range(2):
        done = part.stat().st_size if part.is_file() else 0
        try:
            complete = _fetch(url, part, done, progress, timeout)
        except urllib.error.HTTPError as exc:
            if exc.code == 416 and done:  # the .part already holds everything (or is bogus)
                complete = True
            else:
                raise ModelError(f"could not download {url}: HTTP {exc.code} {exc.reason}.") from None
        except (urllib.error.URLError, http.client.HTTPException, OSError, TimeoutError) as exc:
            reason = getattr(exc, "reason", None) or exc
            raise ModelError(
                f"could not download {url}: {reason}. Run the command again to resume."
            ) from None
        if not complete:
            continue
        actual = file_sha256(part)
        if actual == expected:
            os.replace(part, dest)
            return dest
        part.unlink(missing_ok=True)
        if done == 0:
            break  # a fresh download with the wrong bytes: retrying will not help
    if not complete:
        raise ModelError(f"the download of {url} stopped early. Run the command again to resume.")
    raise ModelError(
        f"the download of {url} does not match its sha256 (expected {expected[:12]}…); it was deleted. "
        "Check the URL and checksum."
    )


def _fetch(url: str, part: Path, done: int, progress: Progress | None, timeout: float) -> bool:
    """Append the rest of `url` to `part`; True when the server says it sent everything."""
    from venvy import __version__

    headers = {"User-Agent": f"venvy/{__version__}"}
    if done:
        headers["Range"] = f"bytes={done}-"
    request = urllib.request.Request(url, headers=headers)
    with urllib.request.urlopen(request, timeout=timeout) as response:
        total = None
        if done and response.status == 206:
            match = re.match(r"bytes (\d+)-\d+/(\d+|\*)", response.headers.get("Content-Range", ""))
            if not match or int(match.group(1)) != done:
                part.unlink(missing_ok=True)
                return False  # a range we did not ask for: start again from zero
            total = int(match.group(2)) if match.group(2) != "*" else None
            mode = "ab"
        else:  # 200: the server ignores Range; start from zero
            done, mode = 0, "wb"
            length = response.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
        if progress:
            progress(done, total)
        with open(part, mode) as fh:
            while block := response.read(CHUNK):
                fh.write(block)
                done += len(block)
                if progress:
                    progress(done, total)
    return total is None or done >= total
