"""ensure_admin.py against a real Airflow (the pinned release, the FAB auth manager, a SQLite database)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from werkzeug.security import check_password_hash

from ensure_admin import SettingsError, read_settings

SCRIPT = Path(__file__).with_name("ensure_admin.py")
FAB = "airflow.providers.fab.auth_manager"


@dataclass(frozen=True)
class Airflow:
    env: dict[str, str]
    db: Path

    def ensure(self, **settings: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, str(SCRIPT)], env={**self.env, **settings}, capture_output=True, text=True, timeout=300, check=False
        )

    def user(self, name: str) -> tuple[str, list[str]]:
        with sqlite3.connect(self.db) as db:
            row = db.execute("select id, password from ab_user where username = ?", (name,)).fetchone()
            assert row is not None, f"no user {name}"
            roles = [
                r
                for (r,) in db.execute(
                    "select r.name from ab_role r join ab_user_role ur on ur.role_id = r.id where ur.user_id = ?", (row[0],)
                )
            ]
        return row[1], roles


@pytest.fixture(scope="module")
def airflow(tmp_path_factory: pytest.TempPathFactory) -> Airflow:
    home = tmp_path_factory.mktemp("airflow-home")
    db = home / "airflow.db"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")},
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{db}",
        "AIRFLOW__CORE__AUTH_MANAGER": f"{FAB}.fab_auth_manager.FabAuthManager",
        "AIRFLOW__DATABASE__EXTERNAL_DB_MANAGERS": f"{FAB}.models.db.FABDBManager",
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    migrate = subprocess.run(
        [sys.executable, "-m", "airflow", "db", "migrate"], env=env, capture_output=True, text=True, timeout=600, check=False
    )
    assert migrate.returncode == 0, migrate.stdout[-2000:] + migrate.stderr[-2000:]
    return Airflow(env=env, db=db)


def password_file(tmp_path: Path, password: str) -> str:
    path = tmp_path / "password"
    path.write_text(f"{password}\n", encoding="utf-8")
    return str(path)


def test_creates_the_admin_then_keeps_it_and_follows_a_rotated_password(airflow: Airflow, tmp_path: Path) -> None:
    first = airflow.ensure(
        AIRFLOW_ADMIN_USERNAME="platform-admin", AIRFLOW_ADMIN_PASSWORD_FILE=password_file(tmp_path, "first-password-0123")
    )
    assert first.returncode == 0, first.stderr[-2000:]
    assert "user 'platform-admin' with role 'Admin': created" in first.stdout
    assert "first-password-0123" not in first.stdout + first.stderr
    hashed, roles = airflow.user("platform-admin")
    assert check_password_hash(hashed, "first-password-0123")
    assert roles == ["Admin"]

    again = airflow.ensure(
        AIRFLOW_ADMIN_USERNAME="platform-admin", AIRFLOW_ADMIN_PASSWORD_FILE=password_file(tmp_path, "first-password-0123")
    )
    assert again.returncode == 0, again.stderr[-2000:]
    assert "unchanged" in again.stdout
    assert airflow.user("platform-admin")[0] == hashed, "an unchanged password is not rehashed"

    rotated = airflow.ensure(
        AIRFLOW_ADMIN_USERNAME="platform-admin", AIRFLOW_ADMIN_PASSWORD_FILE=password_file(tmp_path, "second-password-4567")
    )
    assert rotated.returncode == 0, rotated.stderr[-2000:]
    assert "updated" in rotated.stdout
    hashed, _ = airflow.user("platform-admin")
    assert check_password_hash(hashed, "second-password-4567")
    assert not check_password_hash(hashed, "first-password-0123")


def test_refuses_a_role_airflow_does_not_have_naming_the_roles_it_has(airflow: Airflow, tmp_path: Path) -> None:
    result = airflow.ensure(
        AIRFLOW_ADMIN_USERNAME="someone",
        AIRFLOW_ADMIN_PASSWORD_FILE=password_file(tmp_path, "a-long-password-89"),
        AIRFLOW_ADMIN_ROLE="Superuser",
    )
    assert result.returncode == 2
    assert "AIRFLOW_ADMIN_ROLE: no role 'Superuser'; roles: " in result.stderr
    assert "Admin" in result.stderr.rsplit("roles: ", 1)[1]
    with sqlite3.connect(airflow.db) as db:
        assert db.execute("select count(*) from ab_user where username = 'someone'").fetchone() == (0,)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "AIRFLOW_ADMIN_USERNAME is not set"),
        ({"AIRFLOW_ADMIN_USERNAME": "  "}, "AIRFLOW_ADMIN_USERNAME is not set"),
        ({"AIRFLOW_ADMIN_USERNAME": "admin"}, "AIRFLOW_ADMIN_PASSWORD_FILE is not set"),
        (
            {"AIRFLOW_ADMIN_USERNAME": "admin", "AIRFLOW_ADMIN_PASSWORD_FILE": "/nonexistent/password"},
            "AIRFLOW_ADMIN_PASSWORD_FILE: cannot read /nonexistent/password",
        ),
    ],
)
def test_names_the_setting_that_is_missing_or_unreadable(env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError) as error:
        read_settings(env)
    assert str(error.value).startswith(message)


def test_refuses_a_short_or_empty_password_without_showing_it(tmp_path: Path) -> None:
    for password in ["", "short-pw"]:
        with pytest.raises(SettingsError) as error:
            read_settings({"AIRFLOW_ADMIN_USERNAME": "admin", "AIRFLOW_ADMIN_PASSWORD_FILE": password_file(tmp_path, password)})
        assert f"has {len(password)} characters; at least 12 are required" in str(error.value)
        assert password == "" or password not in str(error.value)


def test_defaults_the_role_and_address_and_never_shows_the_password(tmp_path: Path) -> None:
    settings = read_settings(
        {"AIRFLOW_ADMIN_USERNAME": "ops", "AIRFLOW_ADMIN_PASSWORD_FILE": password_file(tmp_path, "  padded-password-42  ")}
    )
    assert (settings.username, settings.password, settings.role, settings.email) == (
        "ops",
        "padded-password-42",
        "Admin",
        "ops@example.invalid",
    )
    assert "padded-password-42" not in repr(settings)
