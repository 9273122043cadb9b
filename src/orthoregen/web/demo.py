"""The demonstration clinic: two sites, one user per role, a synthetic cohort."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from orthoregen.web.accounts.models import Site, User
from orthoregen.web.accounts.roles import Role
from orthoregen.web.synthetic.clinic import synth_load, synthetic_site

# Demo credentials are printed and documented: the demo binds to 127.0.0.1 only and holds
# synthetic patients, never real ones.
DEMO_PASSWORD = "demo-orthoregen"
MAIN_SITE = ("riverside", "Riverside Joint Clinic")
OTHER_SITE = ("northgate", "Northgate Orthopaedics")
DEMO_USERS = [
    # username, role, given, family, site codes
    ("clinician", Role.CLINICIAN, "Amara", "Okafor", ["riverside"]),
    ("coordinator", Role.COORDINATOR, "Tom", "Reilly", ["riverside"]),
    ("lab", Role.LAB, "Ingrid", "Larsen", ["riverside"]),
    ("analyst", Role.ANALYST, "Ravi", "Menon", ["riverside", "northgate"]),
    ("admin", Role.ADMIN, "Helen", "Marsh", ["riverside"]),
    ("northgate", Role.CLINICIAN, "Piotr", "Nowak", ["northgate"]),
    # Works at no site, so sees no patient: the platform operator who alone manages staff of
    # several sites (the analyst) and creates sites (accounts/admin.py).
    ("operator", Role.ADMIN, "Sam", "Okoye", []),
]
PATIENTS = {"riverside": 240, "northgate": 60}


def demo_exists() -> bool:
    """Say whether the demo clinic was already created in this database."""
    return Site.objects.filter(code=MAIN_SITE[0]).exists()


@transaction.atomic
def demo_create(as_of: dt.date, seed: int = 2026) -> None:
    """Create the demo sites, users and synthetic cohort in one transaction."""
    sites = {code: synthetic_site(code, name) for code, name in (MAIN_SITE, OTHER_SITE)}
    for username, role, given, family, codes in DEMO_USERS:
        user = User.objects.create_user(
            username, password=DEMO_PASSWORD, role=role, first_name=given, last_name=family,
            email=f"{username}@example.org",
            is_staff=role == Role.ADMIN, is_superuser=role == Role.ADMIN,
        )
        user.sites.set([sites[code] for code in codes])
    for offset, (code, n) in enumerate(PATIENTS.items()):
        synth_load(sites[code], n, seed=seed + offset, as_of=as_of)


def demo_credentials() -> str:
    """Describe the demo users and their password for the terminal."""
    lines = [f"  {username:<12} {role.label:<22} "
             f"{'sites: ' + ', '.join(codes) if codes else 'no site: platform operator'}"
             for username, role, _, _, codes in DEMO_USERS]
    return "\n".join(["Demo users (password for all: " + DEMO_PASSWORD + "):", *lines])
