from django.db import models


class Volume(models.Model):
    title = models.CharField(max_length=100)
    pages = models.IntegerField(default=0)

    class Meta:
        ordering = ["title"]
