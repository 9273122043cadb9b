from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "orthoregen.web.accounts"
    label = "accounts"
    verbose_name = "Sites and staff"

    def ready(self) -> None:
        from django.db.models.signals import m2m_changed

        # Importing the module registers its deployment checks.
        from orthoregen.web.accounts import deploy_checks  # noqa: F401
        from orthoregen.web.accounts.access import forget_site_ids
        from orthoregen.web.accounts.models import User

        # A membership changed within a request: its next read of site ids sees it.
        m2m_changed.connect(forget_site_ids, sender=User.sites.through,
                            dispatch_uid="accounts.forget_site_ids")
