from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "orthoregen.web.accounts"
    label = "accounts"
    verbose_name = "Sites and staff"
