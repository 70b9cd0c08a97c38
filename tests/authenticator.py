"""A software security key for tests: real WebAuthn answers, signed with a real P-256 key, that py_webauthn checks
as it checks a browser's (docs/adr/0007-security-keys.md).

    key = SoftKey()
    answer = key.register(options_json, origin="http://testserver")     # the JSON a browser posts back
    answer = key.sign(options_json, origin="http://testserver")         # likewise, for signing in

`options_json` is what macpu.agencies.security_keys gives the page (or the dict json.loads makes of it).
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
from typing import Any

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url

UP, UV, AT = 0x01, 0x04, 0x40  # authenticator data flags: user present, user verified, attested credential data


def _options(options: str | dict[str, Any]) -> dict[str, Any]:
    return json.loads(options) if isinstance(options, str) else options


class SoftKey:
    def __init__(self) -> None:
        self.private_key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = os.urandom(32)
        self.sign_count = 0

    def _cose_public_key(self) -> bytes:
        numbers = self.private_key.public_key().public_numbers()
        return cbor2.dumps({1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"), -3: numbers.y.to_bytes(32, "big")})

    def _client_data(self, kind: str, challenge: str, origin: str) -> bytes:
        return json.dumps({"type": kind, "challenge": challenge, "origin": origin, "crossOrigin": False}).encode()

    def register(self, options: str | dict[str, Any], origin: str, rp_id: str | None = None) -> str:
        opts = _options(options)
        rp_id = rp_id or opts["rp"]["id"]
        client_data = self._client_data("webauthn.create", opts["challenge"], origin)
        attested = bytes(16) + struct.pack(">H", len(self.credential_id)) + self.credential_id + self._cose_public_key()
        auth_data = (
            hashlib.sha256(rp_id.encode()).digest() + bytes([UP | UV | AT]) + struct.pack(">I", self.sign_count)
        ) + attested
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        return json.dumps(
            {
                "id": bytes_to_base64url(self.credential_id),
                "rawId": bytes_to_base64url(self.credential_id),
                "type": "public-key",
                "response": {
                    "clientDataJSON": bytes_to_base64url(client_data),
                    "attestationObject": bytes_to_base64url(attestation),
                    "transports": ["usb"],
                },
                "clientExtensionResults": {},
            }
        )

    def sign(self, options: str | dict[str, Any], origin: str, rp_id: str | None = None) -> str:
        opts = _options(options)
        allowed = [base64url_to_bytes(c["id"]) for c in opts.get("allowCredentials", [])]
        assert not allowed or self.credential_id in allowed, "this key is not one the server asked for"  # noqa: S101
        self.sign_count += 1
        rp_id = rp_id or opts["rpId"]
        client_data = self._client_data("webauthn.get", opts["challenge"], origin)
        auth_data = hashlib.sha256(rp_id.encode()).digest() + bytes([UP | UV]) + struct.pack(">I", self.sign_count)
        signature = self.private_key.sign(auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256()))
        return json.dumps(
            {
                "id": bytes_to_base64url(self.credential_id),
                "rawId": bytes_to_base64url(self.credential_id),
                "type": "public-key",
                "response": {
                    "clientDataJSON": bytes_to_base64url(client_data),
                    "authenticatorData": bytes_to_base64url(auth_data),
                    "signature": bytes_to_base64url(signature),
                    "userHandle": None,
                },
                "clientExtensionResults": {},
            }
        )
