"""One way for views to show a service's refusal.

Services refuse with `ValidationError` (bad input, a rule of the product) or
`PermissionDenied` (not yours to do).  A view shows the refusal where the resident looks:
on the form that was submitted (a field's error beside the field, anything else above the
form, what was typed kept in the bound form), or as a message on the page it goes back to.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

NOT_PERMITTED = _("You do not have permission to do this here.")

REFUSALS = (ValidationError, PermissionDenied)


def refusal_messages(exc: Exception) -> list[str]:
    """The translated sentences of a refusal (never an empty list)."""
    if isinstance(exc, ValidationError):
        return [str(m) for m in exc.messages] or [str(NOT_PERMITTED)]
    return [str(exc) or str(NOT_PERMITTED)]


def refusal_text(exc: Exception) -> str:
    return " ".join(refusal_messages(exc))


def refusal_status(exc: Exception) -> int:
    """403 for "not yours to do", 400 for input the product refuses."""
    return 403 if isinstance(exc, PermissionDenied) else 400


def show_on_form(form, exc: Exception) -> None:
    """A refusal on the submitted form: per field where the service named one."""
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        for field, errs in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errs)
    else:
        form.add_error(None, refusal_messages(exc))


def show_as_message(request, exc: Exception) -> None:
    """A refusal as one message per sentence on the next page the resident sees."""
    for message in refusal_messages(exc):
        messages.error(request, message)
