"""CSV for every analytics report: ``?format=csv`` or ``Accept: text/csv``.

A report's ``rows`` become the lines; a nested value becomes columns named by its path
(``revenue_amount``, ``revenue_currency``, ``retention_0_share``), so money keeps its
currency beside it. Problems are never CSV: the error handler renders them as JSON.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from typing import Any

from rest_framework import serializers
from rest_framework.renderers import BaseRenderer

from emporium.core.api.fields import MoneyField


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, Mapping):
        items: list[tuple[str, Any]] = [(str(key), item) for key, item in value.items()]
    elif isinstance(value, list):
        items = [(str(index), item) for index, item in enumerate(value)]
    else:
        return {prefix: "" if value is None else value}
    flat: dict[str, Any] = {}
    for key, item in items:
        flat.update(flatten(item, f"{prefix}_{key}" if prefix else key))
    return flat


def columns_of(serializer: serializers.Serializer) -> list[str]:
    """The columns a row serializer flattens to, so a report with no rows still has a header."""
    columns: list[str] = []
    for name, field in serializer.fields.items():
        if isinstance(field, MoneyField):
            columns += [f"{name}_amount", f"{name}_currency"]
        elif isinstance(field, serializers.Serializer):
            columns += [f"{name}_{column}" for column in columns_of(field)]
        elif not isinstance(field, serializers.ListSerializer):  # lists vary in length
            columns.append(name)
    return columns


def render_rows(rows: list[Mapping[str, Any]], *, columns: list[str] | None = None) -> str:
    flat_rows = [flatten(row) for row in rows]
    header: dict[str, None] = dict.fromkeys(columns or [])
    for row in flat_rows:
        header.update(dict.fromkeys(row))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(header), restval="", lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(flat_rows)
    return out.getvalue()


class CsvRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        rows = data.get("rows", []) if isinstance(data, Mapping) else []
        view = (renderer_context or {}).get("view")
        row_serializer = getattr(view, "row_serializer", None)
        columns = columns_of(row_serializer()) if row_serializer is not None else None
        return render_rows(rows, columns=columns).encode(self.charset)
