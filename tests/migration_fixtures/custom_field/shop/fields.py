from django.db import models


class UpperCaseField(models.CharField):
    """Stores text in upper case; keeps CharField's __init__ and deconstruct."""

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return value.upper() if isinstance(value, str) else value


class Percent(models.PositiveSmallIntegerField):
    def formfield(self, **kwargs):
        return super().formfield(**{"max_value": 100, **kwargs})
