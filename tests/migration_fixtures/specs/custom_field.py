FIELDS = '''from django.db import models


class UpperCaseField(models.CharField):
    """Stores text in upper case; keeps CharField's __init__ and deconstruct."""

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return value.upper() if isinstance(value, str) else value


class Percent(models.PositiveSmallIntegerField):
    def formfield(self, **kwargs):
        return super().formfield(**{"max_value": 100, **kwargs})
'''
B = '''from django.db import models

from .fields import Percent, UpperCaseField


class Book(models.Model):
    title = models.CharField(max_length=100)
    code = UpperCaseField(max_length=%s, blank=True)
'''
APPS = ["shop"]
EXTRA_FILES = {"shop/fields.py": FIELDS}
BEFORE = {"shop": B % "10"}
AFTER = {"shop": B % "12" + "    discount = Percent(default=0, null=False)\n"}
