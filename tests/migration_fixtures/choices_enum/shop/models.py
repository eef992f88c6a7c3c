from django.db import models
from django.utils.translation import gettext_lazy as _


class Priority(models.IntegerChoices):
    LOW = 1
    HIGH = 5, _("Very high")


class Book(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published"
        OUT_OF_PRINT = "oop", "Out of print"

    title = models.CharField(max_length=100)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    priority = models.IntegerField(choices=Priority.choices, default=Priority.LOW)
