"""The directory of centres and offices that cases are routed to."""

from __future__ import annotations

from sqlalchemy import Float, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class Center(Base):
    """A tambon centre, a provincial office (พมจ.), a department intake or the 1300 hotline."""

    __tablename__ = "centers"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    type: Mapped[str] = mapped_column(String(32))
    name_th: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    subdistrict_code: Mapped[str | None] = mapped_column(String(6), index=True)
    district_code: Mapped[str | None] = mapped_column(String(4))
    province_code: Mapped[str | None] = mapped_column(String(2), index=True)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    phone: Mapped[str] = mapped_column(String(64), default="")
    line_to: Mapped[str] = mapped_column(String(400), default="")
    active: Mapped[bool] = mapped_column(default=True)

    def line_targets(self) -> list[str]:
        """Return the LINE ids (users, groups) that receive this centre's notifications."""
        raw = self.line_to.replace(";", " ").split() if self.line_to else []
        return [t for t in raw if t]

    def to_dict(self) -> dict[str, object]:
        """Return the fields the case API shows."""
        return {
            "id": self.id,
            "type": self.type,
            "name": self.name_th,
            "subdistrict_code": self.subdistrict_code,
            "district_code": self.district_code,
            "province_code": self.province_code,
            "phone": self.phone or None,
        }
