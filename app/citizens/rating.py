"""The citizen's rating of a finished dossier (DOMAIN.md: four levels, satisfied = 3 or 4).

Why the rules are these:

- Once per dossier: the index counts dossiers rated unsatisfied, so a second vote would count
  twice. The rating's primary key is the dossier, so even two votes at the same instant leave one.
- Only once the dossier is finished (result ready, returned, or refused): before, there is
  nothing yet to judge, and a vote cast mid-way could not be changed later.
- From the look-up page and the API, the holder of the secret printed on the receipt rates,
  like every public look-up (a wrong secret is the unknown code's 404). At the kiosk beside
  the counter, the receptionist who just handed the result back lets the citizen tap a level:
  only that dossier, returned by that receptionist today and not yet rated.

Plain Python (no Flask). The comment is stored as typed, and escaped wherever it is shown.
"""
from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import select

from app import clock
from app.auth.models import User
from app.auth.services import field_errors
from app.citizens.models import RATING_CHANNELS, SCORES, Rating
from app.core.errors import Conflict, Forbidden, Invalid
from app.db import session
from app.dossiers import services, workflow
from app.dossiers.models import Dossier, DossierEvent

#: the statuses in which a dossier is finished for its citizen
FINISHED = ("ready_for_return", "returned", "refused")
MAX_COMMENT = 2000
NOT_YET = "Hồ sơ {code} chưa giải quyết xong nên chưa thể đánh giá; mời bạn đánh giá khi đã có kết quả."
ALREADY = "Hồ sơ {code} đã được đánh giá; mỗi hồ sơ chỉ đánh giá một lần."


def rate(code: str, secret: str, score, comment: str = "", channel: str = "api") -> Rating:
    """The citizen's rating, given with the dossier's look-up secret (404 if it is wrong)."""
    dossier = services.lookup(code, secret or "")
    return _rate(dossier, score, comment, channel)


def kiosk_dossier(actor: User) -> Dossier | None:
    """The dossier the kiosk rates: the last one ``actor`` handed back today, if not yet rated."""
    _require_receptionist(actor)
    today = datetime.combine(clock.local(clock.now()).date(), time.min, clock.LOCAL_TZ)
    rated = select(Rating.dossier_id).where(Rating.dossier_id == Dossier.id).exists()
    query = (select(Dossier).join(DossierEvent, DossierEvent.dossier_id == Dossier.id)
             .where(DossierEvent.kind == "returned", DossierEvent.actor_id == actor.id, DossierEvent.at >= today,
                    Dossier.status == "returned", services.REAL, ~rated)
             .order_by(DossierEvent.at.desc(), DossierEvent.id.desc()).limit(1))
    return session.scalar(query)


def rate_at_kiosk(actor: User, code: str, score) -> Rating:
    """A tap on the kiosk: only for the dossier it shows (:func:`kiosk_dossier`), else 409."""
    dossier = kiosk_dossier(actor)
    if dossier is None or dossier.code != code:
        raise Conflict("Không có hồ sơ vừa trả kết quả nào đang chờ đánh giá tại quầy này.")
    return _rate(dossier, score, "", "kiosk")


def rating_of(dossier: Dossier) -> Rating | None:
    return session.get(Rating, dossier.id)


def can_rate(dossier: Dossier) -> bool:
    """Whether the look-up page offers the rating form: finished and not rated yet."""
    return dossier.status in FINISHED and rating_of(dossier) is None


def _rate(dossier: Dossier, score, comment, channel: str) -> Rating:
    score, comment = _checked(score, comment, channel)
    if dossier.status not in FINISHED:
        raise Conflict(NOT_YET.format(code=dossier.code))
    if rating_of(dossier) is not None:
        raise Conflict(ALREADY.format(code=dossier.code))
    now = clock.now()
    rating = Rating(dossier_id=dossier.id, score=score, comment=comment, channel=channel, rated_at=now)
    with workflow.change():  # a vote at the same instant takes the same key: 409, one rating kept
        session.add(rating)
        workflow.record(dossier, "rated", None, now, score=score, channel=channel)
    return rating


def _checked(score, comment, channel: str) -> tuple[int, str]:
    """The score as a whole number 1..4 and the comment as text, or 422 naming the field."""
    errors = {}
    if isinstance(score, str) and score.strip().isdigit():
        score = int(score)
    if type(score) is not int or score not in SCORES:  # not a bool, a float or a list
        errors["score"] = "Chọn mức đánh giá từ 1 (Không hài lòng) đến 4 (Rất hài lòng)."
    comment = "" if comment is None else comment
    if not isinstance(comment, str) or len(comment) > MAX_COMMENT:
        errors["comment"] = f"Góp ý là đoạn văn bản không quá {MAX_COMMENT} ký tự."
    if channel not in RATING_CHANNELS:
        errors["channel"] = "Kênh đánh giá không hợp lệ."
    if errors:
        raise Invalid("Thông tin đánh giá chưa hợp lệ.", field_errors(errors))
    return score, comment.strip()


def _require_receptionist(actor: User) -> None:
    if not actor.has_role("receptionist"):
        raise Forbidden("Bạn không có quyền thực hiện thao tác này.")
