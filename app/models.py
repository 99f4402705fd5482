"""Every mapped class, imported in one place so the metadata is complete."""
from app.auth.models import ApiToken, AuthEvent, LoginThrottle, Role, Unit, User, UserSession, user_roles  # noqa: F401
from app.calendar.models import CalendarDay, CalendarYearCheck  # noqa: F401
from app.dossiers.models import (  # noqa: F401
    Dossier, DossierDocument, DossierEvent, DossierFile, DossierSequence, Payment, ReceiptSequence,
)
from app.procedures.models import Procedure, ProcedureVersion  # noqa: F401
from app.tasks.models import Task  # noqa: F401
from app.escalation.models import Escalation  # noqa: F401
from app.signing.models import TrustRoot  # noqa: F401
from app.notifications.models import Notification, OutboxMessage  # noqa: F401
from app.citizens.models import Rating  # noqa: F401
from app.core.models import ClockSetting  # noqa: F401
from app.reports.models import ReportFact, ReportJob, StepCount  # noqa: F401
