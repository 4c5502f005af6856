"""Form widgets rendered by Jinja2: the same markup as Django's templates, several times faster.

Every ``{{ field }}`` renders its widget through a template (``select.html`` includes
``attrs.html`` and an ``option.html`` per choice); with Django's engine the filter form of a
listing cost about as much as its 24 product cards did (docs/decisions/0017). Django ships
each of its widget and form templates in Jinja2 too (``django/forms/jinja2``). The admin's
own widgets (``admin/widgets/...``) exist only as Django templates, so a template Jinja2 does
not have is rendered by Django's engine, as before.
"""

from __future__ import annotations

from typing import Any

from django.forms.renderers import BaseRenderer, DjangoTemplates, Jinja2
from django.template import TemplateDoesNotExist
from django.utils.functional import cached_property


class JinjaFirstFormRenderer(BaseRenderer):
    @cached_property
    def _jinja2(self) -> Jinja2:
        return Jinja2()

    @cached_property
    def _django(self) -> DjangoTemplates:
        return DjangoTemplates()

    def get_template(self, template_name: str) -> Any:
        try:
            return self._jinja2.get_template(template_name)
        except TemplateDoesNotExist:
            return self._django.get_template(template_name)
