from django.urls import path

from . import desk, views

app_name = "deliberation"

urlpatterns = [
    path("", views.index, name="index"),
    path("me/", views.mine, name="mine"),
    path("c/<slug:code>/", views.community, name="community"),
    path("c/<slug:code>/raise/", views.topic_raise, name="topic_raise"),
    path("c/<slug:code>/dashboard/", views.dashboard, name="dashboard"),
    path("c/<slug:code>/calendar.ics", views.community_ics, name="community_ics"),
    path("t/<id:pk>/", views.topic, name="topic"),
    path("t/<id:pk>/support/", views.topic_support, name="topic_support"),
    path("t/<id:pk>/follow/", views.topic_follow, name="topic_follow"),
    path("t/<id:pk>/contribute/", views.contribute, name="contribute"),
    path("t/<id:pk>/status/", views.topic_status, name="topic_status"),
    path("t/<id:pk>/edit/", views.topic_edit, name="topic_edit"),
    path("t/<id:pk>/outcome/", views.topic_outcome, name="topic_outcome"),
    path("contribution/<id:pk>/edit/", views.contribution_edit, name="contribution_edit"),
    path("contribution/<id:pk>/report/", views.contribution_report, name="contribution_report"),
    path(
        "contribution/<id:pk>/moderate/", views.contribution_moderate, name="contribution_moderate"
    ),
    path("followup/<id:pk>/status/", views.followup_status, name="followup_status"),
    path("s/<id:pk>/", views.session, name="session"),
    path("s/<id:pk>/register/", views.session_register, name="session_register"),
    path("s/<id:pk>/cancel/", views.session_cancel, name="session_cancel"),
    path("s/<id:pk>/session.ics", views.session_ics, name="session_ics"),
    path("p/<id:pk>/", views.poll, name="poll"),
    # The check-in desk for phones (committee members and grid workers).
    path("desk/", desk.desk, name="desk"),
    path("s/<id:pk>/desk/", desk.desk_session, name="desk_session"),
]
