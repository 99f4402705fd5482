"""The simulated province in the database, made through the same services as the demo's:
units and accounts (``app.auth.services``), roles and published procedures (``app.demo``),
and leaders' signing keys from a demo CA, issued the first time a leader has to sign."""
from __future__ import annotations

from typing import Callable

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.auth.models import Unit, User
from app.auth.services import create_unit, create_user, use_fast_password_hashing
from app.db import session
from app.demo import DEMO_PASSWORD, ensure_roles, issue_signing_key, publish_procedures
from app.simulation import shape


def build(units: list[shape.UnitSpec], progress: Callable[[str], None]) -> None:
    """Create whatever of the province is missing (a second run on the same database reuses it).

    Accounts get the cheap password hash of the test suite: hundreds of simulated officers
    would otherwise cost a minute of argon2 before the first dossier.
    """
    ensure_roles()
    existing = set(session.scalars(select(Unit.code)))
    for unit in units:
        if unit.code not in existing:
            create_unit(unit.code, unit.name, unit.kind, unit.parent, unit.agency_code)
    use_fast_password_hashing()
    people = set(session.scalars(select(User.username)))
    for person in shape.staff(units):
        if person.username not in people:
            create_user(person.username, DEMO_PASSWORD, person.full_name, person.unit, [person.role],
                        title=person.title)
    progress(f"Tỉnh mô phỏng: {len(units)} đơn vị, {len(shape.staff(units))} tài khoản "
             f"(mật khẩu demo {DEMO_PASSWORD}).")
    publish_procedures(progress)


class Staff:
    """Who does what: the simulated person holding a role in a unit.

    Each act gets its actor in that act's own session, as a request gets its user.  The everyday
    acts take the person as loaded once here, merged into the act's session without a query (a
    person's name, unit and roles do not change during a run; the query cost a tenth of a step);
    a leader about to sign is read afresh (``fresh``), since signing changes them (the key issued,
    the PIN's failures), possibly in another worker."""

    def __init__(self) -> None:
        names = [person.username for person in shape.staff(shape.province())]
        users = session.scalars(select(User).options(joinedload(User.unit)).where(User.username.in_(names)))
        self.people = {user.id: user for user in users}
        self.ids = {(user.unit_id, role): user.id for user in self.people.values() for role in user.role_codes}
        self.unit_ids = {unit_code: unit_id for unit_code, unit_id in
                         session.execute(select(Unit.code, Unit.id).where(Unit.code.startswith(shape.PREFIX)))}

    def holding(self, unit_id: int, role: str, fresh: bool = False) -> User | None:
        found = self.ids.get((unit_id, role))
        if found is None:
            return None
        if fresh:
            return session.get(User, found, options=[joinedload(User.unit)])
        return session.merge(self.people[found], load=False)

    def at(self, unit_code: str, role: str) -> User:
        return self.holding(self.unit_ids[unit_code], role)


class Signatories:
    """The demo CA of the run, made (and trusted) when the first letter is signed; each leader
    gets a key the first time they sign."""

    def __init__(self) -> None:
        self.ca: tuple[bytes, bytes] | None = None

    def ready(self, leader: User) -> None:
        if leader.signing_key is not None:
            return
        if self.ca is None:
            from app.signing.demo_ca import make_demo_ca
            from app.signing.services import add_trust_root

            self.ca = make_demo_ca("CA DEMO Một cửa điện tử (mô phỏng)")
            add_trust_root(self.ca[0].decode())
        issue_signing_key(leader, *self.ca)
