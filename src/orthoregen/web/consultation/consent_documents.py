"""Units of work on a clinic's consent documents: draft a new version, edit the draft, and take
it through the system's checks, a second person's signed approval of its changes and a signed
publication (consultation.governance; docs/governance.md#consent-documents).

A clinic (site) has its own documents; a document is known by its title, and its versions by
their label. The version of a title in use at a clinic is its latest published one: new
consents are recorded on it, while every consent already recorded keeps the version it was
signed on, which therefore never changes (models.consent). Who may take the steps: the
clinic's administrators (Action.MANAGE_PROTOCOLS, "Edit and publish protocols and consent
texts").

Consent documents hold no patient data, so these steps write no access records; their changes
are kept by simple-history and the signatures.
"""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from orthoregen.web.consultation import governance
from orthoregen.web.consultation.checks import consent_text_problems
from orthoregen.web.consultation.consent_text import DEFAULT_TEXT, DEFAULT_TITLE
from orthoregen.web.consultation.governance import (
    Lifecycle,
    LifecycleRefused,
    ProtocolLocked,
    Review,
)
from orthoregen.web.consultation.models import ConsentDocument

if TYPE_CHECKING:
    from collections.abc import Iterable

    from orthoregen.web.accounts.models import Site, User

KIND = "consent documents"
TITLE_MAX: int = ConsentDocument._meta.get_field("title").max_length or 200
VERSION_MAX: int = ConsentDocument._meta.get_field("version").max_length or 30


# Reading ---------------------------------------------------------------------------------

def consent_documents_visible(sites: Iterable[Site] | QuerySet[Site]) -> QuerySet[ConsentDocument]:
    """Return the consent documents of ``sites`` (an administrator's own clinics)."""
    return ConsentDocument.objects.filter(site__in=sites) \
        .select_related("site", "created_by", "approved_by", "published_by")


def consent_document_in_use(site: Site, title: str) -> ConsentDocument | None:
    """Return the version of ``title`` new consents at ``site`` are recorded on, if any: the
    latest published one."""
    return ConsentDocument.objects.filter(site=site, title=title, status=Lifecycle.PUBLISHED) \
        .order_by("-published_at", "-id").first()


def consent_documents_offered(site: Site) -> QuerySet[ConsentDocument]:
    """Return the documents a new consent at ``site`` may be recorded on: of each title, the
    version in use (its latest published one)."""
    in_use = [document.pk for title in _published_titles(site)
              if (document := consent_document_in_use(site, title)) is not None]
    return ConsentDocument.objects.filter(pk__in=in_use).order_by("title")


def consent_document_latest_in_use(site: Site) -> ConsentDocument | None:
    """Return the latest version published at ``site`` of any title (one per clinic, for the
    shared lifecycle pages' notion of "the version in use")."""
    return ConsentDocument.objects.filter(site=site, status=Lifecycle.PUBLISHED) \
        .order_by("-published_at", "-id").first()


def _published_titles(site: Site) -> list[str]:
    return list(ConsentDocument.objects.filter(site=site, status=Lifecycle.PUBLISHED)
                .order_by("title").values_list("title", flat=True).distinct())


def consent_document_problems(stored: ConsentDocument) -> list[str]:
    """Return what the system's checks find wrong with ``stored``, in words; none if none.

    The checks are the ones the project states: a consent must have words to agree to, and
    a version label must name one version of one title at one clinic (the database's own
    constraint consent_document_version_unique, checked here to say so in words). The
    elements of informed consent (docs/candidacy.md#informed-consent) are confirmed by the
    clinician for each consent recorded, not searched for in the text: the approver reads
    the text against them.
    """
    problems = consent_text_problems(stored)
    twin = ConsentDocument.objects.filter(site_id=stored.site_id, title=stored.title,
                                          version=stored.version).exclude(pk=stored.pk)
    if twin.exists():
        problems.append(f"{stored.title}, version {stored.version} already exists at this "
                        "clinic: give this draft another version label")
    return problems


def consent_document_review(stored: ConsentDocument) -> Review:
    """Return the difference, line by line, from the version of the same title in use at the
    document's clinic to ``stored``: its title, version label and text as the patient reads
    them (governance.review_of would show the text as one JSON string)."""
    baseline = consent_document_in_use(stored.site, stored.title)
    if baseline is not None and baseline.pk == stored.pk:
        baseline = None

    def lines(document: ConsentDocument | None) -> list[str]:
        if document is None:
            return []
        return [f"Title: {document.title}", f"Version: {document.version}", "",
                *document.text.splitlines()]

    diff = difflib.unified_diff(lines(baseline), lines(stored),
                                fromfile=str(baseline) if baseline else "(nothing published)",
                                tofile=str(stored), lineterm="", n=3)
    return Review(baseline=baseline, lines=tuple(diff))


