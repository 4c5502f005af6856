"""The test identity provider speaks OpenID Connect correctly: what it signs verifies
against what it publishes, and it refuses what a real provider refuses."""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest

from e2e.oidc.provider import LocalOIDCProvider

REDIRECT_URI = "http://localhost:8000/callback/"


@pytest.fixture
def provider() -> Iterator[LocalOIDCProvider]:
    provider = LocalOIDCProvider().start()
    provider.redirect_uris.add(REDIRECT_URI)
    provider.add_user(email="ann@example.com", password="idp-secret", name="Ann Example")
    yield provider
    provider.stop()


def _authorize(
    provider: LocalOIDCProvider, *, verifier: str, decision: str = "allow"
) -> dict[str, list[str]]:
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    response = httpx.post(
        f"{provider.url}/authorize",
        data={
            "client_id": provider.client_id,
            "redirect_uri": REDIRECT_URI,
            "response_type": "code",
            "scope": "openid email profile",
            "state": "xyz",
            "nonce": "n-0S6",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
            "email": "ann@example.com",
            "password": "idp-secret",
            "decision": decision,
        },
    )
    assert response.status_code == 302
    return parse_qs(urlsplit(response.headers["Location"]).query)


def _token(provider: LocalOIDCProvider, *, code: str, verifier: str) -> httpx.Response:
    return httpx.post(
        f"{provider.url}/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "code_verifier": verifier,
        },
        auth=(provider.client_id, provider.client_secret),
    )


def test_id_token_is_signed_with_the_published_key(provider):
    verifier = secrets.token_urlsafe(32)
    code = _authorize(provider, verifier=verifier)["code"][0]

    tokens = _token(provider, code=code, verifier=verifier).json()
    signing_key = jwt.PyJWKClient(f"{provider.url}/jwks").get_signing_key_from_jwt(tokens["id_token"])
    claims = jwt.decode(
        tokens["id_token"],
        signing_key.key,
        algorithms=["RS256"],
        audience=provider.client_id,
        issuer=provider.url,
    )
    userinfo = httpx.get(
        f"{provider.url}/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )

    assert claims["email"] == "ann@example.com"
    assert claims["nonce"] == "n-0S6"
    assert userinfo.json()["email_verified"] is True


def test_code_works_once_and_only_with_its_pkce_verifier(provider):
    verifier = secrets.token_urlsafe(32)
    code = _authorize(provider, verifier=verifier)["code"][0]

    assert _token(provider, code=code, verifier="not-the-verifier").status_code == 400
    code = _authorize(provider, verifier=verifier)["code"][0]
    assert _token(provider, code=code, verifier=verifier).status_code == 200
    assert _token(provider, code=code, verifier=verifier).status_code == 400


def test_denied_consent_returns_access_denied_with_the_state(provider):
    answer = _authorize(provider, verifier="v", decision="deny")

    assert answer == {
        "error": ["access_denied"],
        "error_description": ["The user denied access."],
        "state": ["xyz"],
    }


def test_unregistered_redirect_uri_is_never_redirected_to(provider):
    response = httpx.get(
        f"{provider.url}/authorize",
        params={
            "client_id": provider.client_id,
            "redirect_uri": "https://evil.example/",
            "response_type": "code",
            "scope": "openid",
        },
    )

    assert response.status_code == 400
