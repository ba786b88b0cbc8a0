from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from portal.forms import SearchForm

from .search_site import site_search


def search(request):
    """One search for the whole site (cms/search_site.py): results the visitor may see,
    facets by type and area, highlighted snippets, pages of ten."""
    form = SearchForm(request.GET or None, auto_id="%s")
    query = form.cleaned_data["q"].strip() if form.is_valid() else ""
    results = site_search(
        query=query,
        user=request.user,
        kind=request.GET.get("type", ""),
        area=request.GET.get("area", ""),
        page=request.GET.get("page"),
    )
    return render(request, "cms/search.html", {"query": query, "results": results, "form": form})


# Personal and staff areas are not for search engines; everything else is public.
ROBOTS_DISALLOW = ["/admin/", "/django-admin/", "/me/", "/accounts/"]


@require_GET
@cache_control(max_age=86400, public=True)
def robots_txt(request):
    lines = ["User-agent: *", *(f"Disallow: {p}" for p in ROBOTS_DISALLOW)]
    lines.append(f"Sitemap: {request.build_absolute_uri(reverse('cms:sitemap'))}")
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
