"""Wagtail-side image uploads go through `portal.uploads.clean_image` like every other.

- `ImageForm` (``WAGTAILIMAGES_IMAGE_FORM_BASE``) re-encodes the file of the image add and
  edit forms, the chooser's upload tab and the multiple uploader, so a refusal is a form
  error and the stored original is our own re-encoding under a random name.
- `clean_on_save` is the backstop for paths that skip that form (Wagtail's
  `UploadedFile` detour in the multiple uploader, code that saves an image directly): any
  image file not yet written to storage is re-encoded before it is.
"""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from wagtail.images.fields import WagtailImageField
from wagtail.images.forms import BaseImageForm

from portal.uploads import CleanImage, clean_image

log = logging.getLogger(__name__)


class CleanImageField(WagtailImageField):
    """Wagtail's field, but our bounded decode runs first: Wagtail's own checks open the
    image through Willow, and Pillow's DecompressionBombError escapes them as a 500."""

    def to_python(self, data):
        clean = clean_image(data) if isinstance(data, UploadedFile) else None
        f = super().to_python(data)
        if clean is not None:
            f.clean_image = clean
        return f


class ImageForm(BaseImageForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields.get("file")
        if type(field) is WagtailImageField:  # built by Wagtail's formfield_for_dbfield
            field.__class__ = CleanImageField

    def clean_file(self):
        f = self.cleaned_data.get("file")
        return getattr(f, "clean_image", None) or f


def _clean_field(instance, field: str, *, drop_refused: bool = False) -> None:
    ff = getattr(instance, field, None)
    if not ff or getattr(ff, "_committed", True):
        return
    raw = ff.file
    if isinstance(raw, CleanImage):
        return
    try:
        setattr(instance, field, clean_image(raw))
    except ValidationError:
        if not drop_refused:
            raise
        log.warning("refused an uploaded image for %s.%s", type(instance).__name__, field)
        setattr(instance, field, None)
        return
    if hasattr(instance, "_set_image_file_metadata"):  # Wagtail's size and hash
        instance._set_image_file_metadata()


def clean_on_save(sender, instance, raw: bool = False, **kwargs) -> None:
    if raw:
        return
    from wagtail.images import get_image_model
    from wagtail.models import UploadedFile as WagtailUploadedFile
    from wagtail.users.models import UserProfile

    if sender is get_image_model():
        _clean_field(instance, "file")
    elif sender is WagtailUploadedFile:
        ct = instance.for_content_type
        if ct is not None and ct.model_class() is get_image_model():
            _clean_field(instance, "file")
    elif sender is UserProfile:
        # The avatar form has already said yes; an image we cannot re-encode is dropped.
        _clean_field(instance, "avatar", drop_refused=True)


def connect() -> None:
    from django.db.models.signals import pre_save
    from wagtail.images import get_image_model
    from wagtail.models import UploadedFile as WagtailUploadedFile
    from wagtail.users.models import UserProfile

    for model in (get_image_model(), WagtailUploadedFile, UserProfile):
        pre_save.connect(clean_on_save, sender=model, dispatch_uid=f"clean-image-{model._meta}")
