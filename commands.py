"""Command lines: `flask --app bot init-db`, `flask --app bot centers import|export`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click
from alembic import command
from alembic.config import Config
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import func, select

from handlers.richmenu import line_cli
from models import Center
from privacy.admin import register_pdpa_commands
from referral.directory import export_centers_csv, parse_centers_csv, seed_rows
from runtime import Runtime

ROOT = Path(__file__).resolve().parent
CENTER_FIELDS = ("id", "type", "name_th", "name_en", "subdistrict_code", "district_code",
                 "province_code", "latitude", "longitude", "phone", "line_to", "active")


def migrate(runtime: Runtime) -> None:
    """Bring the database schema to the latest Alembic revision."""
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.attributes["database_url"] = runtime.settings.database_url
    config.attributes["engine"] = runtime.engine
    command.upgrade(config, "head")


def _center(row: dict[str, Any]) -> Center:
    return Center(**{k: row.get(k) for k in CENTER_FIELDS})


def seed_centers(runtime: Runtime) -> int:
    """Fill the centre directory from the shipped data when it is empty; returns rows added."""
    with runtime.transaction() as s:
        if s.scalar(select(func.count(Center.id))):
            return 0
        rows = [_center(r) for r in seed_rows()]
        s.add_all(rows)
    return len(rows)


def import_centers(runtime: Runtime, text: str) -> tuple[int, list[str]]:
    """Upsert centres from CSV text; any error means nothing is imported."""
    rows, errors = parse_centers_csv(text)
    if errors:
        return 0, errors
    with runtime.transaction() as s:
        for row in rows:
            s.merge(_center(row))
    return len(rows), []


def export_centers(runtime: Runtime) -> str:
    """Return the whole directory as CSV."""
    with runtime.transaction() as s:
        centers = s.scalars(select(Center).order_by(Center.id)).all()
        return export_centers_csv({k: getattr(c, k) for k in CENTER_FIELDS} for c in centers)


def register_commands(app: Flask) -> None:
    """Attach the command lines to the app."""

    @app.cli.command("init-db")
    def init_db() -> None:
        """Migrate the schema and seed the centre directory on first start."""
        runtime: Runtime = current_app.extensions["runtime"]
        migrate(runtime)
        added = seed_centers(runtime)
        click.echo(f"database ready; {added} centres seeded")

    register_pdpa_commands(app)
    app.cli.add_command(line_cli)
    centers = AppGroup("centers", help="The centre directory.")
    app.cli.add_command(centers)

    @centers.command("import")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    def centers_import(path: str) -> None:
        """Load centres (contacts, LINE group ids) from a CSV file; all or nothing."""
        text = Path(path).read_text(encoding="utf-8-sig")
        count, errors = import_centers(current_app.extensions["runtime"], text)
        if errors:
            for error in errors:
                click.echo(error, err=True)
            click.echo(f"nothing imported: {len(errors)} error(s)", err=True)
            sys.exit(1)
        click.echo(f"{count} centres imported")

    @centers.command("export")
    @click.option("--output", "-o", type=click.Path(dir_okay=False), default=None)
    def centers_export(output: str | None) -> None:
        """Write the directory as CSV (to stdout or a file)."""
        text = export_centers(current_app.extensions["runtime"])
        if output:
            Path(output).write_text(text, encoding="utf-8")
        else:
            click.echo(text, nl=False)


__all__ = ["export_centers", "import_centers", "migrate", "seed_centers"]
