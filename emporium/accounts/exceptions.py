"""What can go wrong in accounts, each with the status and code the API answers with."""

from __future__ import annotations

from typing import ClassVar

from emporium.core.exceptions import DomainError


class InvalidCredentials(DomainError):
    # One message for an unknown e-mail and a wrong password: the answer must not tell
    # anybody which addresses have an account here.
    status: ClassVar[int] = 401
    code: ClassVar[str] = "invalid_credentials"
    default_message: ClassVar[str] = "The e-mail address and/or password you specified are not correct."


class TooManyLoginAttempts(DomainError):
    status: ClassVar[int] = 429
    code: ClassVar[str] = "too_many_login_attempts"
    default_message: ClassVar[str] = (
        "Too many failed login attempts. Try again in 15 minutes, or reset your password."
    )


class EmailNotVerified(DomainError):
    status: ClassVar[int] = 403
    code: ClassVar[str] = "email_not_verified"
    default_message: ClassVar[str] = (
        "Verify your e-mail address first: follow the link in the e-mail we sent when you signed up."
    )


class SecondFactorRequired(DomainError):
    status: ClassVar[int] = 401
    code: ClassVar[str] = "second_factor_required"
    default_message: ClassVar[str] = (
        "This account uses two-factor authentication: send the code from the app as `code`."
    )


class InvalidSecondFactor(DomainError):
    status: ClassVar[int] = 401
    code: ClassVar[str] = "invalid_second_factor"
    default_message: ClassVar[str] = "The two-factor code is not correct."


class InvalidRefreshToken(DomainError):
    status: ClassVar[int] = 401
    code: ClassVar[str] = "invalid_refresh_token"
    default_message: ClassVar[str] = "The refresh token is invalid, expired or revoked."


class StaffSecondFactorMissing(DomainError):
    status: ClassVar[int] = 403
    code: ClassVar[str] = "staff_second_factor_missing"
    default_message: ClassVar[str] = (
        "Staff accounts need two-factor authentication: set up an authenticator app in your account first."
    )


class TooManySignups(DomainError):
    status: ClassVar[int] = 429
    code: ClassVar[str] = "too_many_signups"
    default_message: ClassVar[str] = "Too many sign-ups from your address. Try again later."


class InvalidVerificationKey(DomainError):
    status: ClassVar[int] = 400
    code: ClassVar[str] = "invalid_verification_key"
    default_message: ClassVar[str] = "This verification link is unknown, used or expired."
