"""Outgoing mail through the outbox table.

Services call ``queue_email`` inside their transaction; ``send_pending`` (the scheduler's outbox
job, or ``placement jobs run-due``) delivers after commit. In development the mail stays in the
database and is echoed to the log, so no SMTP server is needed.
"""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

from flask import current_app, render_template
from flask_babel import force_locale
from sqlalchemy import select

from placement.extensions import db
from placement.models import EmailStatus, OutboxEmail, User, utcnow

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5


def queue_email(
    user: User, kind: str, subject: object, template: str, **context: object
) -> OutboxEmail:
    """Render ``emails/<template>.txt`` (and ``.html``) in the user's language and queue it."""
    return queue_email_to(user.email, user.locale, kind, subject, template, user=user, **context)


def queue_email_to(
    address: str,
    locale: str | None,
    kind: str,
    subject: object,
    template: str,
    **context: object,
) -> OutboxEmail:
    """The same for an address with no account yet (an invitation, say)."""
    with force_locale(locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        text = render_template(f"emails/{template}.txt", **context)
        html = render_template(f"emails/{template}.html", **context)
        subject_text = str(subject)
    message = OutboxEmail(
        recipient=address, subject=subject_text, body_text=text, body_html=html, kind=kind
    )
    db.session.add(message)
    return message


def _deliver(message: OutboxEmail) -> None:
    config = current_app.config
    if config["MAIL_BACKEND"] != "smtp":
        log.info("mail to %s: %s", message.recipient, message.subject)
        return
    email = EmailMessage()
    email["From"] = config["MAIL_DEFAULT_SENDER"]
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email.set_content(message.body_text)
    if message.body_html:
        email.add_alternative(message.body_html, subtype="html")
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(email)


def send_pending(limit: int = 100) -> int:
    """Deliver queued mail, committing after each message so a crash never sends one twice
    from the same claim. Returns how many were sent."""
    sent = 0
    pending = db.session.scalars(
        select(OutboxEmail)
        .where(OutboxEmail.status == EmailStatus.PENDING)
        .order_by(OutboxEmail.id)
        .limit(limit)
    ).all()
    for message in pending:
        message.attempts += 1
        try:
            _deliver(message)
        except (OSError, smtplib.SMTPException) as error:
            message.last_error = str(error)[:500]
            if message.attempts >= MAX_ATTEMPTS:
                message.status = EmailStatus.FAILED
        else:
            message.status = EmailStatus.SENT
            message.sent_at = utcnow()
            sent += 1
        db.session.commit()
    return sent
