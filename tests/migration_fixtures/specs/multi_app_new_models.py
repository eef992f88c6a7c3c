SHOP = '''from django.db import models


class Book(models.Model):
    title = models.CharField(max_length=100)
'''
ORD = '''from django.db import models


class Order(models.Model):
    quantity = models.PositiveIntegerField(default=1)
'''
APPS = ["shop", "orders"]
BEFORE = {"shop": SHOP, "orders": ORD}
AFTER = {
    "shop": SHOP + '''

class Author(models.Model):
    name = models.CharField(max_length=100)
''',
    "orders": ORD + '''

class Dedication(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE)
    author = models.ForeignKey("shop.Author", on_delete=models.CASCADE)
    text = models.TextField()
''',
}
