"""Staff in tests: most staff tests are about roles, not about the second factor, which the
accounts tests cover; `pytest.mark.usefixtures("staff_without_two_factors")` turns it off."""

from __future__ import annotations

import pytest


@pytest.fixture
def staff_without_two_factors(settings) -> None:
    settings.STAFF_MFA_REQUIRED = False
