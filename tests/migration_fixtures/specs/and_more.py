B = '''from django.db import models


class Book(models.Model):
    title = models.CharField(max_length=100)
'''
APPS = ["shop"]
BEFORE = {"shop": B}
AFTER = {"shop": B + '''    long_description = models.TextField(blank=True)
    publication_date = models.DateField(null=True)
    number_of_pages = models.IntegerField(null=True)
'''}
