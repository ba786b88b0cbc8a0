"""Row helpers the use cases share: lock a row for the transaction, create a row once."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction


def lock(model, pk):
    """The row, locked until the surrounding transaction ends."""
    return model.objects.select_for_update().get(pk=pk)


def create_once(model, message: str, **fields):
    """Create the row a unique constraint allows once; a second one (even racing) is `message`."""
    if model.objects.filter(**fields).exists():
        raise ValidationError(message)
    try:
        with transaction.atomic():
            return model.objects.create(**fields)
    except IntegrityError as exc:
        raise ValidationError(message) from exc
