"""`flask staff add|list|disable|token|revoke|link-code|group-code` and `flask report daily`."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import select

from handlers import staff_core as sc
from models import ApiToken, Staff, utcnow
from runtime import Runtime


def _runtime() -> Runtime:
    return current_app.extensions["runtime"]


def _fail(message: str) -> None:
    click.echo(message, err=True)
    sys.exit(1)


def _staff(s: object, username: str) -> Staff:
    staff = s.scalar(select(Staff).where(Staff.username == username))  # type: ignore[attr-defined]
    if staff is None:
        _fail(f"no staff account {username}")
    return staff


def register_staff_commands(app: Flask) -> None:
    """Attach the staff and report command groups to the app."""
    staff = AppGroup("staff", help="Staff accounts, API tokens and LINE link codes.")
    app.cli.add_command(staff)

    @staff.command("add")
    @click.argument("username")
    @click.option("--role", required=True, type=click.Choice(["centre", "province", "department",
                                                              "hotline", "admin"]))
    @click.option("--name", default="", help="Display name (shown in case history and LINE).")
    @click.option("--center", "center_id", default=None, help="Centre id, for --role centre.")
    @click.option("--province", default=None, help="Province code, for --role province.")
    @click.option("--department", default=None, help="DCY, DOP, DEP, DWF, DSDW or ATP.")
    @click.password_option(envvar="STAFF_PASSWORD", help="Asked for when not given.")
    def staff_add(username: str, role: str, name: str, center_id: str | None,
                  province: str | None, department: str | None, password: str) -> None:
        """Create a staff account (the password is stored hashed)."""
        try:
            with _runtime().transaction() as s:
                sc.add_staff(s, username, password, role, name=name, center_id=center_id,
                             province_code=province, department=department)
        except ValueError as err:
            _fail(str(err))
        click.echo(f"staff {username} ({role}) added")

    @staff.command("list")
    def staff_list() -> None:
        """List staff accounts: username, role, scope, LINE linked, active."""
        with _runtime().transaction() as s:
            for st in s.scalars(select(Staff).order_by(Staff.username)):
                linked = "line" if st.line_user_id else "-"
                state = "active" if st.active else "disabled"
                click.echo(f"{st.username}\t{st.role}\t{st.scope_label}\t{linked}\t{state}")

    @staff.command("disable")
    @click.argument("username")
    def staff_disable(username: str) -> None:
        """Disable an account: no sign-in, no API, no LINE actions; tokens revoked."""
        with _runtime().transaction() as s:
            st = _staff(s, username)
            st.active = False
            for token in s.scalars(select(ApiToken).where(ApiToken.staff_id == st.id,
                                                          ApiToken.revoked_at.is_(None))):
                token.revoked_at = utcnow()
            sc.audit(s, "cli", "staff_disabled", username=username)
        click.echo(f"staff {username} disabled")

    @staff.command("token")
    @click.argument("username")
    @click.option("--name", default="cli", help="What the token is for.")
    def staff_token(username: str, name: str) -> None:
        """Create a personal API token (shown once)."""
        with _runtime().transaction() as s:
            raw = sc.create_token(s, _staff(s, username), name)
        click.echo(raw)

    @staff.command("revoke")
    @click.argument("prefix")
    def staff_revoke(prefix: str) -> None:
        """Revoke an API token by its first characters (as `staff tokens` shows them)."""
        with _runtime().transaction() as s:
            tokens = s.scalars(select(ApiToken).where(ApiToken.prefix == prefix[:12],
                                                      ApiToken.revoked_at.is_(None))).all()
            for token in tokens:
                token.revoked_at = utcnow()
        if not tokens:
            _fail("no active token with that prefix")
        click.echo(f"{len(tokens)} token(s) revoked")

    @staff.command("link-code")
    @click.argument("username")
    def staff_link_code(username: str) -> None:
        """A one-time code the staff member sends the bot to link their LINE account."""
        with _runtime().transaction() as s:
            code = sc.issue_code(s, "staff", staff=_staff(s, username), created_by="cli")
        click.echo(f"{code}  (send it to the bot in a private chat within 30 minutes)")

    @staff.command("group-code")
    @click.argument("center_id")
    def staff_group_code(center_id: str) -> None:
        """A one-time code to send in a LINE group to link it to a centre."""
        try:
            with _runtime().transaction() as s:
                code = sc.issue_code(s, "group", center_id=center_id, created_by="cli")
        except ValueError as err:
            _fail(str(err))
        click.echo(f"{code}  (invite the bot to the group and send it there within 30 minutes)")

    @staff.command("demo")
    @click.option("--line-user", default=None, help="LINE user id to link to the demo staff member.")
    @click.option("--password", default="demo-1300-admin", show_default=True)
    def staff_demo(line_user: str | None, password: str) -> None:
        """Local only: a demo admin, and a demo staff member linked to the simulator's staff user."""
        if _runtime().settings.is_production:
            _fail("staff demo is for local runs, not production")
        with _runtime().transaction() as s:
            made = ensure_demo_staff(s, password, line_user)
        click.echo(made)

    report = AppGroup("report", help="Reports in the 1300 hotline's formats.")
    app.cli.add_command(report)

    @report.command("daily")
    @click.option("--date", "day", required=True, type=click.DateTime(["%Y-%m-%d"]))
    @click.option("--csv", "as_csv", is_flag=True, help="CSV instead of text.")
    @click.option("--output", "-o", type=click.Path(dir_okay=False), default=None)
    def report_daily(day: object, as_csv: bool, output: str | None) -> None:
        """The daily MSOC report of one day (Bangkok time)."""
        from handlers import report as rp

        with _runtime().transaction() as s:
            data = rp.daily(s, date.fromisoformat(day.strftime("%Y-%m-%d")))  # type: ignore[attr-defined]
        text = rp.to_csv(data) if as_csv else rp.to_text(data)
        if output:
            Path(output).write_text(text, encoding="utf-8")
        else:
            click.echo(text, nl=False)


def ensure_demo_staff(s: object, password: str, line_user: str | None) -> str:
    """Create the demo accounts if missing; returns how to sign in."""
    for username, role, name in (("admin", "admin", "ผู้ดูแลระบบทดลอง"),
                                 ("demo-staff", "hotline", "เจ้าหน้าที่ทดลอง")):
        staff = s.scalar(select(Staff).where(Staff.username == username))  # type: ignore[attr-defined]
        if staff is None:
            staff = sc.add_staff(s, username, password, role, name=name)  # type: ignore[arg-type]
        if username == "demo-staff" and line_user:
            staff.line_user_id = line_user
    return f"sign in as admin or demo-staff, password {password}"
