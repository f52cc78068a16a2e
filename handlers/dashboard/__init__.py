"""The staff dashboard: sign-in, scoped case list and page, actions, export, report, admin."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta
from typing import Any

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import LoginManager, current_user, login_required, login_user, logout_user
from markupsafe import Markup
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

import taxonomy
from handlers import cases as c
from handlers import messages as m
from handlers import report as rp
from handlers import staff_core as sc
from handlers.phone import format_phone
from models import OPEN_STATUSES, STATUSES, ApiToken, Attachment, AuditLog, Case, CaseWork, Staff, utcnow
from runtime import Runtime

bp = Blueprint("dashboard", __name__, url_prefix="/staff", template_folder="templates",
               static_folder="static")
URGENCIES = ("emergency", "high", "normal")
DEPARTMENTS = ("DCY", "DOP", "DEP", "DWF", "DSDW", "ATP", "HOTLINE")
PAGE = 100
TOPICS = taxonomy.topic_names(include_none=True)
EVENT_LABELS = {
    "created": "รับเรื่องเข้าระบบ", "routed": "ส่งถึงหน่วยงาน", "centre_notified": "แจ้งศูนย์",
    "hotline_alerted": "แจ้งสายด่วน 1300", "hotline_alert_failed": "แจ้งสายด่วนไม่สำเร็จ",
    "acknowledged": "รับเรื่อง", "status_changed": "เปลี่ยนสถานะ", "referred": "ส่งต่อ",
    "escalated": "ยกระดับ (ไม่มีผู้รับเรื่อง)", "hotline_reminded": "เตือนสายด่วน 1300",
    "staff_message": "ข้อความถึงผู้แจ้ง", "citizen_message": "ผู้แจ้งตอบกลับ",
    "internal_note": "บันทึกภายใน", "rated": "ผู้แจ้งให้คะแนน", "reopened": "ผู้แจ้งขอเปิดเรื่องอีกครั้ง",
    "attachment_added": "ไฟล์แนบ", "details_added": "ข้อมูลเพิ่มเติม",
    "details_fallback": "แจ้งกลุ่มให้ดูรายละเอียดในระบบ", "urgency_raised": "ยกระดับความเร่งด่วน",
    "open311_received": "รับจากช่องทางอื่น (Open311)",
}


def _rt() -> Runtime:
    return current_app.extensions["runtime"]


def init_login(app: Flask) -> None:
    """Flask-Login: sessions load the staff row; disabled accounts are signed out."""
    manager = LoginManager(app)
    manager.login_view = "dashboard.login"
    manager.login_message = "กรุณาเข้าสู่ระบบก่อนค่ะ"

    @manager.user_loader
    def load(staff_id: str) -> Staff | None:
        if not staff_id.isdigit():
            return None
        with _rt().transaction() as s:
            staff = s.get(Staff, int(staff_id))
            return staff if staff is not None and staff.active else None

    @app.template_filter("thai_date")
    def thai_date(moment: Any) -> str:
        return c.thai_date(moment) if moment else "-"

    @app.context_processor
    def labels() -> dict[str, Any]:
        return {"status_label": lambda k: m.t(f"status_{k}"),
                "urgency_label": lambda k: m.t(f"urgency_{k}"),
                "topic_label": m.topic_label, "st": sc.st,
                "event_label": lambda e: EVENT_LABELS.get(e, e)}


def _admin_only() -> None:
    if current_user.role != "admin":
        abort(403)


# ---------------------------------------------------------------- sign-in

MAX_LOGIN_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)


def _recent_failures(s: Session, username: str) -> int:
    """Failed sign-ins of this username in the last 15 minutes (guessing passwords is slow)."""
    return len(s.scalars(select(AuditLog.id).where(
        AuditLog.actor == f"login:{username}", AuditLog.action == "login_failed",
        AuditLog.at > utcnow() - FAILURE_WINDOW)).all())

@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    """Sign in with username and password."""
    if request.method == "POST":
        username = request.form.get("username", "")[:64]
        with _rt().transaction() as s:
            if _recent_failures(s, username) >= MAX_LOGIN_FAILURES:
                flash("ลองผิดหลายครั้งเกินไป กรุณารอ 15 นาทีแล้วลองใหม่", "error")
                return render_template("staff/login.html"), 429
            staff = s.scalar(select(Staff).where(Staff.username == username))
            good = staff is not None and staff.active and \
                staff.check_password(request.form.get("password", ""))
            if good:
                staff.last_login_at = utcnow()
                sc.audit(s, staff, "login")
            else:
                sc.audit(s, f"login:{username}", "login_failed")
        if good:
            login_user(staff)
            return redirect(url_for("dashboard.case_list"))
        flash("ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง", "error")
    return render_template("staff/login.html")


@bp.post("/logout")
@login_required
def logout() -> Any:
    """Sign out."""
    logout_user()
    return redirect(url_for("dashboard.login"))


# ---------------------------------------------------------------- case list and export

def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def filtered(staff: Staff, args: Any) -> Any:
    """The scoped case query with the list's filters and search applied."""
    query = sc.scoped_cases(staff)
    for name, column in (("status", Case.status), ("urgency", Case.urgency),
                         ("topic", Case.topic), ("department", Case.department),
                         ("province", Case.province_code)):
        value = (args.get(name) or "").strip()[:32]
        if value:
            query = query.where(column == value)
    if args.get("overdue"):
        query = query.where(Case.status.in_(("new", "referred")), Case.ack_due_at < utcnow())
    q = (args.get("q") or "").strip()[:40]
    if q:
        digits = _digits(q)
        terms = [Case.case_no == q.upper()]
        if len(digits) >= 9 and not q.upper().startswith("OSS"):
            terms.append(Case.phone == digits)
        elif digits:
            terms.append(Case.case_no.endswith(digits.zfill(6)[-6:]))
        query = query.where(or_(*terms))
    return query.order_by(Case.id.desc())


