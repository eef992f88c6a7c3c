from django.db import models

from .fields import Percent, UpperCaseField


class Book(models.Model):
    title = models.CharField(max_length=100)
    code = UpperCaseField(max_length=12, blank=True)
    discount = Percent(default=0, null=False)
