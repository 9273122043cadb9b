"""No page a person reads shows a raw code: a headless Chromium walks a clinic of every stage.

The world is a synthetic site of every pathway stage (consultations with intake, decisions
and consents; cell units with QC and release; procedures and administrations; follow-up
visits with scored questionnaires; adverse and outcome events; the registry's facts), plus
what the synthetic load leaves out: an MRI study, an API token, a patient's questionnaire
link and the reminders sent by email, text and call. Each role signs in and visits every
page the URL map names (with real ids), then the pages those link to, a few of each kind,
reading `document.body.innerText`. A snake_case word there is a code meant for the data,
the API or the program ("words, not codes"); the failure names the page and
the word. The messages sent to patients and the call scripts are read the same way.
"""

import datetime as dt
import re
from collections import Counter
from urllib.parse import urljoin, urlsplit

import pytest
from django.core import mail
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from playwright.sync_api import Error as PlaywrightError
from tests.web.audit.test_walk import staff_urls
from tests.web.browsing import log_in, shot
from tests.web.conftest import make_user
from tests.web.imaging.conftest import mr_images

from orthoregen.web.accounts.roles import Role
from orthoregen.web.api.models import SCOPE_CHOICES
from orthoregen.web.api.tokens import issue_token
from orthoregen.web.followup.models import ReviewTask, ScheduledVisit
from orthoregen.web.followup.questionnaires import invitation_create
from orthoregen.web.followup.reminders import remind_run
from orthoregen.web.followup.sms import LocmemSmsBackend
from orthoregen.web.imaging import services as imaging
from orthoregen.web.synthetic.clinic import synth_load

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
CODE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")
# Words that carry underscores legitimately and are stripped before the scan: addresses a
# person typed or will type (e-mail, web links with their tokens, paths) are shown as they
# are, and so are a message template's $placeholders, which staff type into the template.
TYPED = re.compile(r"\S+@\S+|https?://\S+|/\S+|\$[a-z_]+")
# The visible text, less what HTML itself marks as computer text (code, pre, kbd, samp): the
# column names an import file must carry, a protocol's definition document, a command. Text
# marked so is meant to be typed or read as code; everything else must be in words.
VISIBLE_TEXT = """() => {
    document.querySelectorAll("code, pre, kbd, samp").forEach(e => e.remove());
    return document.title + "\\n" + document.body.innerText;
}"""
# The one page whose subject is the codes themselves: the import page lists the values an
# import file must carry ("kellgren_lawrence", "month_6") spelled as the file must spell them.
ABOUT_CODES = {"imports:upload"}
# Pages not walked: files, the machine doors (API, FHIR), signing out, and Django's admin,
# the back office that shows stored rows as stored (codes and all) to the administrator.
NOT_READ = re.compile(r"/logout/|\.(pdf|csv|svg|parquet)$|^/(api/v1|fhir|static|admin)/")
PER_KIND = 3  # pages of one URL name visited per role (different records, different words)
ROLES = {"clinician": Role.CLINICIAN, "coordinator": Role.COORDINATOR, "lab": Role.LAB,
         "analyst": Role.ANALYST, "admin": Role.ADMIN}


def codes_in(text: str) -> list[str]:
    """The snake_case words of a text a person reads, once each, in order."""
    return list(dict.fromkeys(CODE.findall(TYPED.sub(" ", text))))


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"


@pytest.fixture
def world(site_a, tmp_path):
    """A synthetic site of every stage, its staff (no underscores in their names), and extras."""
    site_a.is_synthetic = True
    site_a.save(update_fields=["is_synthetic"])
    users = {name: make_user(name, role, site_a) for name, role in ROLES.items()}
    today = timezone.localdate()
    synth_load(site_a, 12, seed=17, as_of=today)
    reading = [value for value, _ in SCOPE_CHOICES if value.endswith(":read")]
    issue_token(user=users["analyst"], name="Nightly registry pull", scopes=reading,
                expires_at=timezone.now() + dt.timedelta(days=30))
    visit = (ScheduledVisit.objects.filter(schedule__episode__patient__site=site_a,
                                           kind="visit").order_by("pk").first())
    _, token = invitation_create(visit)
    mri = ScheduledVisit.objects.filter(schedule__episode__patient__site=site_a,
                                        kind="mri").order_by("pk").first()
    if mri is not None:
        patient = mri.schedule.episode.patient
        side = {"left": "L", "right": "R"}.get(mri.schedule.episode.side, "L")
        folder = mr_images(tmp_path / "study", PatientID=patient.mrn,
                           PatientBirthDate=f"{patient.date_of_birth:%Y%m%d}",
                           StudyDate=f"{mri.target:%Y%m%d}", Laterality=side,
                           BodyPartExamined=mri.schedule.episode.joint.upper())
        instances, via = imaging.read_path(folder)
        imaging.ingest(instances, site=site_a, received_via=via)
    return {"users": users, "portal_token": token}


