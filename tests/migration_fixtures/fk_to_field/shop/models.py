from django.db import models


class Country(models.Model):
    code = models.CharField(max_length=2, unique=True)


class Book(models.Model):
    title = models.CharField(max_length=100)
    country = models.ForeignKey(Country, to_field="code", on_delete=models.PROTECT, null=True)
    origin = models.ForeignKey(Country, to_field="id", on_delete=models.PROTECT, null=True, related_name="+")
