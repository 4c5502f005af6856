"""Form widgets through Jinja2, the admin's own widgets through Django templates."""

from django import forms
from django.template.backends.django import Template as DjangoTemplate
from django.template.backends.jinja2 import Template as JinjaTemplate

from emporium.core.form_renderer import JinjaFirstFormRenderer


def test_django_widgets_come_from_jinja2_and_the_admins_own_from_django_templates():
    renderer = JinjaFirstFormRenderer()

    assert isinstance(renderer.get_template("django/forms/widgets/select.html"), JinjaTemplate)
    assert isinstance(renderer.get_template("admin/widgets/related_widget_wrapper.html"), DjangoTemplate)


class _Choice(forms.Form):
    sort = forms.ChoiceField(choices=[("name", 'Name "A" to Z'), ("price", "Price <low>")])
    note = forms.CharField(required=False)


def test_a_form_renders_the_same_markup_escaped_through_jinja2():
    form = _Choice(
        data={"sort": "price", "note": '"><script>alert(1)</script>'}, renderer=JinjaFirstFormRenderer()
    )

    html = str(form["sort"]) + str(form["note"])

    assert '<select name="sort" id="id_sort">' in html
    assert '<option value="price" selected>Price &lt;low&gt;</option>' in html
    assert "Name &#34;A&#34; to Z" in html
    assert "<script>" not in html
    assert 'value="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in html
