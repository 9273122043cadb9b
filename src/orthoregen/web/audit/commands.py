"""`orthoregen audit verify`: walk the access records' hash chain and report the first break.

Exit status 0 when every record is intact and in place, 1 at the first edited, deleted or
out-of-place record (audit/chain.py), so that a nightly job can alert on it.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from orthoregen.web.django_setup import setup_django

if TYPE_CHECKING:
    from orthoregen.web.audit.chain import Break


def chain_verify() -> Break | None:
    """Return the first break in the stored chain, or None; needs Django set up."""
    from orthoregen.web.audit.chain import HASHED_FIELDS, chain_check
    from orthoregen.web.audit.models import AccessChainHead, AccessRecord

    head = AccessChainHead.objects.filter(pk=1).first()
    rows = AccessRecord.objects.order_by("sequence").values(
        "id", "record_hash", *HASHED_FIELDS).iterator(chunk_size=2000)
    return chain_check(rows, head_length=head.length if head else None,
                       head_hash=head.last_hash if head else None)


def verify(args: argparse.Namespace) -> int:
    setup_django(data_dir=args.data_dir)
    from orthoregen.web.audit.models import AccessRecord

    broken = chain_verify()
    if broken is None:
        print(f"orthoregen audit verify: {AccessRecord.objects.count()} access records, "
              "chain intact.")
        return 0
    where = f"record {broken.sequence}" if broken.sequence else "the chain"
    if broken.record_id:
        where += f" (id {broken.record_id})"
    print(f"orthoregen audit verify: BROKEN at {where}: {broken.reason}.", file=sys.stderr)
    return 1


def register(subparsers: Any) -> None:
    """Add `orthoregen audit verify` to the command line."""
    audit = subparsers.add_parser("audit", help="check the access trail")
    actions = audit.add_subparsers(dest="audit_command", required=True, metavar="ACTION")
    p = actions.add_parser("verify", help="walk the access records' hash chain; exit 1 on a "
                                          "broken link")
    p.add_argument("--data-dir", help="the data directory (embedded database)")
    p.set_defaults(handler=verify)
