from django.core.paginator import Paginator
from django.shortcuts import render

from .selectors import search_pages


def search(request):
    query = request.GET.get("q", "").strip()[:100]
    results = search_pages(query) if query else []
    page = Paginator(results, 10).get_page(request.GET.get("page")) if query else None
    return render(request, "cms/search.html", {"query": query, "results": page})
