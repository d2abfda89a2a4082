"""A Word document printed to PDF by LibreOffice headless (Debian: libreoffice-writer-nogui)."""

from __future__ import annotations

import logging
import shutil
import subprocess
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)
TIMEOUT = 180  # seconds: the first start of LibreOffice with a fresh profile is slow


def office() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def to_pdf(docx: Path) -> Path | None:
    """``docx`` printed to PDF beside it; None when LibreOffice is not installed or fails (logged)."""
    soffice = office()
    if soffice is None:
        return None
    with tempfile.TemporaryDirectory(prefix="htx-lo-") as profile:  # its own profile: runs never share a lock
        try:
            subprocess.run(
                [
                    soffice,
                    f"-env:UserInstallation=file://{profile}",
                    "--headless",
                    "--convert-to",
                    "pdf",
                    "--outdir",
                    str(docx.parent),
                    str(docx),
                ],
                check=True,
                capture_output=True,
                timeout=TIMEOUT,
            )
        except (subprocess.SubprocessError, OSError):
            log.exception("LibreOffice could not print %s", docx.name)
            return None
    pdf = docx.with_suffix(".pdf")
    return pdf if pdf.exists() else None
