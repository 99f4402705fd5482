"""Demo data: a province with two communes, their police and social-insurance
units, a user for every role, and the demo procedures published.

Labelled as demo everywhere; the password is printed on screen by
``flask seed-demo`` and must never be used for a real deployment.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from sqlalchemy import select

from app.auth.bootstrap import ensure_base_roles
from app.auth.models import Role, Unit
from app.auth.services import create_role, create_unit, create_user
from app.db import session
from app.procedures.models import Procedure
from app.procedures.services import import_file

DEMO_PASSWORD = "demo12345"
DEMO_PIN = "123456"
LEADERS = ("lanhdao.tanhoa", "lanhdao.binhan")
PROCEDURES_DIR = Path(__file__).resolve().parent.parent / "bpmn" / "procedures"

EXTRA_ROLES = {
    "civil_status_officer": "Công chức tư pháp - hộ tịch",
    "police_officer": "Cán bộ công an",
    "insurance_officer": "Cán bộ bảo hiểm xã hội",
    "construction_officer": "Công chức địa chính - xây dựng",
}

# code, name, kind, parent, agency code
UNITS = [
    ("TINH-HB", "UBND tỉnh Hòa Bình (demo)", "province", None, "000.00.00.H37"),
    ("BHXH-HB", "Bảo hiểm xã hội tỉnh Hòa Bình (demo)", "social_insurance", "TINH-HB", "000.00.05.H37"),
    ("XA-TAN-HOA", "UBND xã Tân Hòa (demo)", "commune", "TINH-HB", "000.00.12.H37"),
    ("CA-TAN-HOA", "Công an xã Tân Hòa (demo)", "police", "XA-TAN-HOA", "000.00.13.H37"),
    ("XA-BINH-AN", "UBND xã Bình An (demo)", "commune", "TINH-HB", "000.00.14.H37"),
    ("CA-BINH-AN", "Công an xã Bình An (demo)", "police", "XA-BINH-AN", "000.00.15.H37"),
]

# username, full name, unit, roles, title
USERS = [
    ("admin", "Quản trị hệ thống", "TINH-HB", ["admin"], None),
    ("phantich", "Nguyễn Thị Phân Tích", "TINH-HB", ["analyst"], "Cán bộ kiểm soát TTHC"),
    ("giamsat", "Trần Văn Giám Sát", "TINH-HB", ["supervisor"], "Giám đốc Trung tâm PVHCC"),
    ("bhxh", "Lê Thị Bảo Hiểm", "BHXH-HB", ["insurance_officer"], "Chuyên viên"),
    ("motcua.tanhoa", "Phạm Thị Tiếp Nhận", "XA-TAN-HOA", ["receptionist"], "Công chức Một cửa"),
    ("chuyenvien.tanhoa", "Hoàng Văn Xử Lý", "XA-TAN-HOA", ["officer"], "Công chức văn phòng - thống kê"),
    ("hotich.tanhoa", "Đỗ Thị Hộ Tịch", "XA-TAN-HOA", ["civil_status_officer"], "Công chức tư pháp - hộ tịch"),
    ("xaydung.tanhoa", "Vũ Văn Xây Dựng", "XA-TAN-HOA", ["construction_officer"], "Công chức địa chính - xây dựng"),
    ("lanhdao.tanhoa", "Bùi Văn Lãnh Đạo", "XA-TAN-HOA", ["leader"], "Phó Chủ tịch UBND xã"),
    ("congan.tanhoa", "Ngô Văn Công An", "CA-TAN-HOA", ["police_officer"], "Cán bộ công an xã"),
    ("motcua.binhan", "Đặng Thị Một Cửa", "XA-BINH-AN", ["receptionist"], "Công chức Một cửa"),
    ("chuyenvien.binhan", "Trịnh Văn Chuyên Viên", "XA-BINH-AN", ["officer"], "Công chức văn phòng - thống kê"),
    ("hotich.binhan", "Lý Thị Tư Pháp", "XA-BINH-AN", ["civil_status_officer"], "Công chức tư pháp - hộ tịch"),
    ("lanhdao.binhan", "Mai Văn Chủ Tịch", "XA-BINH-AN", ["leader"], "Chủ tịch UBND xã"),
    ("congan.binhan", "Cao Văn Trật Tự", "CA-BINH-AN", ["police_officer"], "Cán bộ công an xã"),
]


def seed(progress: Callable[[str], None] = lambda _message: None,
         signing_folder: Path | None = None) -> list[tuple[str, str, str]]:
    """Create whatever of the demo is missing; return the demo logins.

    With ``signing_folder``, also a demo CA (trusted) and a signing key for
    each demo leader, written there as PEM files for signing outside too.
    """
    ensure_roles()
    existing_units = set(session.scalars(select(Unit.code)))
    for code, name, kind, parent, agency in UNITS:
        if code not in existing_units:
            create_unit(code, name, kind, parent, agency)
    progress(f"Đơn vị: {len(UNITS)} đơn vị demo.")
    logins = _seed_users()
    progress(f"Người dùng: {len(USERS)} tài khoản demo.")
    publish_procedures(progress)
    if signing_folder is not None:
        _seed_signing(signing_folder, progress)
    return logins


def ensure_roles() -> None:
    """The base roles and the demo procedures' own (``flask simulate`` staffs its units with them too)."""
    ensure_base_roles()
    existing_roles = set(session.scalars(select(Role.code)))
    for code, name in EXTRA_ROLES.items():
        if code not in existing_roles:
            create_role(code, name)


