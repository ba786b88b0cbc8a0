from django.urls import path

from . import open311, views

app_name = "triage"

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.new, name="new"),
    path("intake/", views.intake, name="intake"),
    path("queue/", views.queue, name="queue"),
    path("inbox/<int:org_pk>/", views.inbox, name="inbox"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/export.xlsx", views.export, name="export"),
    path("directory/", views.directory, name="directory"),
    path("claim/<str:token>/", views.claim, name="claim"),
    path("r/<int:pk>/", views.detail, name="detail"),
    path("r/<int:pk>/confirm/", views.confirm, name="confirm"),
    path("r/<int:pk>/start/", views.start, name="start"),
    path("r/<int:pk>/transfer/", views.transfer, name="transfer"),
    path("r/<int:pk>/supervise/", views.supervise, name="supervise"),
    path("r/<int:pk>/resolve/", views.resolve, name="resolve"),
    path("r/<int:pk>/reply/", views.reply, name="reply"),
    path("r/<int:pk>/rate/", views.rate, name="rate"),
    path("r/<int:pk>/reopen/", views.reopen, name="reopen"),
    path("r/<int:pk>/topic/", views.make_topic, name="topic"),
    # Open311 GeoReport v2
    path("open311/v2/services.<str:fmt>", open311.services, name="o311_services"),
    path("open311/v2/services/<slug:code>.<str:fmt>", open311.service, name="o311_service"),
    path("open311/v2/requests.<str:fmt>", open311.requests, name="o311_requests"),
    path("open311/v2/requests/<int:pk>.<str:fmt>", open311.request_one, name="o311_request"),
]
