"""The environment contract of trustrepair/settings.py, checked in fresh processes.

Settings are read once at import, so every case runs ``manage.py`` in a
subprocess with a controlled environment (the parent's Django-related
variables removed first, so a developer's shell cannot mask a failure).
"""

import base64
import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]

# Everything settings.py reads; none of it may leak in from the parent process.
SETTINGS_VARIABLES = {
    "DJANGO_ENV", "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "SITE_URL", "CSRF_TRUSTED_ORIGINS", "DATABASE_URL",
    "CONN_MAX_AGE", "REDIS_URL", "EMAIL_URL", "DEFAULT_FROM_EMAIL", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS",
    "LOG_LEVEL", "VAR_DIR", "DJANGO_SETTINGS_MODULE", "BEHIND_PROXY", "DATA_KEYS", "KEYRING_DATABASE_URL",
    "KEYRING_OWNER_URL",
    # Set for the test process (Playwright + live_server); a deployment never has it, and check --deploy says so.
    "DJANGO_ALLOW_ASYNC_UNSAFE",
}  # fmt: skip

STRONG_SECRET = secrets.token_urlsafe(64)
DATA_KEY = base64.b64encode(secrets.token_bytes(32)).decode()


def run_manage(tmp_path, *args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARIABLES}
    environment |= {
        "DJANGO_SETTINGS_MODULE": "trustrepair.settings",
        "VAR_DIR": str(tmp_path / "var"),
        "DATABASE_URL": os.environ["DATABASE_URL"],
    }
    if os.environ.get("REDIS_URL"):
        environment["REDIS_URL"] = os.environ["REDIS_URL"]
    environment |= env
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def production(**extra: str) -> dict[str, str]:
    return {
        "DJANGO_ENV": "production",
        "SECRET_KEY": STRONG_SECRET,
        "ALLOWED_HOSTS": "trustrepair.example",
        "DATA_KEYS": DATA_KEY,
    } | extra


def assert_clean_deploy_check(result: subprocess.CompletedProcess) -> None:
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues (0 silenced)." in output, output
    assert "WARNING" not in output
    assert "ERROR" not in output


def test_production_mode_passes_check_deploy(tmp_path):
    """The issue's contract: DJANGO_ENV=production plus a strong SECRET_KEY and ALLOWED_HOSTS is deployable."""
    assert_clean_deploy_check(run_manage(tmp_path, "check", "--deploy", "--fail-level", "WARNING", **production()))


def test_production_mode_with_smtp_passes_check_deploy(tmp_path):
    env = production(EMAIL_URL="smtp://mailer:s3cret@mail.trustrepair.example:587?tls=1")
    assert_clean_deploy_check(run_manage(tmp_path, "check", "--deploy", "--fail-level", "WARNING", **env))


PRINT_SETTINGS = (
    "import json; from django.conf import settings as s; print(json.dumps({"
    "'DEBUG': s.DEBUG, 'CONN_MAX_AGE': s.DATABASES['default']['CONN_MAX_AGE'],"
    "'staticfiles': s.STORAGES['staticfiles']['BACKEND'], 'SESSION_COOKIE_SECURE': s.SESSION_COOKIE_SECURE,"
    "'CSRF_COOKIE_SECURE': s.CSRF_COOKIE_SECURE, 'SECURE_SSL_REDIRECT': s.SECURE_SSL_REDIRECT,"
    "'CACHE': s.CACHES['default']['BACKEND']}))"
)