def _seed_signing(folder: Path, progress: Callable[[str], None]) -> None:
    """A demo CA and PIN-protected keys for the demo leaders (once)."""
    from app.auth.services import get_user
    from app.signing.demo_ca import make_demo_ca
    from app.signing.services import add_trust_root

    pending = [get_user(name) for name in LEADERS if get_user(name).signing_key is None]
    if not pending:
        return
    folder.mkdir(parents=True, exist_ok=True)
    ca_cert, ca_key = make_demo_ca()
    (folder / "demo-ca.pem").write_bytes(ca_cert)
    add_trust_root(ca_cert.decode())
    for leader in pending:
        (folder / f"{leader.username}.pem").write_bytes(issue_signing_key(leader, ca_cert, ca_key))
    progress(f"Ký số: CA demo và khóa ký của {len(pending)} lãnh đạo (mã PIN demo {DEMO_PIN}); "
             f"chứng thư và khóa ở {folder}.")


def issue_signing_key(leader, ca_cert: bytes, ca_key: bytes) -> bytes:
    """Give ``leader`` a signing key from the demo CA, held under the demo PIN (``flask simulate``
    gives its leaders theirs this way too); returns the certificate and key as PEM."""
    from app.signing.demo_ca import issue_leader_certificate
    from app.signing.pdf import protect_key
    from app.signing.services import store_signing_key

    cert, key = issue_leader_certificate(ca_cert, ca_key, full_name=leader.full_name,
                                         unit_name=leader.unit.name, email=leader.email)
    store_signing_key(leader, protect_key(key, cert, [ca_cert], DEMO_PIN), cert.decode())
    return cert + key


def _seed_users() -> list[tuple[str, str, str]]:
    from app.auth.models import User

    existing = set(session.scalars(select(User.username)))
    logins = []
    for username, full_name, unit, roles, title in USERS:
        if username not in existing:
            create_user(username, DEMO_PASSWORD, full_name, unit, roles, title=title,
                        email=f"{username}@demo.motcua.local")
        logins.append((username, DEMO_PASSWORD, f"{', '.join(roles)} — {unit}"))
    return logins


def publish_procedures(progress: Callable[[str], None]) -> None:
    """Import and publish the procedures of ``bpmn/procedures/`` not yet published (the demo's, and
    those ``flask simulate`` assigns to its levels)."""
    published = set(session.scalars(select(Procedure.code)))
    files = sorted(PROCEDURES_DIR.glob("*.bpmn"))
    for index, path in enumerate(files, start=1):
        if path.stem in published:
            continue
        version = import_file(None, path, publish_it=True)
        progress(f"Thủ tục {index}/{len(files)}: {version.procedure.name} — đã công bố.")
