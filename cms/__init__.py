"""cms — Wagtail pages: home, community, news and standard pages, site settings, Chinese
search (`cjk.py`, `selectors.search_pages`), the peer-review workflow (`review.py`,
`workflow_finish.py`), the per-community page sections other apps register
(`sections.py`), and `load_demo`, which runs the loaders named in
`settings.PORTAL_DEMO_LOADERS`.
"""
