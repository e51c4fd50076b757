"""Building blocks shared by every app's models."""

from django.db import models

from .scoping import ScopedManager  # noqa: F401 — the models' manager, re-exported beside VersionedModel


class VersionedModel(models.Model):
    """Optimistic concurrency: every update bumps ``version``; a write that carries an
    older version is refused by ``gate.services.update_object`` with a conflict."""

    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
