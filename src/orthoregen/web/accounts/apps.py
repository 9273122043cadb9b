from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "orthoregen.web.accounts"
    label = "accounts"
    verbose_name = "Sites and staff"

    def ready(self) -> None:
        from orthoregen.web.accounts import checks  # noqa: F401  (registers system checks)
