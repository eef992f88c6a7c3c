B = '''from django.db import models


class Book(models.Model):
    title = models.CharField(max_length=100)
'''
APPS = ["shop"]
BEFORE = {"shop": B + '''
    class Meta:
        db_table = "books"
        verbose_name = "book"
'''}
AFTER = {"shop": B}
