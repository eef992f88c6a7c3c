B = '''from django.db import models
from django.db.models.functions import Lower


class Item(models.Model):
    name = models.CharField(max_length=100)
    price = models.DecimalField(max_digits=10, decimal_places=2)
    quantity = models.IntegerField(default=1)
'''
APPS = ["shop"]
BEFORE = {"shop": B}
AFTER = {"shop": B + '''    total = models.GeneratedField(
        expression=models.F("price") * models.F("quantity"),
        output_field=models.DecimalField(max_digits=12, decimal_places=2),
        db_persist=True,
    )
    name_key = models.GeneratedField(
        expression=Lower("name"),
        output_field=models.CharField(max_length=100),
        db_persist=True,
    )


class Box(models.Model):
    width = models.IntegerField()
    height = models.IntegerField()
    area = models.GeneratedField(
        expression=models.F("width") * models.F("height") + 1,
        output_field=models.IntegerField(),
        db_persist=True,
        verbose_name="area plus one",
    )
'''}
