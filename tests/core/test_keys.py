"""Key management: several readable keys, resumable rotation, stable lookup hashes."""

from __future__ import annotations

import json
import stat

import pytest
from click.testing import CliRunner
from sqlalchemy import Text, select, type_coerce

from core.cli import cli
from core.cli.common import reset_runtime
from core.crypto import (
    Keyring,
    configure_keyring,
    keyring,
    keyring_path,
    phone_hash,
    set_keyring,
)
from core.errors import DomainError
from core.models import Customer, Rep
from core.services.customers import create_customer, find_by_phone
from core.services.keys import encrypted_columns, key_usage, rotate_keys
from core.services.reps import create_rep

PHONES = ["13811110001", "13811110002", "13811110003"]


@pytest.fixture()
def key_file(keyring, tmp_path):
    """A copy of the test keyring saved as a key file and installed; restored afterwards."""
    path = tmp_path / "keys.json"
    path.write_text(keyring.to_json())
    ring = Keyring.from_json(path.read_text())
    set_keyring(ring, path)
    yield path
    set_keyring(keyring)


def seed(ctx):
    """2 reps with a phone + 3 customers with phone and WeChat ID = 8 encrypted values."""
    create_rep(ctx, {"rep_ref": "R1", "name": "王芳", "phone": "13900000001"})
    create_rep(ctx, {"rep_ref": "R2", "name": "张伟", "phone": "13900000002"})
    for i, phone in enumerate(PHONES, start=1):
        create_customer(ctx, {"customer_ref": f"C{i}", "name": f"客户{i}", "phone": phone,
                              "wechat_id": f"wx_user_{i}", "rep_ref": "R1"})


def raw_values(session):
    """Every stored ciphertext of every EncryptedText column, as stored."""
    out = []
    for _table, column in encrypted_columns():
        out += [v for v in session.scalars(select(type_coerce(column, Text)).where(
            column.isnot(None)))]
    session.rollback()
    return out


def plaintexts(session):
    session.expire_all()
    reps = {r.rep_ref: r.phone for r in session.scalars(select(Rep))}
    customers = {c.customer_ref: (c.phone, c.wechat_id) for c in session.scalars(select(Customer))}
    session.rollback()
    return reps, customers


EXPECTED_PLAIN = (
    {"R1": "13900000001", "R2": "13900000002"},
    {"C1": ("13811110001", "wx_user_1"), "C2": ("13811110002", "wx_user_2"),
     "C3": ("13811110003", "wx_user_3")},
)


def test_encrypted_columns_are_discovered_by_type():
    names = {f"{t.name}.{c.name}" for t, c in encrypted_columns()}
    assert {"customers.phone", "customers.wechat_id", "reps.phone"} <= names


def test_old_keys_stay_readable():
    ring = Keyring.generate()
    old = ring.encrypt("13800138000")
    ring.add_key()
    new = ring.encrypt("13800138000")
    assert (old.split(":")[0], new.split(":")[0]) == ("k1", "k2")
    assert ring.decrypt(old) == ring.decrypt(new) == "13800138000"


def test_interrupted_rotation_resumes_and_retires_the_old_key(make_ctx, brands, key_file):
    ctx = make_ctx("A")
    seed(ctx)
    hash_before = phone_hash("13811110001")
    admin = make_ctx()
    assert key_usage(admin).totals == {"k1": 8}

    # Interrupted run: one batch of 2 values, then stop (as if the process died).
    first = rotate_keys(admin, batch_size=2, max_batches=1)
    assert (first.started, first.current, first.batches, first.reencrypted) == (
        True, "k2", 1, 2)
    assert not first.finished and first.retired == []
    # The key file was saved before any value moved: both keys in it, k2 current.
    saved = json.loads(key_file.read_text())
    assert saved["current"] == "k2" and sorted(saved["keys"]) == ["k1", "k2"]
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    usage = key_usage(admin)
    assert usage.totals == {"k1": 6, "k2": 2} and usage.pending == 6  # 8 - 2
    # Mid-rotation every value is readable.
    assert plaintexts(ctx.session) == EXPECTED_PLAIN

    # A new process loads the key file and resumes with the same current key.
    set_keyring(Keyring.from_json(key_file.read_text()), key_file)
    second = rotate_keys(make_ctx(), batch_size=2)
    assert (second.started, second.current, second.reencrypted) == (False, "k2", 6)
    assert second.finished and second.retired == ["k1"]
    assert json.loads(key_file.read_text())["keys"].keys() == {"k2"}
    assert keyring().keys.keys() == {"k2"}
    assert key_usage(admin).totals == {"k2": 8}
    assert all(v.startswith("k2:") for v in raw_values(ctx.session))
    assert plaintexts(ctx.session) == EXPECTED_PLAIN
    # The lookup-hash key is stable: hashes unchanged, lookup by any formatting works.
    assert phone_hash("+86 138-1111-0001") == hash_before
    assert [c.customer_ref for c in find_by_phone(ctx, "0086 138 1111 0001")] == ["C1"]

    # A second rotation starts afresh with k3.
    third = rotate_keys(make_ctx(), batch_size=100)
    assert (third.started, third.current, third.reencrypted, third.retired) == (
        True, "k3", 8, ["k2"])


