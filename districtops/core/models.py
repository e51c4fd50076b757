"""Building blocks shared by every app's models."""

from django.db import models

from .permissions import ScopedQuerySet


class VersionedModel(models.Model):
    """Optimistic concurrency: every update bumps ``version``; a write that carries an
    older version is refused by ``core.services.update_object`` with a conflict."""

    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


ScopedManager = models.Manager.from_queryset(ScopedQuerySet)
