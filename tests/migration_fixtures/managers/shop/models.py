from django.db import models


class BookQuerySet(models.QuerySet):
    def cheap(self):
        return self.filter(price__lt=10)


class BookManager(models.Manager):
    use_in_migrations = True


class Book(models.Model):
    title = models.CharField(max_length=100)
    price = models.IntegerField(default=0)

    objects = models.Manager()
    books = BookManager()
