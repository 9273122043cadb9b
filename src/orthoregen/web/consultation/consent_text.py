"""The default informed-consent text seeded for a clinic (docs/candidacy.md#informed-consent).

It states what is known and unknown and makes no therapeutic claim. A clinic must review it
with its own lawyers and regulator, add its prices and its product, and publish its own
version (a copy of it as a draft, through the lifecycle of consultation.consent_documents);
the demo seeds it as version "default-1", stored published by orthoregen, as the shipped
default candidacy protocol is (consultation.protocols.protocol_default).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from orthoregen.web.consultation.governance import Lifecycle
from orthoregen.web.consultation.models import ConsentDocument

if TYPE_CHECKING:
    from orthoregen.web.accounts.models import Site

DEFAULT_TITLE = "Consent to intra-articular mesenchymal stromal cell injection"
DEFAULT_VERSION = "default-1"
DEFAULT_TEXT = """\
1. What this treatment is
You are considering an injection of mesenchymal stromal ("stem") cells into a joint with
osteoarthritis. The cells are either your own (taken from bone marrow or fat) or from a donor.

2. Its status: investigational and unproven
This treatment is investigational. It is not proven to work for osteoarthritis. No cell
product of this kind is approved for osteoarthritis by the US Food and Drug Administration
(FDA) or the European Medicines Agency (EMA). Your clinician will explain its regulatory
status in this country and how this clinic is allowed to offer it.

3. Expected benefits and their uncertainty
Some studies report less pain and better function; others, including randomised trials with
a placebo group, found no more benefit than placebo or than other injections. Any benefit
may be small or temporary. There is no good evidence that the injection regrows cartilage
or delays joint replacement. You may not benefit at all.

4. Risks
The injection can cause pain, swelling and stiffness of the joint for days; rarely
infection of the joint, bleeding or an allergic reaction. Taking your own cells from bone
marrow or fat adds pain, bruising and a small risk of infection or bleeding at that site.
Donor cells carry a small risk of transmitted infection and of immune reactions.
Long-term risks are not known.

5. Alternatives
You do not need this treatment. Alternatives include exercise and physiotherapy, weight
loss, pain relief such as paracetamol and topical or oral anti-inflammatory drugs (NSAIDs),
corticosteroid injection, hyaluronic acid injection, platelet-rich plasma (PRP, itself with
mixed evidence), and joint replacement surgery (arthroplasty). Your clinician will discuss
which suit you.

6. Costs
You will be told the total price in writing before treatment, what it includes (harvest,
processing, injection, follow-up visits and imaging) and the refund policy. Health insurance
usually does not pay for this treatment.

7. Your data and the outcomes registry
The clinic records your outcomes (questionnaires, examinations, imaging and any side effects)
to follow your care and to measure honestly how patients fare. With your agreement,
de-identified data are shared with an outcomes registry for research. You can ask what is
held about you.

8. Your right to withdraw
Taking part is voluntary. You can withdraw your consent at any time before the procedure,
and stop follow-up at any time, without affecting your other care.
"""


@transaction.atomic
def consent_document_seed(site: Site) -> ConsentDocument:
    """Return the site's default consent document, creating and publishing it if absent."""
    document = ConsentDocument.objects.filter(site=site, title=DEFAULT_TITLE,
                                              version=DEFAULT_VERSION).first()
    if document is None:
        document = ConsentDocument.objects.create(site=site, title=DEFAULT_TITLE,
                                                  version=DEFAULT_VERSION, text=DEFAULT_TEXT,
                                                  status=Lifecycle.PUBLISHED,
                                                  published_at=timezone.now())
    return document
