from django.urls import include, path

from . import views, views_referrals, views_sanshi
from .open311 import link as open311_link
from .open311 import urls as open311_urls

app_name = "triage"

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.new, name="new"),
    path("intake/", views.intake, name="intake"),
    path("queue/", views.queue, name="queue"),
    path("inbox/<id:org_pk>/", views.inbox, name="inbox"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/export.xlsx", views.export, name="export"),
    path("directory/", views.directory, name="directory"),
    path("sanshi/", views_sanshi.sanshi, name="sanshi"),
    path("claim/<str:token>/", views.claim, name="claim"),
    path("r/<id:pk>/", views.detail, name="detail"),
    path("r/<id:pk>/confirm/", views.confirm, name="confirm"),
    path("r/<id:pk>/start/", views.start, name="start"),
    path("r/<id:pk>/transfer/", views.transfer, name="transfer"),
    path("r/<id:pk>/supervise/", views.supervise, name="supervise"),
    path("r/<id:pk>/resolve/", views.resolve, name="resolve"),
    path("r/<id:pk>/reply/", views.reply, name="reply"),
    path("r/<id:pk>/rate/", views.rate, name="rate"),
    path("r/<id:pk>/reopen/", views.reopen, name="reopen"),
    path("r/<id:pk>/topic/", views.make_topic, name="topic"),
    # Open311 GeoReport v2 (triage/open311/urls.py)
    path("claim/email/<str:token>/", open311_link.email_claim, name="o311_claim"),
    path("open311/", include(open311_urls)),
    # 私事 referrals (triage/views_referrals.py)
    path("r/<id:pk>/help/<id:entry_pk>/", views_referrals.ask_help, name="ask_help"),
    path("r/<id:pk>/close/", views_referrals.close_referral, name="close_referral"),
    path("help/", views_referrals.help_list, name="help_list"),
    path("help/<id:offer_pk>/", views_referrals.help_detail, name="help"),
    path("help/<id:offer_pk>/accept/", views_referrals.help_accept, name="help_accept"),
    path("help/<id:offer_pk>/decline/", views_referrals.help_decline, name="help_decline"),
    path("help/<id:offer_pk>/hours/", views_referrals.help_hours, name="help_hours"),
    path("help/<id:offer_pk>/confirm/", views_referrals.help_confirm, name="help_confirm"),
]
