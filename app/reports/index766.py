"""The Decision 766/QĐ-TTg indicators this product can compute from its own data (DOMAIN.md).

Each indicator is a numerator over a denominator; its points are ``max_points`` from its
threshold up, and ``rate × max_points ÷ threshold`` below it. The maximum points are our reading
of the decision's groups (publicity 18, progress 20, online service 22, digitisation 22,
satisfaction 18; online payment at 10 of the 22): the progress and satisfaction groups go whole to
2.1 and 5.4, online service is split 12 (3.3) + 10 (3.6), digitisation 11 (4.1) + 11 (4.2).
Publicity (18) needs data this product does not hold, so the maximum here is 82.
An indicator without a denominator (no dossier, no procedure with a fee) has no rate and no
points, and its maximum is left out of the total.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, select

from app.db import session
from app.reports.scope import Period, Scope
from app.reports.services import DONE, F, in_scope, open_at, late_at, ratio


@dataclass(frozen=True)
class Definition:
    code: str
    name: str
    formula: str
    max_points: float
    threshold: float


DEFINITIONS = (
    Definition("2.1", "Tiến độ giải quyết",
               "(Hồ sơ đã giải quyết trước hạn và đúng hạn + hồ sơ đang giải quyết còn hạn) ÷ "
               "(hồ sơ đã giải quyết + hồ sơ đang giải quyết)", 20, 1.0),
    Definition("3.3", "Tiếp nhận hồ sơ trực tuyến",
               "Hồ sơ nộp trực tuyến ÷ tổng số hồ sơ tiếp nhận (đủ điểm từ 50%)", 12, 0.5),
    Definition("3.6", "Thanh toán trực tuyến",
               "Hồ sơ thanh toán phí, lệ phí trực tuyến ÷ hồ sơ của thủ tục có thu phí, lệ phí", 10, 1.0),
    Definition("4.1", "Kết quả giải quyết điện tử",
               "Hồ sơ có kết quả điện tử ÷ hồ sơ đã giải quyết", 11, 1.0),
    Definition("4.2", "Số hóa hồ sơ",
               "Hồ sơ có thành phần được số hóa (quét hoặc tải lên) ÷ tổng số hồ sơ tiếp nhận (đủ điểm từ 80%)",
               11, 0.8),
    Definition("5.4", "Mức độ hài lòng",
               "100% − (tỉ lệ hồ sơ quá hạn + tỉ lệ hồ sơ bị đánh giá chưa hài lòng, không hài lòng) "
               "trên hồ sơ đã giải quyết (đủ điểm từ 90%)", 18, 0.9),
)


@dataclass
class Indicator:
    definition: Definition
    numerator: int
    denominator: int

    @property
    def rate(self) -> float | None:
        return ratio(self.numerator, self.denominator)

    @property
    def points(self) -> float | None:
        return points(self.rate, self.definition.max_points, self.definition.threshold)


def points(rate: float | None, max_points: float, threshold: float) -> float | None:
    """Full points from the threshold up, proportionally below it."""
    if rate is None:
        return None
    return round(max_points if rate >= threshold else rate * max_points / threshold, 2)


def indicators(scope: Scope, when: Period) -> list[Indicator]:
    received, finished, open_now = _received(scope, when), _finished(scope, when), _open(scope, when)
    done = finished["done"]
    fractions = {
        "2.1": (finished["good"] + open_now["within"], done + open_now["all"]),
        "3.3": (received["online"], received["all"]),
        "3.6": (received["paid_online"], received["fee"]),
        "4.1": (finished["e_result"], done),
        "4.2": (received["digitised"], received["all"]),
        "5.4": (max(0, done - finished["late"] - finished["unsatisfied"]), done),
    }
    return [Indicator(definition, *fractions[definition.code]) for definition in DEFINITIONS]


def totals(found: list[Indicator]) -> tuple[float, float]:
    """(points, max points) of the indicators that could be scored."""
    scored = [indicator for indicator in found if indicator.points is not None]
    return (round(sum(indicator.points for indicator in scored), 2),
            float(sum(indicator.definition.max_points for indicator in scored)))


def _sum(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _received(scope: Scope, when: Period) -> dict[str, int]:
    query = select(func.count(), _sum(F.online), _sum(F.fee), _sum(F.fee & F.paid_online), _sum(F.digitised)).where(
        F.received_on.between(when.first, when.last), in_scope(F.unit_id, scope))
    values = session.execute(query).one()
    return dict(zip(("all", "online", "fee", "paid_online", "digitised"), map(int, values)))


def _finished(scope: Scope, when: Period) -> dict[str, int]:
    """Dossiers finished in the period (refused ones are not a result: README, Reports)."""
    query = select(func.count(), _sum(F.outcome.in_(("early", "on_time"))), _sum(F.outcome == "late"),
                   _sum(F.e_result), _sum(F.rating.in_((1, 2)))).where(
        F.finished_on.between(when.first, when.last), F.outcome.in_(DONE), in_scope(F.unit_id, scope))
    values = session.execute(query).one()
    return dict(zip(("done", "good", "late", "e_result", "unsatisfied"), map(int, values)))


def _open(scope: Scope, when: Period) -> dict[str, int]:
    """Dossiers still open at the end of the period, and those of them within time."""
    late = late_at(when.end)
    total = within = 0
    for still_open in open_at(scope, when):
        count, late_count = session.execute(select(func.count(), _sum(late)).where(still_open)).one()
        total, within = total + int(count), within + int(count) - int(late_count)
    return {"all": total, "within": within}
