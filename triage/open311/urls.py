"""Open311 routes, included by triage/urls.py under `open311/` (names keep the
`triage:` namespace).  The last route answers every other path under the prefix with an
Open311 404 body."""

from django.urls import path, re_path

from . import views

urlpatterns = [
    path("discovery.<str:fmt>", views.discovery, name="o311_discovery"),
    path("v2/discovery.<str:fmt>", views.discovery, name="o311_discovery_v2"),
    path("v2/services.<str:fmt>", views.services, name="o311_services"),
    path("v2/services/<slug:code>.<str:fmt>", views.service, name="o311_service"),
    path("v2/requests.<str:fmt>", views.requests, name="o311_requests"),
    path("v2/requests/<id:pk>.<str:fmt>", views.request_one, name="o311_request"),
    path("v2/tokens/<str:token>.<str:fmt>", views.token, name="o311_token"),
    re_path(r"^(?P<rest>.*)$", views.not_found, name="o311_not_found"),
]