def test_production_mode_defaults(tmp_path):
    result = run_manage(tmp_path, "shell", "-c", PRINT_SETTINGS, **production())
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values["DEBUG"] is False
    assert values["CONN_MAX_AGE"] > 0, "persistent connections in production"
    assert values["staticfiles"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["SECURE_SSL_REDIRECT"] is True
    if os.environ.get("REDIS_URL"):
        assert values["CACHE"] == "django.core.cache.backends.redis.RedisCache"
    assert values["CACHE"] != "django.core.cache.backends.dummy.DummyCache", "rate limits need a real cache"


PRINT_PROXY_HEADER = "from django.conf import settings as s; print(repr(getattr(s, 'SECURE_PROXY_SSL_HEADER', None)))"


def test_the_forwarded_https_header_is_trusted_only_behind_a_proxy(tmp_path):
    alone = run_manage(tmp_path, "shell", "-c", PRINT_PROXY_HEADER, **production())
    assert alone.returncode == 0, alone.stderr
    assert alone.stdout.strip().splitlines()[-1] == "None"
    proxied = run_manage(tmp_path, "shell", "-c", PRINT_PROXY_HEADER, **production(BEHIND_PROXY="true"))
    assert proxied.returncode == 0, proxied.stderr
    assert proxied.stdout.strip().splitlines()[-1] == "('HTTP_X_FORWARDED_PROTO', 'https')"
    assert_clean_deploy_check(
        run_manage(tmp_path, "check", "--deploy", "--fail-level", "WARNING", **production(BEHIND_PROXY="true"))
    )


@pytest.mark.parametrize(
    "secret",
    ["", "too-short", "a" * 60, "dev-only-insecure-secret-key-never-use-in-production-0123456789abcdef"],
    ids=["missing", "short", "one-character-repeated", "the-development-default"],
)
def test_production_refuses_a_weak_secret_key(tmp_path, secret):
    env = production(SECRET_KEY=secret)
    if not secret:
        env.pop("SECRET_KEY")
    result = run_manage(tmp_path, "check", **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr


def test_production_refuses_to_start_without_a_key_encryption_key(tmp_path):
    env = production()
    env.pop("DATA_KEYS")
    result = run_manage(tmp_path, "check", **env)
    assert result.returncode != 0
    assert "DATA_KEYS is required in production" in result.stderr


def test_a_malformed_key_encryption_key_fails_the_checks(tmp_path):
    result = run_manage(tmp_path, "check", **production(DATA_KEYS=f"{DATA_KEY},not-a-key"))
    assert result.returncode != 0
    assert "keyring.E001" in result.stderr + result.stdout


def test_production_requires_allowed_hosts(tmp_path):
    env = production()
    env.pop("ALLOWED_HOSTS")
    result = run_manage(tmp_path, "check", **env)
    assert result.returncode != 0
    assert "ALLOWED_HOSTS" in result.stderr


BAD_VALUES = {
    "DEBUG": "maybe",
    "CONN_MAX_AGE": "abc",
    "DJANGO_ENV": "staging",
    "DATABASE_URL": "nonsense://somewhere",
    "EMAIL_URL": "ftp://mail.example",
    "EMAIL_URL-port": "smtp://mail.example:notaport",
    "SECURE_HSTS_SECONDS": "a-year",
    "REDIS_URL": "localhost:6379",
    "BEHIND_PROXY": "perhaps",
}


@pytest.mark.parametrize(("key", "value"), BAD_VALUES.items(), ids=BAD_VALUES.keys())
def test_bad_environment_value_fails_fast_naming_the_variable(tmp_path, key, value):
    variable = key.split("-")[0]
    env = production(**{variable: value}) if variable.startswith("SECURE_") else {variable: value}
    result = run_manage(tmp_path, "check", **env)
    assert result.returncode != 0, f"{variable}={value!r} was accepted"
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line.startswith("django.core.exceptions.ImproperlyConfigured"), last_line
    assert variable in last_line, last_line


def _bare_environment(tmp_path) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARIABLES}
    environment["VAR_DIR"] = str(tmp_path / "var")
    return environment


def test_without_a_database_url_settings_say_how_to_get_one(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=BASE_DIR,
        env=_bare_environment(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    last_line = result.stderr.strip().splitlines()[-1]
    assert "DATABASE_URL is not set" in last_line and "make run" in last_line, last_line


def test_development_run_needs_no_environment(tmp_path):
    """A fresh checkout: no DATABASE_URL, no REDIS_URL, nothing set. The embedded PostgreSQL server
    (what `make run` uses) starts, the project checks clean and migrates against it, and the server stops."""
    command = [sys.executable, "-m", "trustrepair.embedded_db", sys.executable, "manage.py"]
    env = _bare_environment(tmp_path)
    result = subprocess.run(
        [*command, "migrate", "--no-input"], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=240
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # Two logins, as in production: the demo is seeded as the owner, the check runs as the application role.
    for step in (["seed_demo"], ["check", "--database", "default"]):
        result = subprocess.run([*command, *step], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=240)
        assert result.returncode == 0, result.stdout + result.stderr
    data = tmp_path / "var" / "postgres"
    assert (data / "PG_VERSION").is_file()
    # The data is kept between runs: a second start finds the migrated database.
    result = subprocess.run(
        [*command, "showmigrations", "exercises"], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "[X] 0001" in result.stdout, result.stdout
    assert not (data / "postmaster.pid").exists(), "the server was left running"
