from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "districtops.org"
    label = "org"
