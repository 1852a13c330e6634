"""The service's log: one line per decision, the same from every process of `serve`."""

from __future__ import annotations

import logging

FORMAT = "%(asctime)s %(levelname)s %(message)s"


def configure() -> None:
    logging.basicConfig(level=logging.INFO, format=FORMAT)
    # aiosmtpd logs every command at INFO, AUTH credentials included; Alembic logs each
    # schema check of each process: keep their warnings only.
    for noisy in ("mail.log", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
