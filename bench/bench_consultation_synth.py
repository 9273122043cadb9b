"""Time the consultation stage of the synthetic load (intakes, engine decisions, consents).

    .venv/bin/python bench/bench_consultation_synth.py --patients 100000            # SQLite
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/orthoregen_bench \
        .venv/bin/python bench/bench_consultation_synth.py --patients 100000        # PostgreSQL

A fresh SQLite file in a temporary directory, or the (scratch!) database in DATABASE_URL,
gets one site with one clinician; the clinic rows and the consultation stage are loaded
(the later stages are left out) and the consultation stage is timed on its own.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import tempfile
import time

AS_OF = dt.date(2026, 6, 30)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()
    os.environ.setdefault("ORTHOREGEN_ENV", "demo")
    os.environ["ORTHOREGEN_DATA_DIR"] = tempfile.mkdtemp(prefix="bench-consultation-")
    os.environ["DJANGO_SETTINGS_MODULE"] = "orthoregen.web.settings"
    import django

    django.setup()
    from django.core.management import call_command

    from orthoregen.web.accounts.models import User
    from orthoregen.web.consultation.models import CandidacyDecision, ConsentRecord, Intake
    from orthoregen.web.synthetic.clinic import synth_load, synthetic_site

    call_command("flush" if os.environ.get("DATABASE_URL") else "migrate", interactive=False,
                 verbosity=0)
    call_command("migrate", interactive=False, verbosity=0)
    site = synthetic_site("bench", "Bench clinic")
    User.objects.create_user("bench-clinician", role="clinician").sites.set([site])
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    # Later stages (cell bank, follow-up...) are not part of this measurement.
    cohort = synth_load(site, args.patients, seed=args.seed, as_of=AS_OF,
                        stages=("consultation",), seconds=seconds)
    total = time.perf_counter() - started
    print(f"{args.patients} patients, {len(cohort.episodes)} episodes: whole load {total:.1f} s, "
          f"consultation stage {seconds['consultation']:.1f} s "
          f"({Intake.objects.count()} intakes, {CandidacyDecision.objects.count()} decisions, "
          f"{ConsentRecord.objects.count()} consents)")


if __name__ == "__main__":
    main()
