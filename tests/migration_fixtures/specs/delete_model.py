B = '''from django.db import models


class Book(models.Model):
    title = models.CharField(max_length=100)
'''
APPS = ["shop"]
BEFORE = {"shop": B + '''

class Coupon(models.Model):
    code = models.SlugField(unique=True)
'''}
AFTER = {"shop": B}
