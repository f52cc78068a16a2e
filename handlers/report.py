"""The daily report in the 1300 hotline's MSOC layout: channel, kind, destination, emergencies."""

from __future__ import annotations

import csv
import io
import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from html import escape

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.cases import BANGKOK
from models import Case, Contact, Staff

CHANNELS = {"line": "LINE", "ess": "ESS Help Me", "tpmap": "TPMAP", "walk_in": "Walk-in",
            "open311": "Open311 (อื่น ๆ)"}
KINDS = {"problem": "แจ้งปัญหาใหม่", "follow_up": "ติดตามเรื่อง", "inquiry": "สอบถามข้อมูล",
         "prank": "ก่อกวน", "suggestion": "ข้อเสนอแนะ", "complaint": "ร้องเรียน",
         "chitchat": "ทักทาย/อื่น ๆ"}
DESTINATIONS = {"tambon": "ศูนย์ช่วยเหลือสังคมตำบล", "pso": "สำนักงาน พมจ.", "DSDW": "พส.",
                "DOP": "ผส.", "DCY": "ดย.", "DEP": "พก.", "DWF": "สค.",
                "ATP": "กองต่อต้านการค้ามนุษย์", "HOTLINE": "ศูนย์ 1300"}


@dataclass
class Daily:
    """The counts of one Bangkok day."""

    day: date
    channels: dict[str, int] = field(default_factory=dict)
    kinds: dict[str, int] = field(default_factory=dict)
    destinations: dict[str, int] = field(default_factory=dict)
    cases: int = 0
    emergencies: int = 0
    emergencies_unacked: int = 0
    ack_median_min: float | None = None
    ack_worst_min: float | None = None


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The first moment of a Bangkok day and of the next one."""
    start = datetime.combine(day, time(0), tzinfo=BANGKOK)
    return start, start + timedelta(days=1)


def destination_of(case: Case) -> str:
    """Which MSOC destination column a case counts under."""
    center = case.center_id or ""
    if center.startswith("TC-"):
        return "tambon"
    if center.startswith("PSO-"):
        return "pso"
    if center == "HOTLINE":
        return "HOTLINE"
    return case.department or "HOTLINE"


def daily(session: Session, day: date, staff: Staff | None = None) -> Daily:
    """Count one day's contacts and cases (limited to a staff member's scope when given)."""
    from handlers.staff_core import case_scope

    start, end = day_bounds(day)
    query = select(Case).where(Case.created_at >= start, Case.created_at < end)
    if staff is not None:
        query = query.where(case_scope(staff))
    cases = session.scalars(query).unique().all()
    out = Daily(day=day, channels=dict.fromkeys(CHANNELS, 0), kinds=dict.fromkeys(KINDS, 0),
                destinations=dict.fromkeys(DESTINATIONS, 0), cases=len(cases))
    for case in cases:
        out.channels[case.channel if case.channel in CHANNELS else "open311"] += 1
        out.destinations[destination_of(case)] += 1
    _count_kinds(session, out, start, end, cases, staff)
    _emergencies(out, [k for k in cases if k.urgency == "emergency"])
    return out


def _count_kinds(session: Session, out: Daily, start: datetime, end: datetime,
                 cases: list[Case], staff: Staff | None) -> None:
    if staff is None or staff.role in ("admin", "hotline"):
        contacts = session.scalars(select(Contact.kind).where(
            Contact.created_at >= start, Contact.created_at < end)).all()
        for kind in contacts:
            out.kinds[kind if kind in KINDS else "chitchat"] += 1
    else:  # a scoped reader sees the kinds of its own cases only
        for case in cases:
            out.kinds[case.kind if case.kind in KINDS else "chitchat"] += 1
    # Cases from other channels never passed through the classifier's contact log.
    out.kinds["problem"] += sum(1 for k in cases if k.channel != "line")


def _emergencies(out: Daily, emergencies: list[Case]) -> None:
    out.emergencies = len(emergencies)
    waits = [(k.acknowledged_at - k.created_at).total_seconds() / 60
             for k in emergencies if k.acknowledged_at]
    out.emergencies_unacked = out.emergencies - len(waits)
    if waits:
        out.ack_median_min = round(statistics.median(waits), 1)
        out.ack_worst_min = round(max(waits), 1)


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


def rows(data: Daily) -> list[tuple[str, str, str]]:
    """The report as (section, item, value) rows, the order of the MSOC form."""
    out = [("ช่องทาง", CHANNELS[k], str(v)) for k, v in data.channels.items()]
    out += [("ประเภทการติดต่อ", KINDS[k], str(v)) for k, v in data.kinds.items()]
    out += [("ส่งต่อหน่วยงาน", DESTINATIONS[k], str(v)) for k, v in data.destinations.items()]
    out += [("เหตุฉุกเฉิน", "จำนวน", str(data.emergencies)),
            ("เหตุฉุกเฉิน", "ยังไม่มีผู้รับเรื่อง", str(data.emergencies_unacked)),
            ("เหตุฉุกเฉิน", "เวลารับเรื่อง มัธยฐาน (นาที)", _fmt(data.ack_median_min)),
            ("เหตุฉุกเฉิน", "เวลารับเรื่อง นานสุด (นาที)", _fmt(data.ack_worst_min))]
    return out


def to_text(data: Daily) -> str:
    """The report as plain text, one section after another."""
    lines = [f"รายงานประจำวัน MSOC {data.day.isoformat()} — เรื่องทั้งหมด {data.cases}"]
    section = None
    for sec, item, value in rows(data):
        if sec != section:
            lines.append(f"\n[{sec}]")
            section = sec
        lines.append(f"  {item}: {value}")
    return "\n".join(lines) + "\n"


def to_csv(data: Daily) -> str:
    """The report as CSV: date, section, item, value."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["date", "section", "item", "value"])
    for sec, item, value in rows(data):
        writer.writerow([data.day.isoformat(), sec, item, value])
    return buf.getvalue()


def bar_chart_svg(pairs: list[tuple[str, int]], title: str) -> str:
    """A horizontal bar chart as inline SVG, drawn on the server (no script, no CDN)."""
    height, width, label_w = 26 * len(pairs) + 34, 560, 190
    peak = max([v for _, v in pairs] + [1])
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
             f'role="img" aria-label="{escape(title)}" class="chart">',
             f'<text x="0" y="16" font-weight="bold">{escape(title)}</text>']
    for i, (label, value) in enumerate(pairs):
        y = 30 + i * 26
        bar = (width - label_w - 50) * value / peak
        parts.append(f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end">{escape(label)}</text>'
                     f'<rect x="{label_w}" y="{y}" width="{bar:.1f}" height="20" fill="#1f6f8b"/>'
                     f'<text x="{label_w + bar + 6:.1f}" y="{y + 15}">{value}</text>')
    parts.append("</svg>")
    return "".join(parts)
