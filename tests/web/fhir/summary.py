"""What a round trip must keep: patients, joints, scores and events, as comparable plain data.

Imported by the round-trip test in its own database and run again in a fresh one. Free text
(an event's description, an encounter's notes) and who recorded a row do not travel
(docs/fhir.md#import) and are left out.
"""

import json


def summary(site_code: str) -> str:
    from orthoregen.web.cellbank.models import ProcedureJoint
    from orthoregen.web.clinic.models import Encounter, JointEpisode, Patient
    from orthoregen.web.consultation.models import ConsentRecord, PriorInjection
    from orthoregen.web.followup.models import QuestionnaireResponse
    from orthoregen.web.safety.models import AdverseEvent

    site = {"patient__site__code": site_code}
    of_episode = {"episode__patient__site__code": site_code}
    patients = sorted(Patient.objects.filter(site__code=site_code).values_list(
        "mrn", "family_name", "given_name", "date_of_birth", "sex", "email", "phone"))
    episodes = sorted(JointEpisode.objects.filter(**site).values_list(
        "patient__mrn", "joint", "side", "diagnosis_code", "grade_scale", "grade",
        "symptom_onset"))
    scores = sorted(
        (r.episode.patient.mrn, r.episode.joint, r.episode.side, r.instrument_id,
         r.instrument_version, r.timepoint, r.completed_on.isoformat(), r.idempotency_key,
         sorted((k, None if v is None else round(v, 9)) for k, v in r.scores.items()))
        for r in QuestionnaireResponse.objects.filter(**of_episode)
        .select_related("episode__patient"))
    adverse_events = sorted(
        (e.patient.mrn, e.episode.joint if e.episode else "",
         e.episode.side if e.episode else "", e.term, e.term_other, e.onset_on, e.aware_on,
         e.ctcae_grade, sorted(e.seriousness), e.procedure_relatedness, e.product_relatedness,
         e.action, e.expected, e.involves_communicable_disease, e.needed_intervention,
         e.outcome, e.resolved_on)
        for e in AdverseEvent.objects.filter(**site).select_related("patient", "episode"))
    encounters = sorted(Encounter.objects.filter(**of_episode).values_list(
        "episode__patient__mrn", "episode__joint", "episode__side", "kind", "occurred_on"))
    consents = sorted(ConsentRecord.objects.filter(**of_episode).values_list(
        "episode__patient__mrn", "episode__joint", "episode__side", "document__title",
        "document__version", "document__sha256", "consented_on", "consenting_as",
        "consenting_person", "withdrawn_on"))
    procedures = sorted(ProcedureJoint.objects.filter(
        procedure__patient__site__code=site_code).values_list(
        "procedure__patient__mrn", "episode__joint", "episode__side",
        "procedure__performed_on"))
    prior_biologics = sorted(PriorInjection.objects.current().filter(
        agent="other_biologic", **site).values_list("patient__mrn", "joint", "side",
                                                    "given_on"))
    return json.dumps({"patients": patients, "episodes": episodes, "scores": scores,
                       "adverse_events": adverse_events, "encounters": encounters,
                       "consents": consents, "procedures": procedures,
                       "prior_biologics": prior_biologics}, default=str, sort_keys=True)
