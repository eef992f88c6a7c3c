B = '''from django.db import models


class Author(models.Model):
    name = models.CharField(max_length=100)
'''
APPS = ["shop"]
BEFORE = {"shop": B + '''

class Book(models.Model):
    title = models.CharField(max_length=100)
    author = models.ForeignKey(Author, on_delete=models.CASCADE)
'''}
AFTER = {"shop": B}