def is_overdue(case: Case) -> bool:
    """A case waiting for acceptance past its deadline."""
    return case.status in ("new", "referred") and bool(case.ack_due_at) \
        and case.ack_due_at < utcnow()


@bp.get("/")
@login_required
def case_list() -> Any:
    """The cases the signed-in staff member may see, filtered."""
    with _rt().transaction() as s:
        found = s.scalars(filtered(current_user, request.args).limit(PAGE)).unique().all()
        if request.args.get("q"):
            sc.audit(s, current_user, "search", count=len(found))
        return render_template("staff/cases.html", cases=found, args=request.args,
                               statuses=STATUSES, urgencies=URGENCIES, departments=DEPARTMENTS,
                               topics=TOPICS,
                               is_overdue=is_overdue)


EXPORT_COLUMNS = ("case_no", "created_at", "status", "urgency", "kind", "topic", "department",
                  "center_id", "province_code", "place_text", "phone", "acknowledged_at",
                  "closed_at")


@bp.get("/export.csv")
@login_required
def export() -> Any:
    """CSV of the filtered cases the role may see; the export is in the audit log."""
    with _rt().transaction() as s:
        found = s.scalars(filtered(current_user, request.args).limit(10000)).unique().all()
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(EXPORT_COLUMNS)
        for case in found:
            writer.writerow([_cell(getattr(case, k)) for k in EXPORT_COLUMNS])
        sc.audit(s, current_user, "export", count=len(found))
    return Response("\ufeff" + buf.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=cases.csv"})


def _cell(value: Any) -> str:
    if value is None:
        return ""
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    # A spreadsheet must not run a formula a citizen typed (CSV injection).
    return "'" + text if text[:1] in "=+-@" else text


# ---------------------------------------------------------------- one case

def _case_or_404(s: Session, case_no: str) -> Case:
    case = sc.find_case(s, current_user, case_no[:20])
    if case is None:
        abort(404)
    return case


def map_link(case: Case) -> str | None:
    """A map link for the case's pin or centroid."""
    if case.latitude is None or case.longitude is None:
        return None
    return f"https://www.google.com/maps/search/?api=1&query={case.latitude:.6f},{case.longitude:.6f}"


@bp.get("/cases/<case_no>")
@login_required
def case_page(case_no: str) -> Any:
    """One case: details, timeline, attachments, map link, actions (the view is audited)."""
    with _rt().transaction() as s:
        case = _case_or_404(s, case_no)
        sc.audit(s, current_user, "view", case)
        work = s.get(CaseWork, case.id)
        accepted = s.get(Staff, work.accepted_by) if work and work.accepted_by else None
        return render_template(
            "staff/case.html", case=case, work=work, accepted=accepted, map_url=map_link(case),
            phone=format_phone(case.phone) if case.phone else None, overdue=is_overdue(case),
            targets=sc.forward_targets(s, case), outcomes=sc.OUTCOMES, reasons=sc.REASONS,
            open_statuses=OPEN_STATUSES)


@bp.get("/attachments/<int:attachment_id>")
@login_required
def attachment(attachment_id: int) -> Any:
    """A photo, voice note or file of a case the staff member may see."""
    with _rt().transaction() as s:
        item = s.get(Attachment, attachment_id)
        case = s.get(Case, item.case_id) if item and item.case_id else None
        if case is None or sc.find_case(s, current_user, case.case_no) is None:
            abort(404)
        if item.content is None:
            abort(404)
        sc.audit(s, current_user, "view_attachment", case, attachment=item.id)
        return Response(item.content, mimetype=item.content_type or "application/octet-stream",
                        headers={"Cache-Control": "private, no-store",
                                 "X-Content-Type-Options": "nosniff"})


@bp.post("/cases/<case_no>/act")
@login_required
def act(case_no: str) -> Any:
    """The same actions as on LINE, plus notes and messages to the citizen."""
    form = request.form
    action = form.get("action", "")
    note = (form.get("citizen_note") or "").strip()[:500]
    with _rt().transaction() as s:
        case = _case_or_404(s, case_no)
        staff = s.get(Staff, current_user.id)
        now = utcnow()
        try:
            _apply(s, case, staff, action, form, note, now)
            flash("บันทึกแล้ว", "ok")
        except sc.ActionError as err:
            flash(sc.st(err.key, **err.values), "error")
        sc.audit(s, staff, "change", case, what=action)
    return redirect(url_for("dashboard.case_page", case_no=case_no))


def _apply(s: Session, case: Case, staff: Staff, action: str, form: Any, note: str,
           now: Any) -> None:
    settings = _rt().settings
    if action == "ack":
        sc.accept(s, settings, case, staff, now, push_details=False)
    elif action == "work":
        sc.start_work(s, settings, case, staff, now, citizen_note=note)
    elif action == "refer":
        # Any centre in the directory by its id, else one of the suggested ones.
        to = (form.get("to_other") or "").strip().upper()[:32] or (form.get("to") or "").strip()
        sc.refer(s, settings, case, staff, to,
                 form.get("reason", "other"), now, citizen_note=note)
    elif action == "close":
        sc.close(s, settings, case, staff, form.get("outcome", ""), now, citizen_note=note)
    elif action == "message":
        sc.message_citizen(s, case, staff, form.get("text", ""), now)
    elif action == "note":
        text = (form.get("text") or "").strip()[:2000]
        if text:
            case.record("internal_note", actor=staff.actor, text=text)
    else:
        abort(400)


# ---------------------------------------------------------------- report

@bp.get("/report")
@login_required
def report() -> Any:
    """The daily MSOC report of the role's cases, with bar charts drawn on the server."""
    raw = request.args.get("date", "")
    try:
        day = date.fromisoformat(raw) if raw else (utcnow() + timedelta(hours=7)).date()
    except ValueError:
        flash("วันที่ไม่ถูกต้อง ใช้รูปแบบ ปปปป-ดด-วว", "error")
        day = (utcnow() + timedelta(hours=7)).date()
    with _rt().transaction() as s:
        data = rp.daily(s, day, current_user)
    charts = [Markup(rp.bar_chart_svg([(rp.KINDS[k], v) for k, v in data.kinds.items()],
                                      "ประเภทการติดต่อ")),
              Markup(rp.bar_chart_svg([(rp.DESTINATIONS[k], v)
                                       for k, v in data.destinations.items()], "ส่งต่อหน่วยงาน"))]
    if request.args.get("format") == "csv":
        return Response(rp.to_csv(data), mimetype="text/csv")
    return render_template("staff/report.html", data=data, rows=rp.rows(data), charts=charts)


# ---------------------------------------------------------------- own account

def _form_int(name: str) -> int:
    """A numeric form field, 0 when missing or not a number."""
    raw = request.form.get(name, "")
    return int(raw) if raw.isdigit() else 0


@bp.route("/me", methods=["GET", "POST"])
@login_required
def me() -> Any:
    """Link one's LINE account (a one-time code) and manage one's API tokens."""
    shown: dict[str, str] = {}
    with _rt().transaction() as s:
        staff = s.get(Staff, current_user.id)
        what = request.form.get("action") if request.method == "POST" else None
        if what == "link_code":
            shown["code"] = sc.issue_code(s, "staff", staff=staff, created_by=staff.actor)
        elif what == "token":
            shown["token"] = sc.create_token(s, staff, request.form.get("name", "dashboard"))
        elif what == "revoke":
            token = s.get(ApiToken, _form_int("token_id"))
            if token is not None and token.staff_id == staff.id:
                token.revoked_at = utcnow()
        tokens = s.scalars(select(ApiToken).where(ApiToken.staff_id == staff.id)
                           .order_by(ApiToken.id.desc())).all()
        return render_template("staff/me.html", staff=staff, tokens=tokens, shown=shown)


# ---------------------------------------------------------------- admin

@bp.route("/admin/staff", methods=["GET", "POST"])
@login_required
def admin_staff() -> Any:
    """Admins add and disable accounts and issue link codes for staff and groups."""
    _admin_only()
    shown: dict[str, str] = {}
    with _rt().transaction() as s:
        if request.method == "POST":
            shown = _admin_action(s, request.form)
        people = s.scalars(select(Staff).order_by(Staff.username)).all()
        return render_template("staff/admin_staff.html", people=people, shown=shown)


def _admin_action(s: Session, form: Any) -> dict[str, str]:
    what = form.get("action")
    try:
        if what == "add":
            sc.add_staff(s, form.get("username", ""), form.get("password", ""),
                         form.get("role", ""), name=form.get("name", ""),
                         center_id=form.get("center_id") or None,
                         province_code=form.get("province_code") or None,
                         department=form.get("department") or None)
            sc.audit(s, current_user, "staff_added", username=form.get("username"))
            flash("เพิ่มบัญชีแล้ว", "ok")
        elif what == "disable":
            staff = s.get(Staff, _form_int("staff_id"))
            if staff is not None and staff.id != current_user.id:
                staff.active = False
                for token in s.scalars(select(ApiToken).where(ApiToken.staff_id == staff.id)):
                    token.revoked_at = token.revoked_at or utcnow()
                sc.audit(s, current_user, "staff_disabled", username=staff.username)
        elif what == "group_code":
            return {"code": sc.issue_code(s, "group", center_id=form.get("center_id", "").strip(),
                                          created_by=current_user.actor)}
    except ValueError as err:
        flash(str(err), "error")
    return {}


@bp.get("/admin/audit")
@login_required
def admin_audit() -> Any:
    """Every view and change of personal data: who, when, which case."""
    _admin_only()
    with _rt().transaction() as s:
        query = select(AuditLog).order_by(AuditLog.id.desc()).limit(500)
        if request.args.get("case"):
            query = query.where(AuditLog.case_no == request.args["case"][:20])
        entries = s.scalars(query).all()
        return render_template("staff/audit.html", entries=entries)
