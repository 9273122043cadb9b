"""Start Django for a command-line handler, once the mode and data directory are known."""

from __future__ import annotations

import os
from pathlib import Path


def setup_django(*, mode: str | None = None, data_dir: str | None = None) -> None:
    """Point Django at orthoregen's settings, in `mode` with data in `data_dir`, and start it.

    Handlers call this first, so the rest of the command line (scoring, for example) runs
    without settings or a database.
    """
    if data_dir:
        os.environ["ORTHOREGEN_DATA_DIR"] = str(Path(data_dir).resolve())
    if mode:
        os.environ["ORTHOREGEN_ENV"] = mode
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orthoregen.web.settings")
    import django

    django.setup()
