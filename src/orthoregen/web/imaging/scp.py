"""A DICOM C-STORE SCP (pynetdicom) that receives MR images and ingests each study.

Images are gathered per association; when the sender releases the association (or it is
aborted or closed) each study received is ingested by the same service as an upload
(imaging.services.study_ingest), one transaction per study. Only the MR storage SOP
classes are accepted, in the uncompressed transfer syntaxes and those pydicom can store
unchanged.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.db import close_old_connections, connection
from pynetdicom import AE, evt
from pynetdicom.sop_class import (  # type: ignore[attr-defined]
    EnhancedMRImageStorage,
    MRImageStorage,
    MRSpectroscopyStorage,
)

from orthoregen.web.imaging.models import ReceivedVia
from orthoregen.web.imaging.services import Instance, Outcome, ingest

if TYPE_CHECKING:
    from pynetdicom.transport import ThreadedAssociationServer

    from orthoregen.web.accounts.models import Site

log = logging.getLogger(__name__)
MR_STORAGE = (MRImageStorage, EnhancedMRImageStorage, MRSpectroscopyStorage)
SUCCESS = 0x0000
OUT_OF_RESOURCES = 0xA700


class StudyReceiver:
    """Collects each association's images and ingests them when the association ends."""

    def __init__(self, *, site: Site | None,
                 report: Callable[[Outcome], None] | None = None) -> None:
        self.site = site
        self.report = report or (lambda outcome: log.info("%s: %s", outcome.study_uid,
                                                          outcome))
        self._received: dict[int, tuple[str, list[Instance]]] = {}
        self._lock = threading.Lock()
        self.outcomes: list[Outcome] = []

    def handlers(self) -> list[Any]:
        return [(evt.EVT_C_STORE, self.on_store), (evt.EVT_RELEASED, self.on_end),
                (evt.EVT_ABORTED, self.on_end), (evt.EVT_CONN_CLOSE, self.on_end)]

    def on_store(self, event: Any) -> int:
        try:
            ds = event.dataset
            ds.file_meta = event.file_meta
        except Exception:  # a dataset pydicom cannot decode: tell the sender
            log.exception("could not decode a C-STORE dataset")
            return OUT_OF_RESOURCES
        calling = event.assoc.requestor.ae_title
        with self._lock:
            _, images = self._received.setdefault(id(event.assoc), (calling, []))
            images.append(Instance(f"{calling}: {ds.get('SOPInstanceUID', '?')}", ds))
        return SUCCESS

    def on_end(self, event: Any) -> None:
        with self._lock:
            calling, images = self._received.pop(id(event.assoc), ("", []))
        if not images:
            return
        close_old_connections()
        try:
            for outcome in ingest(images, site=self.site, received_via=ReceivedVia.NETWORK,
                                  received_from=f"AE {calling}"):
                self.outcomes.append(outcome)
                self.report(outcome)
        finally:
            connection.close()  # this thread's connection, not the server's


def application_entity(ae_title: str) -> AE:
    ae = AE(ae_title=ae_title)
    for sop_class in MR_STORAGE:
        ae.add_supported_context(sop_class)
    return ae


def start(*, port: int, ae_title: str = "ORTHOREGEN", site: Site | None = None,
          host: str = "127.0.0.1", block: bool = False,
          report: Callable[[Outcome], None] | None = None
          ) -> tuple[ThreadedAssociationServer | None, StudyReceiver]:
    """Start the SCP; with block=False return the running server (call .shutdown())."""
    receiver = StudyReceiver(site=site, report=report)
    ae = application_entity(ae_title)
    server = ae.start_server((host, port), block=block, evt_handlers=receiver.handlers())
    return server, receiver
