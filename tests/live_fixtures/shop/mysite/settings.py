# Settings for the live-database tests (tests/live/run_live_tests.py). The database comes from
# the environment, so djsa cannot read the engine statically: the test passes --database-url.
import os

SECRET_KEY = "live-tests"
USE_TZ = True
INSTALLED_APPS = ["shop"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

ENGINE = os.environ.get("DJSA_LIVE_ENGINE", "django.db.backends.sqlite3")
if "mysql" in ENGINE:
    # PyMySQL stands in for mysqlclient (no C build needed).
    import pymysql

    pymysql.version_info = (2, 2, 7, "final", 0)
    pymysql.install_as_MySQLdb()

DATABASES = {
    "default": {
        "ENGINE": ENGINE,
        "NAME": os.environ.get("DJSA_LIVE_NAME", "db.sqlite3"),
        "USER": os.environ.get("DJSA_LIVE_USER", ""),
        "PASSWORD": os.environ.get("DJSA_LIVE_PASSWORD", ""),
        "HOST": os.environ.get("DJSA_LIVE_HOST", ""),
        "PORT": os.environ.get("DJSA_LIVE_PORT", ""),
    }
}
