"""Zip archives (.docx, .xlsx) measured before they are opened: a zip bomb's headers may lie."""

from __future__ import annotations

import io
import zipfile

MAX_MEMBERS = 10_000  # entries in one .docx/.xlsx


def unpacked_size(data: bytes, cap: int) -> int:
    """How many bytes the archive inflates to, counted by inflating it; stops past ``cap`` (a zip
    bomb's headers may lie about its sizes) and past ``MAX_MEMBERS`` entries."""
    total = 0
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            return cap + 1
        for member in members:
            with archive.open(member) as stream:
                while chunk := stream.read(1 << 20):
                    total += len(chunk)
                    if total > cap:
                        return total
    return total
