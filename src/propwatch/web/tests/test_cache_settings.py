"""Caches: in-process (and files for the public rate limits) by default, Redis when REDIS_URL names it.

CI runs Redis at 127.0.0.1:6379, as it runs PostgreSQL; the Redis test talks to it for real.
"""

import os
import subprocess
import sys

_PROBE = ("import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'propwatch.settings'); django.setup();"
          "from django.core.cache import caches; import uuid; k = 'probe-' + uuid.uuid4().hex;"
          "r = caches['ratelimit']; ok = r.add(k, 1, 5) and not r.add(k, 1, 5);"
          "print(type(caches['default']).__name__, type(r).__name__, ok)")


def _probe(env: dict) -> str:
    result = subprocess.run([sys.executable, "-c", _PROBE], env=env, capture_output=True, text=True, check=True)
    return result.stdout.strip()


def test_default_caches_need_no_server():
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    assert _probe(env) == "LocMemCache FileBasedCache True"


def test_redis_when_the_environment_names_it():
    env = {**os.environ, "REDIS_URL": os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")}
    assert _probe(env) == "RedisCache RedisCache True"
