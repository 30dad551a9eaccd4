"""The encryption key comes from the environment or var/, and can be rotated."""

import io

from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection

from propwatch.complaints import pii

from .factories import NAME, PHONE, ComplaintFactory, fresh


def _use_keys(monkeypatch, *keys):
    monkeypatch.setenv("PROPWATCH_PII_KEYS", ",".join(keys))
    pii._fernet.cache_clear()


def test_rotation_re_encrypts_with_the_newest_key(db, monkeypatch):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    try:
        _use_keys(monkeypatch, old)
        complaint = ComplaintFactory(name=NAME, phone=PHONE)
        before = fresh(complaint).phone_cipher
        _use_keys(monkeypatch, new, old)
        out = io.StringIO()
        call_command("rotate_pii_keys", stdout=out)
        assert "已重新加密 1 件" in out.getvalue()
        with connection.cursor() as cursor:
            cursor.execute("SELECT phone_cipher FROM complaints_complaint")
            [(after,)] = cursor.fetchall()
        assert after != before and PHONE not in after
        _use_keys(monkeypatch, new)  # the old key is gone: the data still reads
        assert fresh(complaint).phone() == PHONE and fresh(complaint).name() == NAME
        _use_keys(monkeypatch, Fernet.generate_key().decode())  # a wrong key says so, never crashes
        assert fresh(complaint).phone() == "（无法解密：密钥已更换）"
    finally:
        monkeypatch.delenv("PROPWATCH_PII_KEYS", raising=False)
        pii._fernet.cache_clear()


def test_without_the_variable_a_key_is_generated_into_var(db, monkeypatch, settings, tmp_path):
    monkeypatch.delenv("PROPWATCH_PII_KEYS", raising=False)
    settings.VAR_DIR = tmp_path
    pii._fernet.cache_clear()
    try:
        token = pii.encrypt(PHONE)
        key_file = tmp_path / "pii_key"
        assert key_file.exists() and oct(key_file.stat().st_mode)[-3:] == "600"
        assert pii.decrypt(token) == PHONE and PHONE not in token
    finally:
        pii._fernet.cache_clear()
