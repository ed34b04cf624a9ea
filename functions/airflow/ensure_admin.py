"""Make Airflow's admin user exist, with the password of a mounted secret file.

The Airflow chart's create-user job runs `airflow users create --password <password>`: the password
is in the pod's spec and in the API server's audit log for anyone who can read jobs. This script
reads it from a file instead (a Secret volume), creates the user when it is missing, and resets the
password and restores the role when they differ, so that a rotated secret takes effect on the next
`pulumi up`. It runs with the FAB auth manager, against the database Airflow is configured with.

Environment:
    AIRFLOW_ADMIN_USERNAME       the user (required)
    AIRFLOW_ADMIN_PASSWORD_FILE  file holding the password (required; surrounding whitespace is ignored)
    AIRFLOW_ADMIN_ROLE           role to hold (default Admin)
    AIRFLOW_ADMIN_EMAIL          e-mail address (default <username>@example.invalid)

Exits 0 having printed what it did, 2 naming the setting that is wrong, 1 on any other failure.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

MIN_PASSWORD_LENGTH = 12

Outcome = Literal["created", "updated", "unchanged"]


class SettingsError(ValueError):
    """A setting of the environment is missing or wrong; the message names it."""


@dataclass(frozen=True)
class AdminSettings:
    username: str
    password: str
    role: str
    email: str

    def __repr__(self) -> str:  # never print the password
        return f"AdminSettings(username={self.username!r}, role={self.role!r}, email={self.email!r})"


def read_settings(env: Mapping[str, str]) -> AdminSettings:
    username = env.get("AIRFLOW_ADMIN_USERNAME", "").strip()
    if not username:
        raise SettingsError("AIRFLOW_ADMIN_USERNAME is not set")
    path = env.get("AIRFLOW_ADMIN_PASSWORD_FILE", "").strip()
    if not path:
        raise SettingsError("AIRFLOW_ADMIN_PASSWORD_FILE is not set")
    try:
        password = Path(path).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as error:
        raise SettingsError(f"AIRFLOW_ADMIN_PASSWORD_FILE: cannot read {path}: {error}") from error
    if len(password) < MIN_PASSWORD_LENGTH:
        raise SettingsError(
            f"AIRFLOW_ADMIN_PASSWORD_FILE: the password in {path} has {len(password)} characters;"
            f" at least {MIN_PASSWORD_LENGTH} are required"
        )
    role = env.get("AIRFLOW_ADMIN_ROLE", "").strip() or "Admin"
    email = env.get("AIRFLOW_ADMIN_EMAIL", "").strip() or f"{username}@example.invalid"
    return AdminSettings(username=username, password=password, role=role, email=email)


def ensure_admin(settings: AdminSettings) -> Outcome:
    """Create the user, or bring its password and role in line with the settings."""
    # Imported here: Airflow takes seconds to load, and a wrong setting is reported before that.
    from airflow.providers.fab.auth_manager.cli_commands.utils import get_application_builder
    from werkzeug.security import check_password_hash

    with get_application_builder() as appbuilder:
        sm = appbuilder.sm
        role = sm.find_role(settings.role)
        if role is None:
            roles = ", ".join(sorted(r.name for r in sm.get_all_roles()))
            raise SettingsError(f"AIRFLOW_ADMIN_ROLE: no role {settings.role!r}; roles: {roles}")
        user = sm.find_user(username=settings.username)
        if user is None:
            if not sm.add_user(settings.username, "Platform", "Admin", settings.email, role, settings.password):
                raise RuntimeError(f"Airflow did not create the user {settings.username!r} (see its log above)")
            return "created"
        outcome: Outcome = "unchanged"
        if role not in user.roles:
            user.roles.append(role)
            if not sm.update_user(user):
                raise RuntimeError(f"Airflow did not give {settings.username!r} the role {settings.role!r}")
            outcome = "updated"
        if not check_password_hash(user.password, settings.password):
            if not sm.reset_password(user.id, settings.password):
                raise RuntimeError(f"Airflow did not reset the password of {settings.username!r}")
            outcome = "updated"
        return outcome


def main() -> int:
    try:
        settings = read_settings(os.environ)
        outcome = ensure_admin(settings)
    except SettingsError as error:
        print(f"ensure_admin: {error}", file=sys.stderr)
        return 2
    print(f"ensure_admin: user {settings.username!r} with role {settings.role!r}: {outcome}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
