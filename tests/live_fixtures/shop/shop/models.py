import uuid

from django.db import models


class Author(models.Model):
    name = models.CharField(max_length=100, unique=True)
    born = models.DateField(null=True)
    email = models.EmailField(blank=True, default="")


class Tag(models.Model):
    label = models.SlugField()


class Book(models.Model):
    title = models.CharField(max_length=200)
    pages = models.PositiveIntegerField(default=0)
    price = models.DecimalField(max_digits=8, decimal_places=2, null=True)
    published = models.DateTimeField(null=True)
    in_stock = models.BooleanField(default=True)
    code = models.UUIDField(default=uuid.uuid4, unique=True)
    data = models.JSONField(default=dict)
    author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="books")
    tags = models.ManyToManyField(Tag, blank=True)

    class Meta:
        indexes = [models.Index(fields=["published"], name="book_published_idx")]
        unique_together = [("title", "author")]


class Ebook(Book):
    url = models.URLField()
    size = models.FloatField(null=True)