def test_rotation_refuses_keys_from_the_environment(make_ctx, brands, keyring):
    set_keyring(keyring, None)  # as configured from DIRECTCRM_KEYS
    with pytest.raises(DomainError) as exc:
        rotate_keys(make_ctx())
    assert exc.value.code == "keys_not_writable"


def test_keys_cli_status_and_rotate(make_ctx, brands, key_file, database_url, tmp_path,
                                    monkeypatch, keyring):
    seed(make_ctx("A"))
    monkeypatch.setenv("DIRECTCRM_DATABASE_URL", database_url)
    monkeypatch.setenv("DIRECTCRM_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("DIRECTCRM_KEYS", raising=False)
    monkeypatch.setenv("DIRECTCRM_KEY_FILE", str(key_file))
    reset_runtime()
    runner = CliRunner()
    try:
        out = runner.invoke(cli, ["keys", "rotate", "--batch-size", "3", "--max-batches", "2"])
        assert out.exit_code == 0, out.output
        assert "New current key: k2." in out.output
        assert "Rotation not finished" in out.output
        out = runner.invoke(cli, ["keys", "status"])
        assert out.exit_code == 0, out.output
        assert "Current key: k2" in out.output and "still use an old key" in out.output
        out = runner.invoke(cli, ["keys", "rotate"])
        assert out.exit_code == 0, out.output
        assert "Resuming the rotation to key k2." in out.output
        assert "Rotation complete; retired keys: k1." in out.output
        out = runner.invoke(cli, ["keys", "status"])
        assert "k2\t8\tcurrent" in out.output and "k1" not in out.output
    finally:
        reset_runtime()
        set_keyring(keyring)


def test_a_running_process_picks_up_a_key_added_by_a_rotation(make_ctx, brands, key_file):
    """Process 1 started with k1 only; a rotation elsewhere re-encrypted a value with k2.
    Reading it makes process 1 re-read the key file instead of failing."""
    ctx = make_ctx("A")
    create_customer(ctx, {"customer_ref": "C1", "name": "李娜", "phone": "13800138000"})
    stale = Keyring.from_json(key_file.read_text())  # k1 only, as loaded at start-up
    rotate_keys(make_ctx(), batch_size=10)  # the "other process": file now holds k2 only
    set_keyring(stale, key_file)
    ctx.session.rollback()
    ctx.session.expire_all()
    assert ctx.session.scalar(select(Customer.phone)) == "13800138000"
    assert keyring().current == "k2" and "k2" in keyring().keys


def test_key_file_is_created_owner_only_on_first_run(tmp_path, monkeypatch, capsys, keyring):
    monkeypatch.delenv("DIRECTCRM_KEYS", raising=False)
    monkeypatch.delenv("DIRECTCRM_KEY_FILE", raising=False)
    try:
        first = configure_keyring(tmp_path)
        path = tmp_path / "directcrm-keys.json"
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert str(path) in capsys.readouterr().err  # it says where
        assert keyring_path() == path
        again = configure_keyring(tmp_path)  # second start: the same keys, no message
        assert again.keys == first.keys and again.hash_key == first.hash_key
        assert capsys.readouterr().err == ""
        monkeypatch.setenv("DIRECTCRM_KEYS", keyring.to_json())  # the variable wins
        assert configure_keyring(tmp_path).keys == keyring.keys and keyring_path() is None
    finally:
        set_keyring(keyring)
