"""Pages under concurrent load: req/s, p50 and p95 of each page beside the login page.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_load100k \
        .venv/bin/python bench/bench_load.py                      # 4 workers, 50 clients
    DATABASE_URL=... .venv/bin/python bench/bench_load.py --src /tmp/before/src   # other code

The registry is one loaded with `orthoregen synth` (site `synthetic`); the script WRITES to it:
bench staff users (`bench_load_1`..), their sessions, private portal links for pending
visits, and the access records every request leaves, so point it at a copy, never at a
registry someone else reads. It starts the real server, gunicorn with the arguments of
`orthoregen serve` (`--workers 4` as the README recommends) in demo mode, with the portal's
per-address limit off (all 50 clients come from 127.0.0.1); `--src` runs another checkout's
code (e.g. a `git worktree` of an older commit) against the same database.

Each page is measured in pairs, interleaved with its floor on the same server: floor, page,
floor, page ... (`--pairs`, each phase `--seconds` long). The floor is the login page's GET
(session and CSRF middleware, a template, no query of patient data), so the ratio of req/s
says what a page costs over the least any page costs, whatever the machine's load is doing
at that moment. 50 client threads (`--clients`) each loop: request, read the whole answer,
next; http.client with the signed-in session's cookie. The client runs on the same cores
as the server and takes its share of them.

Pages: `chart` (a random patient of the site; with `--warm N`, one of N patients whose charts
were each requested once before the phases, so that they come from the chart cache, as a
clinic's charts of the day do after their first opening), `list` (the patient list, first page),
`search` (the most common family name of the site), `portal` (a random private link's
questionnaire page, anonymous). During the chart phases every new access record is counted
and compared with the chart answers that were 200: each shown chart must leave one. After
the run `orthoregen audit verify` walks the whole hash chain.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

REPO = Path(__file__).resolve().parent.parent
PASSWORD = "bench-load-" + secrets.token_urlsafe(8)
PAGES = ("chart", "list", "search", "portal")


@dataclass
class Phase:
    """What one phase of one page (or its floor) measured."""

    seconds: float
    latencies: list[float] = field(default_factory=list)  # of 200 answers
    statuses: dict[int, int] = field(default_factory=dict)
    failures: int = 0  # connection errors, timeouts
    load: float = 0.0  # 1-minute load average at the end

    @property
    def ok(self) -> int:
        return self.statuses.get(200, 0)

    @property
    def errors(self) -> int:
        return self.failures + sum(n for status, n in self.statuses.items() if status != 200)

    @property
    def rate(self) -> float:
        return self.ok / self.seconds


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


# --- the registry ------------------------------------------------------------------------


def django_setup(data_dir: str) -> None:
    os.environ["ORTHOREGEN_ENV"] = "demo"
    os.environ["ORTHOREGEN_DATA_DIR"] = data_dir
    os.environ["DJANGO_SETTINGS_MODULE"] = "orthoregen.web.settings"
    import django

    django.setup()


def bench_users(site_code: str, count: int) -> list[str]:
    """Clinicians of the site, one per session, all with the run's password (hashed once)."""
    from django.contrib.auth.hashers import make_password

    from orthoregen.web.accounts.models import Site, User

    site = Site.objects.get(code=site_code)
    hashed = make_password(PASSWORD)
    names = []
    for n in range(1, count + 1):
        user, _ = User.objects.get_or_create(username=f"bench_load_{n}",
                                             defaults={"role": "clinician"})
        user.role, user.password, user.is_active = "clinician", hashed, True
        user.save()
        user.sites.set([site])
        names.append(user.username)
    return names


def patient_ids(site_code: str) -> list[int]:
    from orthoregen.web.clinic.models import Patient

    return list(Patient.objects.filter(site__code=site_code).values_list("pk", flat=True))


