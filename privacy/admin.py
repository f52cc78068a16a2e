"""`flask pdpa show|erase`: an officer answers a citizen's request made by phone or letter."""

from __future__ import annotations

import json
import sys
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import select

from models import Case, utcnow
from privacy.access import case_held, held
from privacy.notify import erase_one_case, erase_person
from runtime import Runtime

WHO = (click.option("--line-user-id", "user_id", default=None, help="the citizen's LINE user id (U…)"),
       click.option("--case", "case_no", default=None, help="a case number, OSS-2569-000123"))


def _target(user_id: str | None, case_no: str | None) -> None:
    if bool(user_id) == bool(case_no):
        raise click.UsageError("give exactly one of --line-user-id or --case")


def _find_case(session: Any, case_no: str) -> Case:
    case = session.scalar(select(Case).where(Case.case_no == case_no.strip().upper()))
    if case is None:
        click.echo(f"no case {case_no}", err=True)
        sys.exit(1)
    return case


def show(runtime: Runtime, user_id: str | None, case_no: str | None) -> dict[str, Any]:
    """Return what is held about a citizen, or about one case and its reporter."""
    with runtime.transaction() as s:
        if user_id:
            return held(s, user_id)
        case = _find_case(s, case_no or "")
        found = {"case": case_held(case)}
        if not found["case"]["erased"]:
            found["reporter"] = held(s, case.reporter_line_user_id)
        return found


def erase(runtime: Runtime, user_id: str | None, case_no: str | None, actor: str,
          force: bool = False) -> dict[str, Any]:
    """Erase a citizen (everything but open emergencies) or one case; returns what was done."""
    with runtime.transaction() as s:
        if user_id:
            return erase_person(s, user_id, utcnow(), actor).to_dict()
        case = _find_case(s, case_no or "")
        if not erase_one_case(s, case, utcnow(), actor, force=force):
            return {"erased": [], "kept": [case.case_no],
                    "reason": "open emergency: kept with the hotline until closed (--force overrides)"}
        return {"erased": [case.case_no], "kept": []}


def _options(f: Any) -> Any:
    for option in reversed(WHO):
        f = option(f)
    return f


def register_pdpa_commands(app: Flask) -> None:
    """Attach `flask pdpa show` and `flask pdpa erase` to the app."""
    pdpa = AppGroup("pdpa", help="PDPA rights: what is held about a citizen, and erasure.")
    app.cli.add_command(pdpa)

    @pdpa.command("show")
    @_options
    def pdpa_show(user_id: str | None, case_no: str | None) -> None:
        """Print what is held (kinds of personal data, consents) as JSON; never the data."""
        _target(user_id, case_no)
        found = show(current_app.extensions["runtime"], user_id, case_no)
        click.echo(json.dumps(found, ensure_ascii=False, indent=2))

    @pdpa.command("erase")
    @_options
    @click.option("--by", "officer", default="cli", help="who is erasing (kept in case history)")
    @click.option("--force", is_flag=True, help="also erase an open emergency case (--case only)")
    @click.option("--yes", is_flag=True, help="do not ask for confirmation")
    def pdpa_erase(user_id: str | None, case_no: str | None, officer: str, force: bool,
                   yes: bool) -> None:
        """Erase personal data; the anonymised cases stay. The citizen is told over LINE."""
        _target(user_id, case_no)
        if not yes:
            click.confirm(f"erase personal data of {user_id or case_no}?", abort=True)
        done = erase(current_app.extensions["runtime"], user_id, case_no, f"admin:{officer}", force)
        click.echo(json.dumps(done, ensure_ascii=False, indent=2))
        if done.get("reason"):
            sys.exit(1)
