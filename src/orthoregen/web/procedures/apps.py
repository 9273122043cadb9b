from django.apps import AppConfig


class ProceduresConfig(AppConfig):
    """The procedure room: the session, the time-out, the bedside check and administration.

    Its records (Procedure, ProcedureJoint, BedsideCheckAttempt, Administration) are models
    of the cellbank app: an administration is the last link of a unit's chain of custody
    (21 CFR 1271.290, tracking from donor to recipient), and the lab's look-back and product
    investigations read it. This app holds the pages and services that write them.
    """

    name = "orthoregen.web.procedures"
    label = "procedures"
    verbose_name = "Procedure room"
