from django.db import models


class Book(models.Model):
    title = models.CharField(max_length=100)
    pages = models.IntegerField(default=0)
    isbn = models.CharField("ISBN", max_length=13, blank=True)
    stock = models.IntegerField(db_default=0)
    label = models.CharField(max_length=10, db_default="x")


class Special(Book):
    extra = models.CharField(max_length=5, blank=True)


class Thing(models.Model):
    a = models.CharField(max_length=10)
    b = models.IntegerField(null=True)

    class Meta:
        indexes = [models.Index(fields=["a", "-b"]), models.Index(fields=["b"])]
