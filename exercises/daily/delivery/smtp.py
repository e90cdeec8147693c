"""SMTP: sending one message over an open session, and what a failure means.

``classify`` sorts an exception into ``PERMANENT`` (never retry this
message), ``TEMPORARY`` (retry it later) or ``CONNECTION`` (the session is
gone: retry the rest of the batch); ``describe`` turns it into the text kept
in ``Delivery.last_error``. ``_sender`` and ``smtp_send`` put our already
written bytes straight into Django's open SMTP session, skipping the
re-parsing that cost more than everything else. No database access here:
the send step decides what the classification does to the rows.
"""

from __future__ import annotations

import smtplib
import socket
from collections.abc import Callable
from email.utils import parseaddr

from django.core.mail.backends.smtp import EmailBackend as SMTPBackend

from exercises.models import Delivery

from ..mime import PromptEmail, is_bare_address

ERROR_LIMIT = Delivery._meta.get_field("last_error").max_length

# What a failure means for the message in hand and for the rest of the batch.
PERMANENT, TEMPORARY, CONNECTION = "permanent", "temporary", "connection"


def classify(exc: BaseException) -> str:
    """permanent: never retry this message; temporary: retry it later; connection: the session is gone."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        return TEMPORARY if codes and all(400 <= code < 500 for code in codes) else PERMANENT
    if isinstance(exc, smtplib.SMTPServerDisconnected | smtplib.SMTPConnectError | smtplib.SMTPHeloError):
        return CONNECTION
    if isinstance(exc, smtplib.SMTPResponseException):
        if exc.smtp_code == 421:  # the server is closing the session
            return CONNECTION
        if 400 <= exc.smtp_code < 500:
            return TEMPORARY
        if 500 <= exc.smtp_code < 600:
            return PERMANENT
        return CONNECTION
    if isinstance(exc, OSError | smtplib.SMTPException | socket.timeout):
        return CONNECTION
    if isinstance(exc, ValueError | UnicodeError):  # an address Django refuses to put on the wire
        return PERMANENT
    return CONNECTION


def describe(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        text = "; ".join(
            f"{code} {msg.decode(errors='replace') if isinstance(msg, bytes) else msg}"
            for code, msg in exc.recipients.values()
        )
    elif isinstance(exc, smtplib.SMTPResponseException):
        error = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        text = f"{exc.smtp_code} {error}"
    else:
        text = f"{type(exc).__name__}: {exc}"
    return text[:ERROR_LIMIT]


def _sender(backend) -> Callable[[PromptEmail], None]:
    """How to send one message through the open ``backend``.

    For Django's SMTP backend the message goes straight into its open session
    (``sendmail`` with the bytes ``PromptEmail`` wrote): the backend's own
    ``send_messages`` re-parses both addresses of every message with the
    strict RFC 5322 parser, which cost as much as everything else here. Other
    backends (tests' locmem, development's files) get ``send_messages``.
    """
    if isinstance(backend, SMTPBackend) and backend.connection is not None:
        session, senders = backend.connection, {}

        def send(message: PromptEmail) -> None:
            if message.from_email not in senders:
                senders[message.from_email] = parseaddr(message.from_email)[1]
            smtp_send(session, senders[message.from_email], message.recipients(), bytes(message.message()))

        return send
    return lambda message: backend.send_messages([message])


def smtp_send(session: smtplib.SMTP, sender: str, recipients: list[str], data: bytes) -> None:
    """``smtplib.SMTP.sendmail`` for bare addresses, with the same replies, errors and resets.

    smtplib runs every envelope address through ``email.utils.parseaddr`` (a
    tenth of a worker's CPU per message); ours are bare ``local@domain``
    already (``mime.address_value`` made sure), so they go on the wire as they
    are. Anything else takes smtplib's own path.
    """
    if not all(is_bare_address(address) for address in [sender, *recipients]):
        session.sendmail(sender, recipients, data)
        return
    session.ehlo_or_helo_if_needed()
    size = f" SIZE={len(data)}" if session.does_esmtp and session.has_extn("size") else ""
    code, reply = session.docmd("mail", f"FROM:<{sender}>{size}")
    if code != 250:
        _abandon(session, code)
        raise smtplib.SMTPSenderRefused(code, reply, sender)
    refused = {}
    for address in recipients:
        code, reply = session.docmd("rcpt", f"TO:<{address}>")
        if code not in (250, 251):
            refused[address] = (code, reply)
        if code == 421:
            session.close()
            raise smtplib.SMTPRecipientsRefused(refused)
    if len(refused) == len(recipients):
        session._rset()
        raise smtplib.SMTPRecipientsRefused(refused)
    code, reply = session.data(data)
    if code != 250:
        _abandon(session, code)
        raise smtplib.SMTPDataError(code, reply)


def _abandon(session: smtplib.SMTP, code: int) -> None:
    """After a refusal: a 421 means the server is closing the session; otherwise reset it for the next message."""
    if code == 421:
        session.close()
    else:
        session._rset()
