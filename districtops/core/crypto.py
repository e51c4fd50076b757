"""国密 primitives: SM3 digests (hashlib, from OpenSSL) and SM4 encryption (cryptography).

SM3 is used where the Python build offers it, else SHA-256; ``HASH_ALGORITHM`` says
which, and the audit trail records it on every row.
"""

import base64
import hashlib
import hmac
import os

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.conf import settings

try:
    hashlib.new("sm3", b"")
    HASH_ALGORITHM = "sm3"
except ValueError:  # pragma: no cover - depends on the OpenSSL build
    HASH_ALGORITHM = "sha256"


def digest(data: bytes) -> str:
    return hashlib.new(HASH_ALGORITHM, data).hexdigest()


def keyed_digest(key: bytes, data: bytes) -> str:
    return hmac.new(key, data, digestmod=HASH_ALGORITHM).hexdigest()


def derived_key(purpose: str, length: int = 32) -> bytes:
    """A key for one purpose, derived from SECRET_KEY (or DISTRICTOPS_<PURPOSE>_KEY when set)."""
    explicit = os.environ.get(f"DISTRICTOPS_{purpose.upper()}_KEY")
    material = (explicit or settings.SECRET_KEY).encode()
    return hashlib.new(HASH_ALGORITHM, b"districtops:" + purpose.encode() + b":" + material).digest()[:length]


def sm4_encrypt(plaintext: str, purpose: str = "field") -> str:
    key = derived_key(purpose, 16)
    nonce = os.urandom(16)
    enc = Cipher(algorithms.SM4(key), modes.CTR(nonce)).encryptor()
    token = enc.update(plaintext.encode()) + enc.finalize()
    mac = hmac.new(key, nonce + token, hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(nonce + token + mac).decode()


def sm4_decrypt(ciphertext: str, purpose: str = "field") -> str:
    key = derived_key(purpose, 16)
    raw = base64.urlsafe_b64decode(ciphertext.encode())
    nonce, token, mac = raw[:16], raw[16:-16], raw[-16:]
    if not hmac.compare_digest(mac, hmac.new(key, nonce + token, hashlib.sha256).digest()[:16]):
        raise ValueError("ciphertext was altered")
    dec = Cipher(algorithms.SM4(key), modes.CTR(nonce)).decryptor()
    return (dec.update(token) + dec.finalize()).decode()