def url_name(path: str) -> str | None:
    try:
        return resolve(urlsplit(path).path).view_name
    except Resolver404:
        return None


def read_pages(page, live_server, start: list[str], shots: bool) -> dict[str, list[str]]:
    """Visit the start pages and what they link to, a few of each kind; return codes by page."""
    queue, seen, kinds, found = list(dict.fromkeys(start)), set(), Counter(), {}
    while queue:
        path = queue.pop(0)
        kind = (url_name(path), tuple(sorted(k.split("=")[0] for k in
                                             urlsplit(path).query.split("&") if k)))
        if path in seen or NOT_READ.search(urlsplit(path).path) or kind[0] is None \
                or kinds[kind] >= PER_KIND:
            continue
        seen.add(path)
        kinds[kind] += 1
        try:
            page.goto(live_server.url + path)
        except PlaywrightError:  # a bodiless refusal (405 to a GET of a form's action)
            continue
        if urlsplit(page.url).path.startswith("/login/"):
            continue
        if shots and kinds[kind] == 1:
            shot(page, f"words-{kind[0].replace(':', '-')}")
        for href in page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)"):
            link = urlsplit(urljoin(page.url, href))
            if link.netloc == urlsplit(live_server.url).netloc:
                queue.append(link.path + (f"?{link.query}" if link.query else ""))
        text = page.evaluate(VISIBLE_TEXT)  # last: it takes the computer text out
        if kind[0] not in ABOUT_CODES and (words := codes_in(text)):
            found[path] = words
    return found


def test_no_page_or_message_shows_a_raw_code(new_page, live_server, world, site_a):
    """One world for every role (building it is the slow part), then every message."""
    found: dict[str, list[str]] = {}
    for role in ROLES:
        # A fresh browser context per role: a navigation the last role's tab had started
        # (a redirect after a refused request) must not race the next sign-in.
        tab = new_page()
        try:
            log_in(tab, live_server, role)
            start = ["/", "/day/", "/patients/", *staff_urls(site_a),
                     reverse("portal:questionnaire", args=[world["portal_token"]])]
            for path, words in read_pages(tab, live_server, start,
                                          shots=role == "clinician").items():
                found[f"{role} {path}"] = words
        finally:
            tab.context.close()
    found |= messages_read(site_a)
    assert not found, "Raw codes shown to people:\n" + "\n".join(
        f"  {where}: {', '.join(words)}" for where, words in found.items())


def messages_read(site_a) -> dict[str, list[str]]:
    """The codes in the reminders (email, text) and call scripts the staff and patients read.

    Export files keep their coded column names (the registry and ICHOM CSVs are read by
    analysis programs); whether the ICHOM report's CSV should carry words is left open.
    """
    LocmemSmsBackend.outbox = []
    now = timezone.now()
    for days in (0, 4, 8, 15):  # email, then the text, then the call, as each falls due
        remind_run(now=now + dt.timedelta(days=days), sms=LocmemSmsBackend())
    read = {f"email {m.subject!r}": f"{m.subject}\n{m.body}" for m in mail.outbox}
    read |= {f"text {i}": body for i, (_, body) in enumerate(LocmemSmsBackend.outbox)}
    read |= {f"task {t.pk}": f"{t.get_kind_display()}\n{t.detail}"
             for t in ReviewTask.objects.filter(visit__schedule__episode__patient__site=site_a)}
    assert len(read) > 3, "the reminders sent nothing: the scan would prove nothing"
    return {what: words for what, text in read.items() if (words := codes_in(text))}
