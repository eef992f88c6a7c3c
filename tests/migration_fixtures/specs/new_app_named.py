APPS = ["shop"]
BEFORE = {"shop": "from django.db import models\n"}
AFTER = {"shop": '''from django.db import models


class Shelf(models.Model):
    label = models.CharField(max_length=20, unique=True)
    capacity = models.PositiveSmallIntegerField(default=10)
'''}
BEFORE_MIGRATE = False
MAKE_ARGS = ["shop"]
