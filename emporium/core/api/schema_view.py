"""``/api/schema/``: drf-spectacular's view, with the schema made once per process
(``OncePerProcessSchemaGenerator``) and written out once per format."""

from __future__ import annotations

from typing import Any

from django.core.signals import setting_changed
from django.dispatch import receiver
from drf_spectacular.renderers import (
    OpenApiJsonRenderer,
    OpenApiJsonRenderer2,
    OpenApiYamlRenderer,
    OpenApiYamlRenderer2,
)
from drf_spectacular.views import SpectacularAPIView

from emporium.core.api.schema import OncePerProcessSchemaGenerator

# What each made schema rendered to, by (schema, renderer, media type with its parameters).
_rendered: dict[tuple[int, type, str | None], bytes] = {}


class _RenderedOnce:
    """A schema renderer that renders a made schema once per format: writing the 900 KB out
    (YAML 0.25 s, JSON 0.05 s) cost more than reading the cached schema. Keyed by the schema's
    identity, which is safe while ``_made`` holds it (both are emptied together); anything
    else (an error's problem body) renders as usual."""

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        render = super().render  # type: ignore[misc]
        if not any(data is schema for schema in OncePerProcessSchemaGenerator._made.values()):
            return render(data, accepted_media_type, renderer_context)
        key = (id(data), type(self), accepted_media_type)
        if (content := _rendered.get(key)) is None:
            content = _rendered[key] = render(data, accepted_media_type, renderer_context)
        return content


class _YamlRenderedOnce(_RenderedOnce, OpenApiYamlRenderer):
    pass


class _YamlRenderedOnce2(_RenderedOnce, OpenApiYamlRenderer2):
    pass


class _JsonRenderedOnce(_RenderedOnce, OpenApiJsonRenderer):
    pass


class _JsonRenderedOnce2(_RenderedOnce, OpenApiJsonRenderer2):
    pass


class SchemaView(SpectacularAPIView):
    """The same formats and content negotiation as drf-spectacular's view."""

    generator_class = OncePerProcessSchemaGenerator
    renderer_classes = [_YamlRenderedOnce, _YamlRenderedOnce2, _JsonRenderedOnce, _JsonRenderedOnce2]


@receiver(setting_changed)
def _forget_rendered_schemas(**kwargs: Any) -> None:
    _rendered.clear()  # with the schemas themselves (schema.py), so no id outlives its schema
