APPS = ["shop"]
BEFORE = {"shop": "from django.db import models\n"}
AFTER = {"shop": '''from django.db import models


class Publisher(models.Model):
    name = models.CharField(max_length=200, unique=True)
    website = models.URLField(blank=True)


class Book(models.Model):
    title = models.CharField(max_length=200)
    publisher = models.ForeignKey(Publisher, on_delete=models.CASCADE)
    slug = models.SlugField()
    email = models.EmailField(blank=True)
    price = models.DecimalField(max_digits=6, decimal_places=2)
    in_print = models.BooleanField(default=True)
    tags = models.ManyToManyField("Tag", blank=True)

    class Meta:
        ordering = ["title"]


class Tag(models.Model):
    label = models.CharField(max_length=50)
'''}
