from django.apps import AppConfig


class CellbankConfig(AppConfig):
    name = "orthoregen.web.cellbank"
    label = "cellbank"
    # nav = [("Label", "cellbank:url-name", "action from accounts.roles.Action or None")]
