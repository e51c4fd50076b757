"""Open311 under /open311/: the service discovery document and GeoReport v2 at v2/. Every other
path answers the spec's error list (404), never an HTML page."""

from django.urls import path, re_path, register_converter

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
    path("discovery.<fmt:fmt>", open311.discovery, name="discovery"),
    path("v2/discovery.<fmt:fmt>", open311.discovery),
    path("v2/services.<fmt:fmt>", open311.services_list, name="services"),
    path("v2/services/<str:code>.<fmt:fmt>", open311.service_definition, name="service_definition"),
    path("v2/requests.<fmt:fmt>", open311.requests_endpoint, name="requests"),
    path("v2/requests/<str:request_id>.<fmt:fmt>", open311.request_detail, name="request_detail"),
    path("v2/tokens/<str:token>.<fmt:fmt>", open311.token_detail, name="token"),
    re_path(r"^(?P<rest>.*)$", open311.not_found),
]
