"""`orthoregen remind`: send due questionnaire invitations and escalate unanswered ones.

Run it every 15-60 minutes from cron or a systemd timer, e.g. with cron:

    */30 * * * *  orthoregen remind

or a systemd timer (`OnCalendar=*:0/30`, `Persistent=true`) starting a oneshot service
with `ExecStart=/path/to/venv/bin/orthoregen remind`. A run takes at most one step per
visit and never repeats a step that was sent, so overlapping or repeated runs are harmless; a
step left half-done by a run that died is sent again by the first run after its 30-minute
lease (at least once; see followup.reminders).

Configuration: email through Django's EMAIL_* settings (the console backend in the demo);
text messages through ORTHOREGEN_SMS_BACKEND (console by default;
orthoregen.web.followup.sms.TwilioSmsBackend with TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and
TWILIO_FROM); links point at ORTHOREGEN_PORTAL_URL; each site's delays live in its
follow-up settings (admin: Site follow-up settings; defaults 0 / 7 / 7 days).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from typing import Any

from orthoregen.web.django_setup import setup_django


def _moment(text: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a time like 2026-04-01T09:30+01:00") from None
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError("give the time zone, e.g. 2026-04-01T09:30+01:00")
    return moment


def remind(args: argparse.Namespace) -> int:
    setup_django(data_dir=args.data_dir)
    from django.conf import settings

    from orthoregen.web.followup.reminders import remind_run

    if settings.MODE == "production" and not settings.ORTHOREGEN_PORTAL_URL:
        # Without it every link would point at the demo's http://127.0.0.1:8000.
        print("orthoregen remind: ORTHOREGEN_PORTAL_URL is not set, so the links in reminders "
              "would not reach patients. Set it to the clinic's public address (e.g. "
              "https://clinic.example.org); nothing was sent.", file=sys.stderr)
        return 2

    taken = remind_run(now=args.now)
    total = sum(taken.values())
    detail = ", ".join(f"{count} {step}" for step, count in sorted(taken.items())) or "nothing due"
    print(f"orthoregen remind: {total} step(s) taken ({detail}).")
    sys.stdout.flush()
    return 0


def register(subparsers: Any) -> None:
    """Add `orthoregen remind` to the command line."""
    p = subparsers.add_parser("remind", help="send due questionnaire invitations and reminders")
    p.add_argument("--now", type=_moment, default=None,
                   help="act as if it were this moment (default: now); for catching up")
    p.add_argument("--data-dir", help="the data directory (embedded database)")
    p.set_defaults(handler=remind)
