"""Uploads go to local disk by default and to S3-compatible storage when the environment names it."""

import os
import subprocess
import sys


def _storage_backend(env: dict) -> str:
    code = ("import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'propwatch.settings'); django.setup();"
            "from django.core.files.storage import storages; s = storages['default'];"
            "print(type(s).__module__ + '.' + type(s).__name__, getattr(s, 'bucket_name', ''),"
            " getattr(s, 'default_acl', ''))")
    result = subprocess.run([sys.executable, "-c", code], env={**os.environ, **env}, capture_output=True,
                            text=True, check=True)
    return result.stdout.strip()


def test_default_storage_is_the_local_var_folder():
    env = {k: v for k, v in os.environ.items() if not k.startswith("PROPWATCH_S3")}
    assert _storage_backend(env).startswith("django.core.files.storage.filesystem.FileSystemStorage")


def test_s3_compatible_storage_when_a_bucket_is_named():
    out = _storage_backend({"PROPWATCH_S3_BUCKET": "evidence", "PROPWATCH_S3_ENDPOINT_URL": "http://127.0.0.1:9000",
                            "PROPWATCH_S3_ACCESS_KEY": "k", "PROPWATCH_S3_SECRET_KEY": "s"})
    assert out == "storages.backends.s3.S3Storage evidence private"
