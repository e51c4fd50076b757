from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "districtops.accounts"
    label = "accounts"
