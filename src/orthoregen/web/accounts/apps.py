from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "orthoregen.web.accounts"
    label = "accounts"
    verbose_name = "Sites and staff"

    def ready(self) -> None:
        # Importing the module registers its deployment checks.
        from orthoregen.web.accounts import deploy_checks  # noqa: F401
