"""The simulated province: Bắc Ninh's tree of units and who works in each (pure data).

Province departments receive the province-level procedures; 8 districts and 126 communes
(generated names) receive theirs; a police unit per district and the province's social
insurance do the inter-agency steps of the "3 in 1" procedure.  Every code starts with
:data:`PREFIX`, which is how a database is recognised as a simulation's.
"""
from __future__ import annotations

from dataclasses import dataclass

PREFIX = "SIM-"
LEVELS = ("province", "district", "commune")
#: the 2019 split of Bắc Ninh's dossiers by level of the receiving unit
SPLIT = {"province": 0.12, "district": 0.485, "commune": 0.395}
DISTRICTS = ("TP Bắc Ninh", "TX Từ Sơn", "Yên Phong", "Quế Võ", "Tiên Du", "Thuận Thành", "Gia Bình",
             "Lương Tài")
#: communes and wards per district, 126 in all (as in 2019)
COMMUNES_PER_DISTRICT = (19, 12, 14, 21, 14, 18, 14, 14)
#: (code suffix, name, the procedure it receives)
DEPARTMENTS = (
    ("SXD", "Sở Xây dựng", "cap-phep-xay-dung-nha-o"),
    ("SKHDT", "Sở Kế hoạch và Đầu tư", "dang-ky-ho-kinh-doanh"),
    ("STP", "Sở Tư pháp", "chung-thuc-ban-sao"),
)
#: what a district and a commune receive, with the share of each among their dossiers
DISTRICT_MIX = {"chung-thuc-ban-sao": 0.40, "dang-ky-ho-kinh-doanh": 0.35, "cap-phep-xay-dung-nha-o": 0.25}
COMMUNE_MIX = {"chung-thuc-ban-sao": 0.55, "dang-ky-khai-sinh": 0.30, "lien-thong-3-trong-1": 0.15}
#: the staff every receiving unit has, by role; some roles only where a procedure needs them.  Every unit
#: doing steps has a leader too: a late step's apology letter is signed by a leader of the step's unit
RECEIVING_ROLES = ("receptionist", "officer", "leader")
EXTRA_ROLES = {"commune": ("civil_status_officer",), "district": ("construction_officer",)}
ROLE_TITLES = {
    "receptionist": "Công chức Một cửa", "officer": "Chuyên viên", "leader": "Lãnh đạo đơn vị",
    "civil_status_officer": "Công chức tư pháp - hộ tịch", "construction_officer": "Công chức địa chính - xây dựng",
    "police_officer": "Cán bộ công an", "insurance_officer": "Cán bộ bảo hiểm xã hội",
    "supervisor": "Giám đốc Trung tâm Phục vụ hành chính công",
}


@dataclass(frozen=True)
class UnitSpec:
    code: str
    name: str
    kind: str
    parent: str | None
    agency_code: str | None
    #: the level whose dossiers it receives (None: it only does steps)
    level: str | None
    roles: tuple[str, ...]
    #: procedure code -> share of the unit's dossiers
    mix: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True)
class StaffSpec:
    username: str
    full_name: str
    unit: str
    role: str
    title: str


def province() -> list[UnitSpec]:
    """Every unit, parents before children."""
    root = UnitSpec(f"{PREFIX}BN", "UBND tỉnh Bắc Ninh (mô phỏng)", "province", None, None, None, ("supervisor",))
    units = [root, UnitSpec(f"{PREFIX}BHXH", "Bảo hiểm xã hội tỉnh Bắc Ninh (mô phỏng)", "social_insurance",
                            root.code, None, None, ("insurance_officer", "leader"))]
    for number, (suffix, name, procedure) in enumerate(DEPARTMENTS, start=1):
        roles = RECEIVING_ROLES + (("construction_officer",) if procedure.startswith("cap-phep") else ())
        units.append(UnitSpec(f"{PREFIX}{suffix}", f"{name} tỉnh Bắc Ninh (mô phỏng)", "department", root.code,
                              _agency(0, number), "province", roles, ((procedure, 1.0),)))
    for index, district in enumerate(DISTRICTS, start=1):
        units.extend(_district(index, district, root.code))
    return units


def _district(index: int, name: str, parent: str) -> list[UnitSpec]:
    code = f"{PREFIX}H{index:02d}"
    units = [UnitSpec(code, f"UBND {_district_title(name)} (mô phỏng)", "district", parent, _agency(index, 0),
                      "district", RECEIVING_ROLES + EXTRA_ROLES["district"], tuple(DISTRICT_MIX.items())),
             UnitSpec(f"{code}-CA", f"Công an {_district_title(name)} (mô phỏng)", "police", code, None, None,
                      ("police_officer", "leader"))]
    first = sum(COMMUNES_PER_DISTRICT[:index - 1])
    for number in range(1, COMMUNES_PER_DISTRICT[index - 1] + 1):
        units.append(UnitSpec(f"{code}-X{number:02d}", f"Xã/Phường {first + number} – {name} (mô phỏng)",
                              "commune", code, _agency(index, number), "commune",
                              RECEIVING_ROLES + EXTRA_ROLES["commune"], tuple(COMMUNE_MIX.items())))
    return units


def _district_title(name: str) -> str:
    return name if name.startswith(("TP ", "TX ")) else f"huyện {name}"


def _agency(district: int, number: int) -> str:
    """A well-formed agency code of its own (``000.<district>.<number>.S27``): it prefixes dossier codes."""
    return f"000.{district:02d}.{number:02d}.S27"


def staff(units: list[UnitSpec]) -> list[StaffSpec]:
    """One person per role of every unit; usernames are the role and the unit's code."""
    return [StaffSpec(f"{role}.{unit.code.lower()}", f"{ROLE_TITLES[role]} {unit.code[len(PREFIX):]}", unit.code,
                      role, ROLE_TITLES[role])
            for unit in units for role in unit.roles]


def receiving(units: list[UnitSpec], level: str) -> list[UnitSpec]:
    return [unit for unit in units if unit.level == level]
