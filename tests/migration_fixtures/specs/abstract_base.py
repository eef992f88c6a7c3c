B = '''from django.db import models


class Stamped(models.Model):
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class Book(Stamped):
    title = models.CharField(max_length=100)
'''
APPS = ["shop"]
BEFORE = {"shop": B}
AFTER = {"shop": B + '''

class Shelf(Stamped):
    label = models.CharField(max_length=20)
    books = models.ManyToManyField(Book, related_name="shelves")
'''}
