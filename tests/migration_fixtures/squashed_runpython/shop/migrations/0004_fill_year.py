from django.db import migrations, models


def fill(apps, schema_editor):
    Book = apps.get_model("shop", "Book")
    Book.objects.filter(year__isnull=True).update(year=2000)


class Migration(migrations.Migration):

    dependencies = [
        ("shop", "0003_book_year"),
    ]

    operations = [
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.RunSQL(
            "SELECT 1",
            reverse_sql=migrations.RunSQL.noop,
            state_operations=[
                migrations.AlterField(
                    model_name="book",
                    name="year",
                    field=models.IntegerField(null=True, help_text="Publication year"),
                ),
            ],
        ),
    ]
