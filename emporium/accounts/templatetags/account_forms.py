"""Render form fields with the storefront's design-system classes."""

from __future__ import annotations

from django import forms, template
from django.utils.safestring import SafeString

register = template.Library()


def _css_class(widget: forms.Widget) -> str:
    if isinstance(widget, forms.CheckboxInput | forms.RadioSelect | forms.CheckboxSelectMultiple):
        return ""  # their label carries the .checkbox class
    if isinstance(widget, forms.Select):
        return "select"
    return "input"


@register.filter
def styled(field: forms.BoundField) -> SafeString:
    """`{{ field|styled }}`: the widget with `.input` or `.select` added to its own classes.

    Django already sets aria-invalid and points aria-describedby at the help text and the
    error list, so a screen reader reads an error with its field.
    """
    widget = field.field.widget
    classes = " ".join(part for part in (widget.attrs.get("class", ""), _css_class(widget)) if part)
    return field.as_widget(attrs={"class": classes} if classes else None)


@register.filter
def is_checkbox(field: forms.BoundField) -> bool:
    return isinstance(field.field.widget, forms.CheckboxInput)


@register.filter
def button_class(tags: list[str] | None) -> str:
    """Map allauth's button tags ("prominent", "outline", "danger", ...) to our button classes."""
    tag_set = set(tags or ())
    if "link" in tag_set:
        return "button button--link"
    if tag_set & {"danger", "delete"}:
        return "button"
    if tag_set & {"outline", "secondary", "cancel"}:
        return "button button--secondary"
    return "button button--primary"
