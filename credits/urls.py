from django.urls import path

from . import views

app_name = "credits"

urlpatterns = [
    path("", views.index, name="index"),
    path("statement/", views.statement, name="statement"),
    path("statement.csv", views.statement_csv, name="statement_csv"),
    path("rewards/", views.rewards, name="rewards"),
    path("rewards/<id:pk>/redeem/", views.reward_redeem, name="redeem"),
    path("redemptions/", views.redemptions, name="redemptions"),
    path("redemptions/<id:pk>/", views.redemption_detail, name="redemption"),
    path("redemptions/<id:pk>/cancel/", views.redemption_cancel, name="redemption_cancel"),
    path("hours/", views.hours, name="hours"),
    path("hours/certificate/", views.certificate, name="certificate"),
    path("certificates/<str:serial>/", views.certificate_check, name="certificate_check"),
    path("verify/", views.verify_queue, name="verify"),
    path("verify/<id:pk>/revoke/", views.log_revoke, name="revoke"),
    path("record/", views.record_bulk, name="record"),
    path("fulfil/", views.fulfil, name="fulfil"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("community/<slug:code>/", views.community, name="community"),
]
