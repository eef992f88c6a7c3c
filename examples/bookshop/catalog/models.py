from django.conf import settings
from django.db import models


class TimeStamped(models.Model):
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class Author(TimeStamped):
    name = models.CharField(max_length=200)
    born = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Publisher(TimeStamped):
    name = models.CharField(max_length=200, unique=True)
    website = models.URLField(blank=True)


class Book(TimeStamped):
    FORMATS = [("hb", "Hardback"), ("pb", "Paperback"), ("eb", "E-book")]

    title = models.CharField(max_length=300)
    isbn_ = models.CharField(max_length=13, unique=True)
    format = models.CharField(max_length=1, choices=FORMATS)
    price = models.DecimalField(max_digits=8, decimal_places=2)
    authors = models.ManyToManyField(Author, related_name="books")
    publisher = models.ForeignKey(Publisher, on_delete=models.SET_NULL, related_name="books")
    translator = models.ForeignKey(Author, on_delete=models.PROTECT, null=True, blank=True, related_name="books")

    class Meta:
        ordering = ["-published", "title"]

    def __str__(self):
        return self.title


class Review(TimeStamped):
    book = models.ForeignKey(Book, on_delete=models.CASCADE, related_name="reviews")
    reader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    stars = models.PositiveSmallIntegerField()
    body = models.TextField(blank=True)

    class Meta:
        unique_together = [("book", "reader")]
