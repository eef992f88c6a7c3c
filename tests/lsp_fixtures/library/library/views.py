from library.models import Book


def titles():
    return [b.title for b in Book.objects.all()]
