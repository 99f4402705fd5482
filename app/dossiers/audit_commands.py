"""``flask audit``: verify the audit chains (app/dossiers/auditchain.py) and name what is wrong,
and save their heads out of the database's reach.

Both only read (on SQLite, without taking the write lock), so they can run beside the application.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import IO, Iterator

import click
from flask.cli import AppGroup

from app.db import write_intent
from app.dossiers import auditlog

audit_cli = AppGroup("audit", help="The dossiers' tamper-evident audit trail.")


@contextmanager
def _reading() -> Iterator[None]:
    token = write_intent.set(False)
    try:
        yield
    finally:
        write_intent.reset(token)


def _progress(done: int, total: int) -> None:
    """Told on stderr when the walk takes more than one batch, so that stdout stays the findings."""
    if total > auditlog.BATCH:
        click.echo(f"Đã kiểm {done}/{total} hồ sơ…", err=True)


def _anchors(saved: IO[str] | None) -> dict[str, str]:
    """The heads saved by ``flask audit heads``: one ``CODE HEAD`` a line."""
    anchors = {}
    for number, line in enumerate(saved or (), start=1):
        parts = line.split()
        if not parts or parts[0].startswith("#"):
            continue
        if len(parts) != 2 or len(parts[1]) != 64:
            raise click.BadParameter(f"dòng {number} không phải 'MÃ_HỒ_SƠ MÃ_ĐẦU_CHUỖI'.", param_hint="--against")
        anchors[parts[0]] = parts[1]
    return anchors


def _summary(code: str | None, anchors: dict[str, str]) -> auditlog.Summary:
    if code is None:
        return auditlog.verify_all(_progress, anchors)
    summary = auditlog.verify_code(code, anchors)
    if summary is None:
        raise click.BadParameter(f"Không có hồ sơ mã {code}.", param_hint="--dossier")
    return summary


@audit_cli.command("verify")
@click.option("--dossier", "code", default=None, help="Only the dossier of this code.")
@click.option("--against", "saved", type=click.File(encoding="utf-8"), default=None,
              help="Heads saved earlier by `flask audit heads`: each must still lie on its dossier's chain.")
def verify(code: str | None, saved: IO[str] | None) -> None:
    """Verify the hash chain of every dossier's events (or of one); exit 1 naming each finding."""
    anchors = _anchors(saved)
    with _reading():
        summary = _summary(code, anchors)
    for finding in summary.findings:
        click.echo(finding.message)
    if summary.findings:
        dossiers = len({finding.dossier for finding in summary.findings})
        click.echo(f"Phát hiện {len(summary.findings)} sai lệch trong nhật ký của {dossiers} hồ sơ "
                   f"(đã kiểm {summary.dossiers} hồ sơ, {summary.events} sự kiện).")
        raise SystemExit(1)
    click.echo(f"Nhật ký đã được kiểm chứng: {summary.dossiers} hồ sơ, {summary.events} sự kiện, "
               "không có sai lệch.")


@audit_cli.command("heads")
def heads() -> None:
    """Print every dossier's chain head (`CODE HEAD` lines) to keep where the database's
    administrators cannot write; `verify --against` that file later."""
    with _reading():
        for code, head in auditlog.heads():
            click.echo(f"{code} {head}")
