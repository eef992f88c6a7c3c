from django.db import models


class Order(models.Model):
    quantity = models.PositiveIntegerField(default=1)


class Dedication(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE)
    author = models.ForeignKey("shop.Author", on_delete=models.CASCADE)
    text = models.TextField()
