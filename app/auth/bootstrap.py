"""The roles every instance has, and the first administrator."""
from __future__ import annotations

from sqlalchemy import select

from app.auth.models import Role, Unit
from app.auth.services import create_role, create_unit, create_user
from app.db import session

BASE_ROLES = {
    "receptionist": "Công chức Bộ phận Một cửa",
    "officer": "Chuyên viên xử lý",
    "leader": "Lãnh đạo",
    "supervisor": "Bộ phận giám sát",
    "analyst": "Cán bộ kiểm soát TTHC",
    "admin": "Quản trị hệ thống",
}


def ensure_base_roles() -> None:
    existing = set(session.scalars(select(Role.code)))
    for code, name in BASE_ROLES.items():
        if code not in existing:
            create_role(code, name)


def create_admin(username: str, password: str, full_name: str):
    """An administrator in the root unit (created as 'ROOT' when there is none)."""
    ensure_base_roles()
    root = session.scalar(select(Unit).where(Unit.parent_id.is_(None)).order_by(Unit.id))
    if root is None:
        root = create_unit("ROOT", "Trung tâm Phục vụ hành chính công", "province")
    return create_user(username, password, full_name, root.code, ["admin"])
