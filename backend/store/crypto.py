"""Tokens at rest: Fernet (AES-128-CBC and HMAC-SHA256) with rotating keys.

`TOKEN_ENCRYPTION_KEYS` is a comma-separated list of Fernet keys. The first encrypts; every key
decrypts, so rotating is: put a new key first, keep the old ones, run
`python -m backend rotate-keys` (which re-encrypts every stored token with the first key), then
drop the old keys.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

__all__ = ["InvalidToken", "TokenCipher", "development_key", "new_key"]


def new_key() -> str:
    return Fernet.generate_key().decode()


def development_key(api_secret: str) -> str:
    """A key derived from the app's secret, for development without TOKEN_ENCRYPTION_KEYS.

    Production refuses to start without real keys (settings.py); this keeps development's tokens
    encrypted too, so no code path ever writes one in plain text.
    """
    derived = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=b"cancel-button token encryption",
        info=b"development",
    ).derive(api_secret.encode())
    return base64.urlsafe_b64encode(derived).decode()


class TokenCipher:
    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise ValueError("at least one key is needed")
        self._fernet = MultiFernet([Fernet(key.encode()) for key in keys])

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, ciphertext: str) -> str:
        """Raises `InvalidToken` when no key opens it (a key was dropped too early)."""
        return self._fernet.decrypt(ciphertext.encode()).decode()

    def rotate(self, ciphertext: str) -> str:
        """The same plaintext, encrypted with the first key."""
        return self._fernet.rotate(ciphertext.encode()).decode()
