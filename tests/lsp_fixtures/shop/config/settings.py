"""Settings of the language-server test project: two apps, no contrib."""

SECRET_KEY = "lsp-fixture"
INSTALLED_APPS = ["shop", "crm"]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "db.sqlite3"}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
