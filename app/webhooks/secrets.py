"""Webhook secrets at rest: encrypted with the server's key (`HUBQL_SECRET_KEY`), so a dump of
the database does not reveal them; hubql needs them back in plain text to sign deliveries."""

import base64
import hashlib
import secrets

from cryptography.fernet import Fernet, InvalidToken

from app.errors import Invalid
from app.settings import Settings


def _fernet(settings: Settings) -> Fernet:
    if settings.secret_key is None:
        raise Invalid(
            "This server keeps no webhook secrets: set HUBQL_SECRET_KEY (any long random "
            "string) to create webhooks."
        )
    # Any string the operator chose, stretched to the 32 bytes Fernet takes.
    digest = hashlib.sha256(settings.secret_key.get_secret_value().encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def new_secret() -> str:
    """A signing secret for a webhook whose creator gave none."""
    return secrets.token_urlsafe(32)


def seal(settings: Settings, secret: str) -> str:
    return _fernet(settings).encrypt(secret.encode()).decode()


def unseal(settings: Settings, sealed: str) -> str:
    """The secret in plain text; an error when the server's key has changed since it was
    sealed (the webhook's deliveries then fail, saying so, until its secret is set again)."""
    try:
        return _fernet(settings).decrypt(sealed.encode()).decode()
    except InvalidToken as error:
        raise Invalid("The webhook's secret was sealed with another HUBQL_SECRET_KEY.") from error
