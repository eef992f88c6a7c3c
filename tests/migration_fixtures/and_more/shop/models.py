from django.db import models


class Book(models.Model):
    title = models.CharField(max_length=100)
    long_description = models.TextField(blank=True)
    publication_date = models.DateField(null=True)
    number_of_pages = models.IntegerField(null=True)