def common_family_name(site_code: str) -> str:
    from django.db.models import Count

    from orthoregen.web.clinic.models import Patient

    top = (Patient.objects.filter(site__code=site_code).values("family_name")
           .annotate(n=Count("pk")).order_by("-n", "family_name").first())
    assert top is not None, f"no patients at site {site_code}"
    return top["family_name"]


def portal_links(site_code: str, count: int) -> list[str]:
    """Private links for pending visits answerable today, created as `remind` would."""
    from django.utils import timezone

    from orthoregen.web.followup.models import ScheduledVisit
    from orthoregen.web.followup.questionnaires import (
        invitation_create,
        invitation_open,
        patient_instruments,
    )

    today = timezone.localdate()
    visits = (ScheduledVisit.objects.select_related("schedule__episode__patient__site",
                                                    "schedule__protocol")
              .filter(schedule__episode__patient__site__code=site_code, status="pending",
                      kind="visit", earliest__lte=today, latest__gte=today)
              .order_by("?")[:count * 4])
    links = []
    for visit in visits:
        if len(links) >= count:
            break
        if not patient_instruments(visit):
            continue
        _, token = invitation_create(visit)
        try:
            invitation_open(token)
        except Exception:  # withdrawn patient, baseline after injection...: not a page
            continue
        links.append(f"/portal/q/{token}/")
    return links


def access_records_after(sequence: int, prefix: str) -> int:
    from orthoregen.web.audit.models import AccessRecord

    return AccessRecord.objects.filter(sequence__gt=sequence, path__startswith=prefix).count()


def last_sequence() -> int:
    from django.db.models import Max

    from orthoregen.web.audit.models import AccessRecord

    return AccessRecord.objects.aggregate(m=Max("sequence"))["m"] or 0


# --- the server --------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_start(src: Path, port: int, workers: int, env: dict[str, str],
                 log: Path) -> subprocess.Popen:
    """gunicorn as `orthoregen serve` runs it, importing the package from `src`."""
    env = {**env, "PYTHONPATH": str(src)}
    argv = [sys.executable, "-m", "gunicorn", "orthoregen.web.wsgi:application",
            "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--access-logfile", "-",
            # A worker that takes longer than gunicorn's 30 s to import on a loaded machine
            # is killed and booted again, for ever: give the start (and slow answers) time.
            "--timeout", "300"]
    process = subprocess.Popen(argv, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
                               cwd=tempfile.gettempdir())
    deadline, status = time.time() + 300, None
    while time.time() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/login/")
            status = connection.getresponse().status
            if status == 200:
                return process
        except OSError:
            pass
        time.sleep(0.5)
    process.terminate()
    raise SystemExit(f"the server did not start (login page: {status}); see {log}")


