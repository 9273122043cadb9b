"""What a round trip must keep: patients, joints and scores, as comparable plain data.

Imported by the round-trip test in its own database and run again in a fresh one.
"""

import json


def summary(site_code: str) -> str:
    from orthoregen.web.clinic.models import JointEpisode, Patient
    from orthoregen.web.followup.models import QuestionnaireResponse

    patients = sorted(Patient.objects.filter(site__code=site_code).values_list(
        "mrn", "family_name", "given_name", "date_of_birth", "sex", "email", "phone"))
    episodes = sorted(JointEpisode.objects.filter(patient__site__code=site_code).values_list(
        "patient__mrn", "joint", "side", "diagnosis_code", "grade_scale", "grade",
        "symptom_onset"))
    scores = sorted(
        (r.episode.patient.mrn, r.episode.joint, r.episode.side, r.instrument_id,
         r.instrument_version, r.timepoint, r.completed_on.isoformat(), r.idempotency_key,
         sorted((k, None if v is None else round(v, 9)) for k, v in r.scores.items()))
        for r in QuestionnaireResponse.objects.filter(episode__patient__site__code=site_code)
        .select_related("episode__patient"))
    return json.dumps({"patients": patients, "episodes": episodes, "scores": scores},
                      default=str, sort_keys=True)
