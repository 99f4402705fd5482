"""Who may call what: the REST API's authorization rules as one table.

Written from the rules, never from running the code:

* an anonymous caller gets 401, except on the public endpoints;
* a signed-in caller without one of the endpoint's roles gets 403, whatever the object;
* an object the caller may not see is a 404, exactly as an unknown one;
* an object the caller sees but may not act on is a 403;
* only then does the object's state speak (409, 423) or the endpoint answer.

The objects all belong to commune A (Tân Hòa), built once by the test module: a birth
registration received there with its first step open, a second one whose first step
went late (its escalation waits for the leader's signature), the analyst's draft of
``cap-trich-luc`` and a test run of it. Each role has a caller serving commune A
("own") and one in commune B (Bình An, "other").
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

COMMUNE_A, COMMUNE_B = "XA-TAN-HOA", "XA-BINH-AN"
#: roles that see every dossier and escalation wherever they sit
OVERSEERS = ("supervisor", "admin")
#: the analyst who owns the test run
RUN_OWNER = "phantich"


@dataclass(frozen=True)
class Caller:
    label: str
    username: str | None
    role: str | None = None
    unit: str | None = None

    @property
    def overseer(self) -> bool:
        return self.role in OVERSEERS


ANONYMOUS = Caller("anonymous", None)
#: label, username, role, unit; users marked * do not exist in the demo: the test module creates them
CALLERS = (
    ANONYMOUS,
    Caller("receptionist/own", "motcua.tanhoa", "receptionist", COMMUNE_A),
    Caller("receptionist/other", "motcua.binhan", "receptionist", COMMUNE_B),
    Caller("officer/own", "chuyenvien.tanhoa", "officer", COMMUNE_A),
    Caller("officer/other", "chuyenvien.binhan", "officer", COMMUNE_B),
    Caller("civil_status/own", "hotich.tanhoa", "civil_status_officer", COMMUNE_A),
    Caller("civil_status/other", "hotich.binhan", "civil_status_officer", COMMUNE_B),
    Caller("construction/own", "xaydung.tanhoa", "construction_officer", COMMUNE_A),
    Caller("construction/other", "xaydung.binhan", "construction_officer", COMMUNE_B),   # *
    Caller("leader/own", "lanhdao.tanhoa", "leader", COMMUNE_A),
    Caller("leader/other", "lanhdao.binhan", "leader", COMMUNE_B),
    Caller("police/own", "congan.tanhoa", "police_officer", "CA-TAN-HOA"),
    Caller("police/other", "congan.binhan", "police_officer", "CA-BINH-AN"),
    Caller("insurance/own", "bhxh", "insurance_officer", "BHXH-HB"),
    Caller("insurance/other", "bhxh.binhan", "insurance_officer", COMMUNE_B),          # *
    Caller("supervisor/own", "giamsat", "supervisor", "TINH-HB"),
    Caller("supervisor/other", "giamsat.binhan", "supervisor", COMMUNE_B),             # *
    Caller("admin/own", "admin", "admin", "TINH-HB"),
    Caller("admin/other", "admin.binhan", "admin", COMMUNE_B),                         # *
    Caller("analyst/own", "phantich", "analyst", "TINH-HB"),
    Caller("analyst/other", "phantich.binhan", "analyst", COMMUNE_B),                  # *
)


# --------------------------------------------------------------------------- the rules


def sees(caller: Caller, kind: str) -> bool:
    """Whether the caller may know the object exists."""
    if kind in ("dossier", "task", "blocked_task", "escalation"):
        # staff of the receiving / responsible unit (no other unit has a step yet), and overseers
        return caller.overseer or caller.unit == COMMUNE_A
    if kind == "test_run":
        return caller.username == RUN_OWNER or caller.role == "admin"
    return True   # procedures, their versions and the units are no secret to staff


def _holds(role: str) -> Callable[[Caller], bool]:
    """The role, in commune A (the unit of the step)."""
    return lambda caller: caller.role == role and caller.unit == COMMUNE_A


#: who may act, among those who see the object
ACTS: dict[str, Callable[[Caller], bool]] = {
    "reception": _holds("receptionist"),                  # the receiving unit's counter
    "complete": _holds("civil_status_officer"),           # the open step's role, in its unit
    "explain": _holds("civil_status_officer"),            # the late step's role, in the responsible unit
    "sign": _holds("leader"),                             # a leader of the responsible unit
    "decide": _holds("supervisor"),                       # the head, in the responsible unit (none here)
    "register": lambda caller: caller.unit == COMMUNE_A or caller.overseer,
    # staff of the receiving unit or of a unit with an open step (all commune A here), and admins
    "message": lambda caller: caller.unit == COMMUNE_A or caller.role == "admin",
    # staff of the receiving unit or of a unit with a step, but not those who only oversee, author or administer
    "results": lambda caller: caller.unit == COMMUNE_A and caller.role not in ("supervisor", "analyst", "admin"),
}

PUBLIC, SIGNED_IN = "public", "signed-in"
ADMIN, AUTHORS, RECEPTION = ("admin",), ("analyst", "admin"), ("receptionist",)
REPORTS = ("supervisor", "leader")


@dataclass(frozen=True)
class Row:
    """One operation of the OpenAPI document (``path`` as written there), maybe one variant of it."""

    method: str
    path: str
    roles: str | tuple[str, ...]
    kind: str | None
    acts: str | None
    ok: int
    #: path parameters fixed by the row rather than by the object (e.g. which form)
    params: dict[str, str] = field(default_factory=dict)
    #: what an anonymous caller gets when it is not 401 (or ``ok`` on public endpoints)
    anonymous: int | None = None

    @property
    def name(self) -> str:
        variant = ",".join(f"{key}={value}" for key, value in self.params.items())
        return f"{self.method} {self.path}" + (f" [{variant}]" if variant else "")


def R(method, path, roles, kind=None, acts=None, ok=200, **params) -> Row:
    anonymous = params.pop("anonymous", None)
    return Row(method, path, roles, kind, acts, ok, params, anonymous)


#: ``ok`` is what a caller who passes every check gets, given the object's state: the first
#: dossier is "received", the escalation "awaiting_signature", the blocked step's dossier "blocked",
#: the procedure version 1 a draft.
TABLE = (
    #  method   path                                                    roles      object          acts        ok
    R("POST",   "/admin/clock",                                         ADMIN),
    R("POST",   "/admin/scheduler/run",                                 ADMIN),
    R("POST",   "/admin/trust-roots",                                   ADMIN,     ok=201),
    R("GET",    "/admin/national-sync",                                 ADMIN),
    R("POST",   "/admin/national-sync/{message_id}/retry",              ADMIN,     ok=404, message_id="999999999"),
    R("POST",   "/auth/token",                                          PUBLIC),
    R("DELETE", "/auth/token",                                          SIGNED_IN, ok=204),    # one's own token
    R("PUT",    "/auth/password",                                       SIGNED_IN),            # one's own password
    R("POST",   "/calendar/days",                                       ADMIN,     ok=201),
    R("GET",    "/calendar/due",                                        SIGNED_IN),
    R("GET",    "/dossiers",                                            SIGNED_IN),
    R("POST",   "/dossiers",                                            RECEPTION, ok=201, anonymous=201),  # online
    R("GET",    "/dossiers/{code}",                                     SIGNED_IN, "dossier"),
    R("POST",   "/dossiers/{code}/accept",                              RECEPTION, "dossier",      "reception", 409),
    R("POST",   "/dossiers/{code}/documents-complete",                  RECEPTION, "dossier",      "reception", 409),
    R("GET",    "/dossiers/{code}/files",                               SIGNED_IN, "dossier"),    # or ?secret=
    R("POST",   "/dossiers/{code}/files",                               RECEPTION, "dossier",      "reception", 422),
    R("GET",    "/dossiers/{code}/files/{file_id}",                     SIGNED_IN, "dossier"),    # a scan of it
    R("GET",    "/dossiers/{code}/forms/{form}",                        SIGNED_IN, "dossier",      form="receipt"),
    R("GET",    "/dossiers/{code}/forms/{form}",                        SIGNED_IN, "dossier", ok=409, form="refusal"),
    R("POST",   "/dossiers/{code}/results",                             SIGNED_IN, "dossier",      "results",   422),
    R("POST",   "/dossiers/{code}/messages/{name}",                     SIGNED_IN, "dossier",      "message",   409,
      name="tra_loi_lien_thong"),   # the first dossier waits for no message
    R("GET",    "/dossiers/{code}/payments",                            SIGNED_IN, "dossier"),
    R("POST",   "/dossiers/{code}/payments",                            RECEPTION, "dossier",      "reception", 201),
    R("POST",   "/dossiers/{code}/refuse",                              RECEPTION, "dossier",      "reception"),
    R("POST",   "/dossiers/{code}/return",                              RECEPTION, "dossier",      "reception", 409),
    R("POST",   "/dossiers/{code}/supplement",                          RECEPTION, "dossier",      "reception", 409),
    R("POST",   "/dossiers/{code}/supplement-request",                  RECEPTION, "dossier",      "reception"),
    R("GET",    "/dossiers/{code}/tasks",                               SIGNED_IN, "dossier"),
    R("GET",    "/escalations",                                         SIGNED_IN),
    R("GET",    "/escalations/{escalation_id}",                         SIGNED_IN, "escalation"),
    R("POST",   "/escalations/{escalation_id}/decision",                SIGNED_IN, "escalation",   "decide",    409),
    R("POST",   "/escalations/{escalation_id}/explanation",             SIGNED_IN, "escalation",   "explain",   409),
    R("GET",    "/escalations/{escalation_id}/letter",                  SIGNED_IN, "escalation"),
    R("POST",   "/escalations/{escalation_id}/reject",                  SIGNED_IN, "escalation",   "sign"),
    R("POST",   "/escalations/{escalation_id}/signature",               SIGNED_IN, "escalation",   "sign"),
    R("GET",    "/openapi.json",                                        PUBLIC),
    R("GET",    "/procedures",                                          SIGNED_IN),
    R("POST",   "/procedures",                                          AUTHORS,   ok=201),
    R("POST",   "/procedures/check",                                    AUTHORS),
    R("GET",    "/procedures/{code}",                                   SIGNED_IN, "draft"),
    R("PATCH",  "/procedures/{code}",                                   AUTHORS,   "draft"),
    R("GET",    "/procedures/{code}/versions",                          SIGNED_IN, "draft"),
    R("PUT",    "/procedures/{code}/versions/{number}",                 AUTHORS,   "draft"),
    R("POST",   "/procedures/{code}/versions/{number}/publish",         AUTHORS,   "draft"),
    R("POST",   "/procedures/{code}/versions/{number}/retire",          AUTHORS,   "draft",        ok=409),
    R("POST",   "/procedures/{code}/versions/{number}/test-runs",       AUTHORS,   "draft",        ok=201),
    R("GET",    "/procedures/{code}/versions/{old}/diff/{new}",         SIGNED_IN, "draft"),
    R("GET",    "/public/dossiers/{code}",                              PUBLIC,    "public_dossier"),
    # multipart only: the matrix's JSON body is refused alike for everyone (the uploads are tested apart)
    R("POST",   "/public/dossiers",                                     PUBLIC,    ok=415),
    R("POST",   "/public/dossiers/{code}/supplement",                   PUBLIC,    "public_dossier", ok=415),
    R("GET",    "/public/procedures",                                   PUBLIC),
    # online payment: the birth registration has no fee; the gateway's callback without a body names its fields
    R("POST",   "/public/dossiers/{code}/payments",                     PUBLIC,    "public_dossier", ok=409),
    R("POST",   "/public/payments/callback",                            PUBLIC,    ok=422),
    R("POST",   "/public/dossiers/{code}/rating",                       PUBLIC,    "public_dossier", ok=409),  # not finished
    # reports (CONTRACT §2.1): leaders of their subtree, supervisors of everything; no ``unit``: their own
    R("GET",    "/reports/days-saved",                                  REPORTS),
    R("GET",    "/reports/index-766",                                   REPORTS),
    R("GET",    "/reports/late",                                        REPORTS),
    R("GET",    "/reports/satisfaction",                                REPORTS),
    R("GET",    "/reports/timeliness",                                  REPORTS),
    R("GET",    "/roles",                                               SIGNED_IN),
    R("POST",   "/roles",                                               ADMIN,     ok=201),
    R("GET",    "/tasks",                                               SIGNED_IN),
    R("GET",    "/tasks/{task_id}",                                     SIGNED_IN, "task"),
    R("POST",   "/tasks/{task_id}/complete",                            SIGNED_IN, "task",         "complete"),
    R("POST",   "/tasks/{task_id}/complete",                            SIGNED_IN, "blocked_task", "complete",  423),
    R("POST",   "/tasks/{task_id}/early-apology",                       SIGNED_IN, "task",         "complete",  201),
    R("GET",    "/test-runs/{code}",                                    AUTHORS,   "test_run"),
    R("DELETE", "/test-runs/{code}",                                    AUTHORS,   "test_run",     ok=204),
    R("POST",   "/test-runs/{code}/tasks/{task_id}/complete",           AUTHORS,   "test_run"),
    R("GET",    "/units",                                               ADMIN),
    R("POST",   "/units",                                               ADMIN,     ok=201),
    R("GET",    "/units/{code}/register",                               SIGNED_IN, "unit",         "register"),
    R("POST",   "/users",                                               ADMIN,     ok=201),
    R("GET",    "/users/{username}",                                    ADMIN,     "user"),
    R("PUT",    "/users/{username}/password",                           ADMIN,     "user"),
    R("POST",   "/users/{username}/disable",                            ADMIN,     "user"),
    R("POST",   "/users/{username}/enable",                             ADMIN,     "user"),
    R("PUT",    "/users/{username}/certificate",                        ADMIN,     "user"),
)


#: The pages, each route of the URL map but the API's and the files'. A page sends a signed-out
#: caller to the sign-in form (302); a refusal the page shows beside its form keeps its status,
#: one it flashes is a redirect (302) like a success.
PAGES = (
    #  method   rule                                                    roles      object          acts        ok
    R("GET",    "/",                                                    SIGNED_IN),   # each role's dashboard
    R("GET",    "/tong-quan/<name>",                                    SIGNED_IN, name="due_today"),
    R("GET",    "/bao-cao/tien-do",                                     REPORTS),
    R("GET",    "/bao-cao/qua-han",                                     REPORTS),
    R("GET",    "/bao-cao/thoi-gian",                                   REPORTS),
    R("GET",    "/bao-cao/hai-long",                                    REPORTS),
    R("GET",    "/bao-cao/chi-so-766",                                  REPORTS),
    # the register's exports and background print: no period given (422), no job 999999999 of one's own
    R("GET",    "/don-vi/so-theo-doi/xuat",                             SIGNED_IN, ok=422),
    R("POST",   "/don-vi/so-theo-doi/in-nen",                           SIGNED_IN, ok=422),
    R("GET",    "/don-vi/so-theo-doi/in-nen/<int:job_id>",              SIGNED_IN, ok=404, job_id="999999999"),
    R("GET",    "/don-vi/so-theo-doi/in-nen/<int:job_id>/trang-thai",   SIGNED_IN, ok=404, job_id="999999999"),
    R("GET",    "/don-vi/so-theo-doi/in-nen/<int:job_id>/tai-ve",       SIGNED_IN, ok=404, job_id="999999999"),
    R("GET",    "/dang-nhap",                                           PUBLIC,    ok=302, anonymous=200),
    R("POST",   "/dang-nhap",                                           PUBLIC,    ok=302),
    R("POST",   "/dang-xuat",                                           PUBLIC,    ok=302),
    # the load balancer's probes (app.core.health): no login, the same for everyone
    R("GET",    "/healthz",                                             PUBLIC),
    R("GET",    "/readyz",                                              PUBLIC),
    # Prometheus (app.core.metrics): no login either, but not public. It answers a request from the
    # loopback, or one with ``Authorization: Bearer <METRICS_TOKEN>``, and anyone else a 404. The matrix
    # cannot say "loopback only": its callers all come from the test client's 127.0.0.1, so each gets
    # 200 here; a caller from elsewhere, with and without the token, is tests/core/test_metrics.py's.
    R("GET",    "/metrics",                                             PUBLIC),
    # the citizen's pages: no login; those of a dossier take its secret (``?s=``), the same for everyone
    R("GET",    "/dich-vu-cong",                                        PUBLIC),
    R("GET",    "/dich-vu-cong/<code>",                                 PUBLIC,    "published"),
    R("GET",    "/dich-vu-cong/<code>",                                 PUBLIC,    "draft",        ok=404),
    R("GET",    "/dich-vu-cong/<code>/nop",                             PUBLIC,    "published"),
    R("POST",   "/dich-vu-cong/<code>/nop",                             PUBLIC,    "published",    ok=422),  # no file
    R("GET",    "/dich-vu-cong/da-nop/<code>",                          PUBLIC,    "public_dossier"),
    R("GET",    "/tra-cuu",                                             PUBLIC),
    R("GET",    "/tra-cuu/<code>",                                      PUBLIC,    "public_dossier"),
    R("POST",   "/tra-cuu/<code>/bo-sung",                              PUBLIC,    "public_dossier", ok=409),  # not asked
    R("POST",   "/tra-cuu/<code>/danh-gia",                             PUBLIC,    "public_dossier", ok=409),  # not finished
    R("GET",    "/tra-cuu/<code>/thu-xin-loi/<int:escalation_id>",      PUBLIC,    "public_dossier", ok=404,
      escalation_id="1"),       # the dossier has no signed letter
    R("GET",    "/quay/danh-gia",                                       RECEPTION),
    R("POST",   "/quay/danh-gia",                                       RECEPTION, ok=302),   # nothing to rate: flashed
    R("GET",    "/cong-viec",                                           SIGNED_IN),
    R("GET",    "/cong-viec/<int:task_id>",                             SIGNED_IN, "task"),
    R("POST",   "/cong-viec/<int:task_id>",                             SIGNED_IN, "task",         "complete",  302),
    R("POST",   "/cong-viec/<int:task_id>",                             SIGNED_IN, "blocked_task", "complete",  423),
    R("POST",   "/cong-viec/<int:task_id>/xin-loi-som",                 SIGNED_IN, "task",         "complete",  302),
    R("GET",    "/don-vi/so-theo-doi",                                  SIGNED_IN),
    R("GET",    "/lich",                                                ADMIN),
    R("POST",   "/lich/ngay",                                           ADMIN,     ok=422),   # an empty form
    R("POST",   "/lich/ngay/<day>/xoa",                                 ADMIN,     ok=302, day="2099-12-31"),
    R("POST",   "/lich/<int:year>/xac-nhan",                            ADMIN,     ok=302, year="2027"),
    # the administration: an empty form is refused beside its fields (422); disabling and enabling are flashed
    R("GET",    "/quan-tri",                                            ADMIN),
    R("GET",    "/quan-tri/don-vi",                                     ADMIN),
    R("POST",   "/quan-tri/don-vi",                                     ADMIN,     ok=422),
    R("GET",    "/quan-tri/don-vi/<code>",                              ADMIN,     "unit"),
    R("POST",   "/quan-tri/don-vi/<code>",                              ADMIN,     "unit",         ok=422),
    R("GET",    "/quan-tri/nguoi-dung",                                 ADMIN),
    R("GET",    "/quan-tri/nguoi-dung-moi",                             ADMIN),
    R("POST",   "/quan-tri/nguoi-dung-moi",                             ADMIN,     ok=422),
    R("GET",    "/quan-tri/nguoi-dung/<username>",                      ADMIN,     "user"),
    R("POST",   "/quan-tri/nguoi-dung/<username>",                      ADMIN,     "user",         ok=422),
    R("POST",   "/quan-tri/nguoi-dung/<username>/mat-khau",             ADMIN,     "user",         ok=422),
    R("POST",   "/quan-tri/nguoi-dung/<username>/khoa",                 ADMIN,     "user",         ok=302),
    R("POST",   "/quan-tri/nguoi-dung/<username>/mo-khoa",              ADMIN,     "user",         ok=302),
    R("GET",    "/quan-tri/vai-tro",                                    ADMIN),
    R("POST",   "/quan-tri/vai-tro",                                    ADMIN,     ok=422),
    R("GET",    "/quan-tri/chung-thu",                                  ADMIN),
    R("POST",   "/quan-tri/chung-thu/lanh-dao",                         ADMIN,     ok=422),
    R("POST",   "/quan-tri/chung-thu/goc",                              ADMIN,     ok=422),
    R("GET",    "/quan-tri/nhat-ky",                                    ADMIN),
    R("GET",    "/quan-tri/nhat-ky/dang-nhap",                          ADMIN),
    # the national portal's messages: no message 999999999; nothing failed to send again (flashed)
    R("GET",    "/quan-tri/dong-bo",                                    ADMIN),
    R("POST",   "/quan-tri/dong-bo/<int:message_id>/gui-lai",           ADMIN,     ok=404, message_id="999999999"),
    R("POST",   "/quan-tri/dong-bo/gui-lai-tat-ca",                     ADMIN,     ok=302),
    R("GET",    "/ho-so",                                               SIGNED_IN),
    R("GET",    "/ho-so/<code>",                                        SIGNED_IN, "dossier"),
    R("POST",   "/ho-so/<code>/<action>",                               RECEPTION, "dossier",      "reception", 302,
      action="tu-choi"),
    R("GET",    "/ho-so/<code>/in/<form>",                              SIGNED_IN, "dossier",      form="receipt"),
    R("GET",    "/ho-so/<code>/in/<form>",                              SIGNED_IN, "dossier", ok=409, form="refusal"),
    R("GET",    "/ho-so/<code>/so-do.bpmn",                             SIGNED_IN, "dossier"),
    R("POST",   "/ho-so/<code>/tep",                                    RECEPTION, "dossier",      "reception", 302),
    R("GET",    "/ho-so/<code>/tep/<int:file_id>",                      SIGNED_IN, "dossier"),
    R("POST",   "/ho-so/<code>/ket-qua",                                SIGNED_IN, "dossier",      "results",   302),
    R("GET",    "/thong-bao",                                           SIGNED_IN),
    R("GET",    "/bao-cao/chua-nhan-ket-qua",                           ("receptionist", "leader", "supervisor", "admin")),
    R("GET",    "/thanh-toan/ket-qua",                                  PUBLIC,    ok=404),   # no order given
    R("POST",   "/thanh-toan/<code>",                                   PUBLIC,    "public_dossier", ok=303),  # no fee: back
    R("GET",    "/thanh-toan/cong-thu-nghiem",                          PUBLIC,    ok=403),   # demo gateway: unsigned
    R("POST",   "/thanh-toan/cong-thu-nghiem",                          PUBLIC,    ok=403),
    R("GET",    "/thu-tuc",                                             PUBLIC),
    R("GET",    "/thu-tuc/<code>",                                      PUBLIC,    "published"),
    R("GET",    "/thu-tuc/<code>",                                      PUBLIC,    "draft",        ok=404),  # no draft
    R("GET",    "/thu-tuc/<code>/so-do.bpmn",                           PUBLIC,    "published"),
    R("POST",   "/thu-tuc/<code>/phien-ban/<int:number>/ngung",         AUTHORS,   "draft",        ok=302),
    R("GET",    "/thu-tuc/<code>/phien-ban/<int:old>/so-sanh/<int:new>", AUTHORS,  "draft"),
    R("GET",    "/thu-tuc/<code>/soan",                                 AUTHORS,   "draft"),
    R("GET",    "/thu-tuc/soan",                                        AUTHORS),
    R("GET",    "/tiep-nhan",                                           RECEPTION),
    R("POST",   "/tiep-nhan",                                           RECEPTION, ok=302),
    R("GET",    "/tiep-nhan/danh-sach",                                 RECEPTION),
    R("GET",    "/tre-han",                                             SIGNED_IN),
    R("GET",    "/tre-han/<int:escalation_id>",                         SIGNED_IN, "escalation"),
    R("POST",   "/tre-han/<int:escalation_id>/<action>",                SIGNED_IN, "escalation",   "explain",   409,
      action="giai-trinh"),
    R("POST",   "/tre-han/<int:escalation_id>/<action>",                SIGNED_IN, "escalation",   "sign",      302,
      action="ky-bang-pin"),
    R("POST",   "/tre-han/<int:escalation_id>/<action>",                SIGNED_IN, "escalation",   "sign",      302,
      action="tra-lai"),
    R("POST",   "/tre-han/<int:escalation_id>/<action>",                SIGNED_IN, "escalation",   "decide",    409,
      action="quyet-dinh"),
    R("GET",    "/tre-han/<int:escalation_id>/thu-xin-loi.pdf",         SIGNED_IN, "escalation"),
)


def expected(row: Row, caller: Caller, signed_out: int = 401) -> int:
    """The status ``caller`` gets on ``row``, from the rules above (``signed_out``: 302 on pages)."""
    if caller.username is None:
        return row.anonymous or (row.ok if row.roles == PUBLIC else signed_out)
    if row.roles not in (PUBLIC, SIGNED_IN) and caller.role not in row.roles:
        return 403
    if row.kind is not None and not sees(caller, row.kind):
        return 404
    if row.acts is not None and not ACTS[row.acts](caller):
        return 403
    return row.ok
