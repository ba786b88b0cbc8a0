from django.urls import path, re_path
from drf_spectacular.views import SpectacularJSONAPIView

from . import errors, views

app_name = "api"


class SchemaView(SpectacularJSONAPIView):
    """The OpenAPI 3 document (JSON), cacheable like every other endpoint."""

    authentication_classes: list = []

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if response.status_code == 200:
            response["Cache-Control"] = "public, max-age=300"
        return response


urlpatterns = [
    path("v1/schema/", SchemaView.as_view(), name="schema"),
    path("v1/docs/", views.docs, name="docs"),
    path("v1/areas/", views.AreaList.as_view(), name="areas"),
    path("v1/areas/<slug:code>/", views.AreaDetail.as_view(), name="area"),
    path("v1/communities/", views.CommunityList.as_view(), name="communities"),
    path("v1/communities/<slug:code>/", views.CommunityDetail.as_view(), name="community"),
    path("v1/topics/", views.TopicList.as_view(), name="topics"),
    path("v1/topics/<int:pk>/", views.TopicDetail.as_view(), name="topic"),
    path("v1/sessions/", views.SessionList.as_view(), name="sessions"),
    path("v1/sessions/<int:pk>/", views.SessionDetail.as_view(), name="session"),
    path("v1/outcomes/", views.OutcomeList.as_view(), name="outcomes"),
    path("v1/outcomes/<int:pk>/", views.OutcomeDetail.as_view(), name="outcome"),
    path("v1/request-statistics/", views.RequestStatistics.as_view(), name="request_statistics"),
    path("v1/moral-bank/", views.MoralBankList.as_view(), name="moral_bank"),
    path("v1/moral-bank/<slug:code>/", views.MoralBankDetail.as_view(), name="moral_bank_detail"),
    # Anything else under /api/ is a JSON 404, never the site's HTML page.
    re_path(r"", errors.not_found),  # matches every path, newlines included
]

# A NUL byte in the query string is refused as JSON too (portal.middleware).
for _p in urlpatterns:
    if _p.name != "docs" and not getattr(_p.callback, "bad_input_response", None):
        _p.callback.bad_input_response = errors.bad_input
