"""Published procedure versions cannot change under running dossiers."""
import pytest

from app.db import session
from app.procedures.services import get_version


def test_a_published_diagram_cannot_be_edited(app, demo):
    version = get_version("chung-thuc-ban-sao", 1)
    assert version.status == "published"
    original = version.bpmn_xml
    version.bpmn_xml = original + "<!-- edited -->"
    with pytest.raises(ValueError, match="cannot change"):
        session.commit()
    session.rollback()
    session.expire_all()
    assert get_version("chung-thuc-ban-sao", 1).bpmn_xml == original


def test_retiring_a_published_version_is_allowed(app, demo):
    version = get_version("chung-thuc-ban-sao", 1)
    version.status = "retired"
    session.commit()
    assert get_version("chung-thuc-ban-sao", 1).status == "retired"
