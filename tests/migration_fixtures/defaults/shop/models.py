import uuid

from django.db import models
from django.utils import timezone


class Book(models.Model):
    title = models.CharField(max_length=100)
    added = models.DateTimeField(default=timezone.now)
    code = models.UUIDField(default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=2, choices=[("hb", "Hardback"), ("pb", "Paperback")], default="pb")
    note = models.TextField(null=True, db_comment="free text")
