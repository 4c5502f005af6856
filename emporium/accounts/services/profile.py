from __future__ import annotations

from emporium.accounts.models import User


def update_profile(*, user: User, full_name: str) -> User:
    """Change what the shop calls the customer; the e-mail address changes through allauth,
    which verifies the new one before it replaces the old."""
    user.full_name = full_name.strip()
    user.full_clean(exclude=["password"])
    user.save(update_fields=["full_name"])
    return user
