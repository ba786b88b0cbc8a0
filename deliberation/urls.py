from django.urls import path

from . import views

app_name = "deliberation"

urlpatterns = [
    path("", views.index, name="index"),
    path("me/", views.mine, name="mine"),
    path("c/<slug:code>/", views.community, name="community"),
    path("c/<slug:code>/raise/", views.topic_raise, name="topic_raise"),
    path("c/<slug:code>/calendar.ics", views.community_ics, name="community_ics"),
    path("t/<int:pk>/", views.topic, name="topic"),
    path("t/<int:pk>/support/", views.topic_support, name="topic_support"),
    path("t/<int:pk>/follow/", views.topic_follow, name="topic_follow"),
    path("t/<int:pk>/contribute/", views.contribute, name="contribute"),
    path("t/<int:pk>/status/", views.topic_status, name="topic_status"),
    path("t/<int:pk>/outcome/", views.topic_outcome, name="topic_outcome"),
    path("contribution/<int:pk>/edit/", views.contribution_edit, name="contribution_edit"),
    path("contribution/<int:pk>/report/", views.contribution_report, name="contribution_report"),
    path(
        "contribution/<int:pk>/moderate/", views.contribution_moderate, name="contribution_moderate"
    ),
    path("s/<int:pk>/", views.session, name="session"),
    path("s/<int:pk>/register/", views.session_register, name="session_register"),
    path("s/<int:pk>/cancel/", views.session_cancel, name="session_cancel"),
    path("s/<int:pk>/session.ics", views.session_ics, name="session_ics"),
    path("p/<int:pk>/", views.poll, name="poll"),
]
