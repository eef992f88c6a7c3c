B = '''from django.db import models


class Tag(models.Model):
    label = models.CharField(max_length=50)


class Author(models.Model):
    name = models.CharField(max_length=100)


class Book(models.Model):
    title = models.CharField(max_length=100)
    author = models.ForeignKey(Author, on_delete=models.CASCADE, null=True)
'''
APPS = ["shop"]
BEFORE = {"shop": B}
AFTER = {"shop": B + '''    tags = models.ManyToManyField(Tag, blank=True, related_name="books")

    class Meta:
        indexes = [models.Index(fields=["author", "title"])]
'''}
