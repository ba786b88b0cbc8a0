"""api — the public, read-only open-data API under /api/v1/ (Django REST Framework with
drf-spectacular): areas and communities, topics, sessions and outcomes, monthly request
statistics (the staff dashboard's own measures) and moral-bank totals. No personal data.
"""
