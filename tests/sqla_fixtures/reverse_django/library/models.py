import uuid

from django.db import models


class Author(models.Model):
    name = models.CharField(max_length=100)
    email = models.EmailField(unique=True)
    born = models.DateField(null=True, blank=True)


class Genre(models.Model):
    code = models.SlugField(primary_key=True, max_length=20)
    label = models.CharField(max_length=50)

    class Meta:
        db_table = "genres"


class Book(models.Model):
    author = models.ForeignKey(Author, on_delete=models.CASCADE)
    genre = models.ForeignKey(Genre, on_delete=models.SET_NULL, null=True, db_column="genre")
    title = models.CharField(max_length=200)
    price = models.DecimalField(max_digits=8, decimal_places=2)
    in_print = models.BooleanField(default=True)
    summary = models.TextField(blank=True)
    isbn = models.UUIDField(default=uuid.uuid4, unique=True)
    rating = models.FloatField(null=True)
    extra = models.JSONField(default=dict)
    tags = models.ManyToManyField("Tag", blank=True)


class Tag(models.Model):
    name = models.CharField(max_length=30, unique=True)


class Profile(models.Model):
    author = models.OneToOneField(Author, on_delete=models.CASCADE, primary_key=True)
    website = models.URLField(blank=True)
    pages = models.PositiveIntegerField(default=0)
    small = models.SmallIntegerField(default=0)
