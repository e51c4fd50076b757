from django.urls import path, register_converter

from . import open311


class FormatConverter:
    regex = "json|xml"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(FormatConverter, "fmt")

app_name = "open311"
urlpatterns = [
    path("services.<fmt:fmt>", open311.services_list, name="services"),
    path("services/<str:code>.<fmt:fmt>", open311.service_definition, name="service_definition"),
    path("requests.<fmt:fmt>", open311.requests_endpoint, name="requests"),
    path("requests/<str:request_id>.<fmt:fmt>", open311.request_detail, name="request_detail"),
]
