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
    "shop": SHOP + "    stock = models.IntegerField(null=True)\n",
    "orders": ORD + '    book = models.ForeignKey("shop.Book", on_delete=models.PROTECT, null=True)\n',
}