# Writing ---------------------------------------------------------------------------------

@transaction.atomic
def consent_document_draft(*, site: Site, version: str, by: User,
                           source: ConsentDocument | None = None) -> ConsentDocument:
    """Store a new draft at ``site``: a copy of ``source`` (its title and text), or, for a
    clinic's first document, of the shipped default text (consent_text), labelled ``version``.

    Refuses (LifecycleRefused) someone who may not manage ``site``'s documents and a source of
    another clinic; a version label already taken is a ValidationError on ``version``, with
    nothing saved.
    """
    if source is not None and source.site_id != site.pk:
        raise LifecycleRefused(_("%(document)s belongs to another clinic.")
                               % {"document": source})
    draft = ConsentDocument(site=site, title=source.title if source else DEFAULT_TITLE,
                            version=version.strip(), text=source.text if source else DEFAULT_TEXT,
                            created_by=by)
    governance.refuse_unless_may_govern(draft, by=by, step="draft", kind=KIND)
    _refuse_bad_label(draft)
    try:
        with transaction.atomic():
            draft.save()
    except IntegrityError:
        raise ValidationError({"version": _taken(draft)}) from None
    return draft


@transaction.atomic
def consent_document_edit(stored: ConsentDocument, *, title: str, version: str, text: str,
                          by: User) -> ConsentDocument:
    """Replace a draft's title, version label and text; the edit sends it back to draft
    (voiding a validation or approval) and makes ``by`` one of its authors, who may then
    not approve it.

    Refuses a published document or one consents were recorded on (ProtocolLocked), someone
    who may not manage it (LifecycleRefused), and an empty title or version or one already
    taken (ValidationError naming the field), saving nothing.
    """
    stored = ConsentDocument.objects.select_for_update().get(pk=stored.pk)
    _refuse_locked(stored, step="edited")
    governance.refuse_unless_may_govern(stored, by=by, step="edit", kind=KIND)
    stored.title, stored.version, stored.text = title.strip(), version.strip(), text
    _refuse_bad_label(stored)
    if not text.strip():
        raise ValidationError({"text": _("The text is empty: there is nothing to consent "
                                         "to.")})
    governance.mark_edited(stored, by=by)
    try:
        with transaction.atomic():
            stored.save()
    except IntegrityError:
        raise ValidationError({"version": _taken(stored)}) from None
    return stored


def _refuse_locked(stored: ConsentDocument, *, step: str) -> None:
    if stored.is_published:
        raise ProtocolLocked(_("%(document)s is published and cannot be %(step)s; copy it as "
                               "a new draft.") % {"document": stored, "step": step})
    if stored.is_locked():
        # Only an imported wording (fhir) is used unpublished: it is kept as consented to.
        raise ProtocolLocked(_("Consents were recorded on %(document)s, so it is kept exactly "
                               "as it is and cannot be %(step)s; copy it as a new draft.")
                             % {"document": stored, "step": step})


# The system's checks are consent_document_problems (also the start-up check
# orthoregen.E005 of published documents); a document consents were recorded on, or a
# published one, is refused with its own words before any step.
STEPS = governance.GovernedKind[ConsentDocument](
    model=ConsentDocument, problems=consent_document_problems,
    review=consent_document_review, kind=KIND, refuse_locked=_refuse_locked)
consent_document_validate, consent_document_approve, consent_document_publish = (
    STEPS.validate, STEPS.approve, STEPS.publish)


def _refuse_bad_label(draft: ConsentDocument) -> None:
    problems: dict[str, str] = {}
    if not draft.title:
        problems["title"] = _("Give the document a title.")
    elif len(draft.title) > TITLE_MAX:
        problems["title"] = _("A title has at most %(max)d characters.") % {"max": TITLE_MAX}
    if not draft.version:
        problems["version"] = _("Give this version a label, for example 2027-1.")
    elif len(draft.version) > VERSION_MAX:
        problems["version"] = _("A version label has at most %(max)d characters.") % {
            "max": VERSION_MAX}
    elif ConsentDocument.objects.filter(site_id=draft.site_id, title=draft.title,
                                        version=draft.version).exclude(pk=draft.pk).exists():
        problems["version"] = _taken(draft)
    if problems:
        raise ValidationError(problems)


def _taken(draft: ConsentDocument) -> str:
    return _("%(title)s, version %(version)s already exists at this clinic; choose another "
             "version label. Nothing was saved.") % {"title": draft.title,
                                                     "version": draft.version}
