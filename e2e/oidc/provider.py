"""A small but real OpenID Connect provider, run inside the test process on 127.0.0.1.

The browser tests sign in through it exactly as through Google or a company's identity
server: discovery document, an authorisation page where the person logs in and allows or
denies access, a token endpoint that checks the client secret, the one-time code, the
redirect URI and PKCE, ID tokens signed with RS256 under a key published as a JWKS, and a
userinfo endpoint. Nothing of allauth is mocked, and nothing leaves the machine.

Built on the standard library's HTTP server and PyJWT (already installed with simplejwt),
so it needs no web framework of its own.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from emporium.core.tests.serving import start_serving, stop_serving

CODE_LIFETIME = 60
TOKEN_LIFETIME = 300


@dataclass
class IdentityUser:
    email: str
    password: str
    name: str
    email_verified: bool = True
    sub: str = field(default_factory=lambda: secrets.token_hex(8))

    def claims(self) -> dict[str, Any]:
        return {
            "sub": self.sub,
            "email": self.email,
            "email_verified": self.email_verified,
            "name": self.name,
        }


@dataclass(frozen=True)
class _Grant:
    user: IdentityUser
    client_id: str
    redirect_uri: str
    nonce: str | None
    code_challenge: str | None
    expires_at: float


class LocalOIDCProvider:
    """Start with :meth:`start`, register users with :meth:`add_user` and the client's
    redirect URIs in :attr:`redirect_uris`, then point allauth at :attr:`url`."""

    def __init__(self, *, name: str = "Test Identity", client_id: str = "emporium-test") -> None:
        self.name = name
        self.client_id = client_id
        self.client_secret = secrets.token_urlsafe(24)
        self.redirect_uris: set[str] = set()
        self.users: dict[str, IdentityUser] = {}
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self._kid = secrets.token_hex(4)
        self._codes: dict[str, _Grant] = {}
        self._access_tokens: dict[str, IdentityUser] = {}
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread: threading.Thread | None = None

    def start(self) -> LocalOIDCProvider:
        self._thread = start_serving(self._server, name="oidc-provider")
        return self

    def stop(self) -> None:
        stop_serving(self._server, self._thread)

    def add_user(self, *, email: str, password: str, name: str, email_verified: bool = True) -> IdentityUser:
        user = IdentityUser(email=email, password=password, name=name, email_verified=email_verified)
        self.users[email.lower()] = user
        return user

    def reset(self) -> None:
        with self._lock:
            self.users.clear()
            self.redirect_uris.clear()
            self._codes.clear()
            self._access_tokens.clear()

    # --- protocol ---------------------------------------------------------------------------

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.url,
            "authorization_endpoint": f"{self.url}/authorize",
            "token_endpoint": f"{self.url}/token",
            "userinfo_endpoint": f"{self.url}/userinfo",
            "jwks_uri": f"{self.url}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "email", "profile"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
            "claims_supported": ["sub", "email", "email_verified", "name"],
        }

    def jwks(self) -> dict[str, Any]:
        jwk = json.loads(RSAAlgorithm.to_jwk(self._key.public_key()))
        return {"keys": [{**jwk, "kid": self._kid, "use": "sig", "alg": "RS256"}]}

    def issue_code(self, *, user: IdentityUser, params: dict[str, str]) -> str:
        code = secrets.token_urlsafe(24)
        with self._lock:
            self._codes[code] = _Grant(
                user=user,
                client_id=params["client_id"],
                redirect_uri=params["redirect_uri"],
                nonce=params.get("nonce") or None,
                code_challenge=params.get("code_challenge") or None,
                expires_at=time.time() + CODE_LIFETIME,
            )
        return code

    def exchange_code(self, *, form: dict[str, str], authorization: str | None) -> tuple[int, dict[str, Any]]:
        client_id, client_secret = self._client_credentials(form=form, authorization=authorization)
        if client_id != self.client_id or not secrets.compare_digest(client_secret, self.client_secret):
            return HTTPStatus.UNAUTHORIZED, {"error": "invalid_client"}
        if form.get("grant_type") != "authorization_code":
            return HTTPStatus.BAD_REQUEST, {"error": "unsupported_grant_type"}
        with self._lock:
            grant = self._codes.pop(form.get("code", ""), None)  # a code works once
        if (
            grant is None
            or grant.expires_at < time.time()
            or grant.client_id != client_id
            or grant.redirect_uri != form.get("redirect_uri")
        ):
            return HTTPStatus.BAD_REQUEST, {"error": "invalid_grant"}
        if grant.code_challenge is not None:
            verifier = form.get("code_verifier", "")
            challenge = (
                base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
            )
            if not secrets.compare_digest(challenge, grant.code_challenge):
                return HTTPStatus.BAD_REQUEST, {
                    "error": "invalid_grant",
                    "error_description": "PKCE check failed",
                }
        access_token = secrets.token_urlsafe(24)
        with self._lock:
            self._access_tokens[access_token] = grant.user
        return HTTPStatus.OK, {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": TOKEN_LIFETIME,
            "scope": "openid email profile",
            "id_token": self._id_token(grant),
        }

    def userinfo(self, *, authorization: str | None) -> tuple[int, dict[str, Any]]:
        scheme, _, token = (authorization or "").partition(" ")
        user = self._access_tokens.get(token) if scheme.lower() == "bearer" else None
        if user is None:
            return HTTPStatus.UNAUTHORIZED, {"error": "invalid_token"}
        return HTTPStatus.OK, user.claims()

    def _id_token(self, grant: _Grant) -> str:
        now = int(time.time())
        claims = {
            **grant.user.claims(),
            "iss": self.url,
            "aud": grant.client_id,
            "iat": now,
            "auth_time": now,
            "exp": now + TOKEN_LIFETIME,
        }
        if grant.nonce:
            claims["nonce"] = grant.nonce
        return jwt.encode(claims, self._key, algorithm="RS256", headers={"kid": self._kid})

    def _client_credentials(self, *, form: dict[str, str], authorization: str | None) -> tuple[str, str]:
        scheme, _, encoded = (authorization or "").partition(" ")
        if scheme.lower() == "basic":
            client_id, _, client_secret = base64.b64decode(encoded).decode().partition(":")
            return client_id, client_secret
        return form.get("client_id", ""), form.get("client_secret", "")

    def _authorize_error(self, params: dict[str, str]) -> str | None:
        if params.get("client_id") != self.client_id:
            return "Unknown client."
        if params.get("redirect_uri") not in self.redirect_uris:
            return "The redirect URI is not registered for this client."
        if params.get("response_type") != "code" or "openid" not in params.get("scope", "").split():
            return "Only the authorization code flow with the openid scope is supported."
        return None

    def _consent_page(self, params: dict[str, str], *, error: str = "") -> str:
        hidden = "".join(
            f'<input type="hidden" name="{html.escape(name)}" value="{html.escape(value)}">'
            for name, value in params.items()
            if name not in {"email", "password", "decision"}
        )
        alert = f'<p role="alert">{html.escape(error)}</p>' if error else ""
        return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in to {html.escape(self.name)}</title></head>
<body><main>
<h1>Sign in to {html.escape(self.name)}</h1>
<p>Emporium would like your name and e-mail address.</p>
{alert}
<form method="post" action="/authorize">
{hidden}
<p><label for="email">E-mail</label> <input id="email" name="email" type="email" autocomplete="username"></p>
<p><label for="password">Password</label> <input id="password" name="password" type="password"></p>
<p><button type="submit" name="decision" value="allow">Allow</button>
<button type="submit" name="decision" value="deny">Deny</button></p>
</form>
</main></body></html>"""

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                url = urlsplit(self.path)
                params = {name: values[0] for name, values in parse_qs(url.query).items()}
                if url.path == "/.well-known/openid-configuration":
                    self._json(HTTPStatus.OK, provider.discovery())
                elif url.path == "/jwks":
                    self._json(HTTPStatus.OK, provider.jwks())
                elif url.path == "/userinfo":
                    self._json(*provider.userinfo(authorization=self.headers.get("Authorization")))
                elif url.path == "/authorize":
                    if error := provider._authorize_error(params):
                        self._html(
                            HTTPStatus.BAD_REQUEST,
                            f"<!doctype html><title>Error</title><p>{html.escape(error)}</p>",
                        )
                    else:
                        self._html(HTTPStatus.OK, provider._consent_page(params))
                else:
                    self._json(HTTPStatus.NOT_FOUND, {"error": "not_found"})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = {
                    name: values[0] for name, values in parse_qs(self.rfile.read(length).decode()).items()
                }
                path = urlsplit(self.path).path
                if path == "/token":
                    self._json(
                        *provider.exchange_code(form=form, authorization=self.headers.get("Authorization"))
                    )
                elif path == "/authorize":
                    self._decide(form)
                else:
                    self._json(HTTPStatus.NOT_FOUND, {"error": "not_found"})

            def _decide(self, form: dict[str, str]) -> None:
                if error := provider._authorize_error(form):
                    self._html(
                        HTTPStatus.BAD_REQUEST,
                        f"<!doctype html><title>Error</title><p>{html.escape(error)}</p>",
                    )
                    return
                answer: dict[str, str] = {}
                if form.get("decision") != "allow":
                    answer = {"error": "access_denied", "error_description": "The user denied access."}
                else:
                    user = provider.users.get(form.get("email", "").lower())
                    if user is None or not secrets.compare_digest(user.password, form.get("password", "")):
                        self._html(
                            HTTPStatus.UNAUTHORIZED,
                            provider._consent_page(form, error="Wrong e-mail address or password."),
                        )
                        return
                    answer = {"code": provider.issue_code(user=user, params=form)}
                if form.get("state"):
                    answer["state"] = form["state"]
                self.send_response(HTTPStatus.FOUND)
                self.send_header("Location", f"{form['redirect_uri']}?{urlencode(answer)}")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def _json(self, status: int, body: dict[str, Any]) -> None:
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Cache-Control", "no-store")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def _html(self, status: int, body: str) -> None:
                payload = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        return Handler
