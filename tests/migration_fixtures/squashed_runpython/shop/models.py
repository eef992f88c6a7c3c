from django.db import models


class Book(models.Model):
    title = models.CharField(max_length=100)
    pages = models.IntegerField(default=0)
    isbn = models.CharField("ISBN", max_length=13, blank=True)
    year = models.IntegerField(null=True, help_text="Publication year")
    sold = models.BooleanField(default=False)
