from __future__ import annotations

from typing import ClassVar

from emporium.core.exceptions import DomainError


class NothingToTrainOn(DomainError):
    """No purchases in the training window: the active model is kept as it is."""

    status: ClassVar[int] = 409
    code: ClassVar[str] = "nothing_to_train_on"
    default_message: ClassVar[str] = "There are no purchases to train recommendations on."


class UnknownWidget(DomainError):
    status: ClassVar[int] = 400
    code: ClassVar[str] = "unknown_widget"
    default_message: ClassVar[str] = "No such recommendation widget."