def log_in(port: int, username: str) -> str:
    """Sign in through the login form; return the Cookie header of the session."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", "/login/")
    answer = connection.getresponse()
    page = answer.read().decode()
    csrf_cookie = re.search(r"csrftoken=([^;]+)", answer.getheader("Set-Cookie", ""))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert csrf_cookie and token, "no CSRF token on the login page"
    body = f"csrfmiddlewaretoken={token[1]}&username={quote(username)}&password={quote(PASSWORD)}"
    connection.request("POST", "/login/", body=body, headers={
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": f"csrftoken={csrf_cookie[1]}", "Referer": f"http://127.0.0.1:{port}/login/"})
    answer = connection.getresponse()
    answer.read()
    session = re.search(r"sessionid=([^;]+)", answer.getheader("Set-Cookie", "") or "")
    assert answer.status == 302 and session, f"sign-in of {username} refused ({answer.status})"
    return f"sessionid={session[1]}"


# --- the load ----------------------------------------------------------------------------


def phase_run(port: int, clients: int, seconds: float, paths: list[str],
              cookies: list[str]) -> Phase:
    """`clients` threads request random `paths` for `seconds`, each with one session."""
    results = [Phase(seconds) for _ in range(clients)]
    start = threading.Barrier(clients + 1)
    stop_at = [0.0]

    def client(n: int) -> None:
        rng = random.Random(n)
        mine = results[n]
        headers = {"Cookie": cookies[n % len(cookies)]} if cookies else {}
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        start.wait()
        while time.perf_counter() < stop_at[0]:
            path = rng.choice(paths)
            began = time.perf_counter()
            try:
                connection.request("GET", path, headers=headers)
                answer = connection.getresponse()
                answer.read()
            except (OSError, http.client.HTTPException):
                mine.failures += 1
                connection.close()
                continue
            mine.statuses[answer.status] = mine.statuses.get(answer.status, 0) + 1
            if answer.status == 200:
                mine.latencies.append(time.perf_counter() - began)

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    for thread in threads:
        thread.start()
    began = time.perf_counter()
    stop_at[0] = began + seconds
    start.wait()
    for thread in threads:
        thread.join()
    total = Phase(time.perf_counter() - began, load=os.getloadavg()[0])
    for one in results:
        total.latencies += one.latencies
        total.failures += one.failures
        for status, n in one.statuses.items():
            total.statuses[status] = total.statuses.get(status, 0) + n
    return total


def chart_request(port: int, path: str, cookie: str) -> None:
    """Request one page once (to put a chart in the cache); it must answer 200."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    connection.request("GET", path, headers={"Cookie": cookie})
    answer = connection.getresponse()
    answer.read()
    connection.close()
    assert answer.status == 200, (path, answer.status)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--src", type=Path, default=REPO / "src",
                        help="the source tree the server runs (default: this checkout's)")
    parser.add_argument("--site", default="synthetic")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--sessions", type=int, default=10, help="signed-in staff sessions")
    parser.add_argument("--links", type=int, default=200, help="portal links")
    parser.add_argument("--pairs", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=12.0, help="length of each phase")
    parser.add_argument("--pages", default=",".join(PAGES))
    parser.add_argument("--warm", type=int, default=0,
                        help="charts of only this many patients, each requested once before "
                             "the phases (the chart cache warm); 0: every patient, cold")
    args = parser.parse_args()
    # Stopped by a signal, still stop the server (the finally below): no orphaned workers.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("set DATABASE_URL to a PostgreSQL copy of a synthetic registry")
    pages = [p for p in args.pages.split(",") if p]
    unknown = set(pages) - set(PAGES)
    if unknown:
        raise SystemExit(f"unknown pages {sorted(unknown)}; choose from {', '.join(PAGES)}")

    sys.path.insert(0, str(args.src))  # this process reads the registry with the same code
    data_dir = tempfile.mkdtemp(prefix="bench_load_")
    os.environ["SECRET_KEY"] = secrets.token_urlsafe(50)  # the server signs links with it
    django_setup(data_dir)
    from django.db import connection

    users = bench_users(args.site, args.sessions)
    ids = patient_ids(args.site)
    family = common_family_name(args.site)
    links = portal_links(args.site, args.links) if "portal" in pages else []
    if "portal" in pages and not links:
        raise SystemExit("no pending visit is answerable today: no portal page to load")
    paths = {
        "chart": [f"/patients/{pk}/" for pk in random.Random(1).sample(ids, min(5000, len(ids)))],
        "list": ["/patients/"],
        "search": [f"/patients/?q={quote(family)}"],
        "portal": links,
    }
    connection.close()

    env = {**os.environ, "ORTHOREGEN_PORTAL_LIMIT_PER_ADDRESS": "0",
           "ORTHOREGEN_PORTAL_LIMIT_PER_LINK": "0"}
    port = free_port()
    log = Path(data_dir) / "gunicorn.log"
    subprocess.run([sys.executable, "-m", "django", "collectstatic", "--noinput", "-v", "0",
                    "--settings=orthoregen.web.settings"],
                   env={**env, "PYTHONPATH": str(args.src)}, check=True)
    server = server_start(args.src, port, args.workers, env, log)
    try:
        cookies = [log_in(port, name) for name in users]
        if args.warm:
            paths["chart"] = paths["chart"][:args.warm]
            for path in paths["chart"]:
                chart_request(port, path, cookies[0])
        for page in pages:  # warm every worker's imports, templates and caches
            for path in paths[page][:20]:
                phase_run(port, 1, 0.01, [path], [] if page == "portal" else cookies)
        print(f"server: gunicorn, {args.workers} workers ({args.src}); clients: {args.clients} "
              f"threads; sessions: {len(cookies)}; {len(ids)} patients at {args.site!r}; "
              f"search q={family!r}; portal links: {len(links)}")
        if args.warm:
            print(f"chart cache warm: charts of {len(paths['chart'])} patients, each "
                  "requested once before the phases")
        print(f"phases: {args.pairs} pairs x (floor {args.seconds:g} s, page {args.seconds:g} s)"
              f"; machine: {os.cpu_count()} cores; load at start {os.getloadavg()[0]:.1f}")
        rows = []
        for page in pages:
            floors, loads, ratios = [], [], []
            audit_records = chart_ok = 0
            for _ in range(args.pairs):
                floor = phase_run(port, args.clients, args.seconds, ["/login/"], [])
                since = last_sequence() if page == "chart" else 0
                measured = phase_run(port, args.clients, args.seconds, paths[page],
                                     [] if page == "portal" else cookies)
                if page == "chart":
                    audit_records += access_records_after(since, "/patients/")
                    chart_ok += measured.ok
                connection.close()
                floors.append(floor)
                loads.append(measured)
                ratios.append(measured.rate / floor.rate if floor.rate else float("nan"))
                print(f"  {page:7s} floor {floor.rate:7.1f} req/s  page {measured.rate:7.1f} "
                      f"req/s  ratio {ratios[-1]:.3f}  load {measured.load:.1f}", flush=True)
            rows.append((page, floors, loads, ratios))
            if page == "chart":
                verdict = "equal" if audit_records == chart_ok else "NOT EQUAL: records lost"
                print(f"  chart: access records written {audit_records}, chart answers 200 "
                      f"{chart_ok}: {verdict}")
        print()
        print(f"{'page':8s} {'req/s':>7s} {'p50 ms':>7s} {'p95 ms':>7s} {'errors':>6s} "
              f"{'floor req/s':>11s} {'fl p50':>6s} {'ratio':>6s}  ratio min/med/max   "
              "load 1-min")
        for page, floors, loads, ratios in rows:
            latencies = [x for phase in loads for x in phase.latencies]
            floor_latencies = [x for phase in floors for x in phase.latencies]
            rate = sum(p.ok for p in loads) / sum(p.seconds for p in loads)
            floor_rate = sum(p.ok for p in floors) / sum(p.seconds for p in floors)
            errors = sum(p.errors for p in loads) + sum(p.errors for p in floors)
            load_values = [p.load for p in floors + loads]
            print(f"{page:8s} {rate:7.1f} {percentile(latencies, .5) * 1000:7.0f} "
                  f"{percentile(latencies, .95) * 1000:7.0f} {errors:6d} {floor_rate:11.1f} "
                  f"{percentile(floor_latencies, .5) * 1000:6.0f} {rate / floor_rate:6.3f}  "
                  f"{min(ratios):.3f} {statistics.median(ratios):.3f} {max(ratios):.3f}   "
                  f"{min(load_values):.1f}-{max(load_values):.1f}")
    finally:
        server.terminate()  # gunicorn lets running requests finish, up to 30 s
        try:
            server.wait(timeout=120)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    verify = subprocess.run([sys.executable, "-m", "orthoregen.cli", "audit", "verify"],
                            env={**os.environ, "PYTHONPATH": str(args.src)},
                            capture_output=True, text=True)
    print((verify.stdout + verify.stderr).strip())
    shutil.rmtree(data_dir, ignore_errors=True)
    return verify.returncode


if __name__ == "__main__":
    sys.exit(main())
