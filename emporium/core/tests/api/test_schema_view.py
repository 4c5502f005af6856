"""/api/schema/ is generated once per process and written out once per format, and again when a
setting changes."""

import json

from django.test import Client
from drf_spectacular.renderers import OpenApiJsonRenderer, OpenApiYamlRenderer

SCHEMA = "/api/schema/"


def _served(client: Client) -> dict:
    response = client.get(SCHEMA, {"format": "json"})
    assert response.status_code == 200
    return response.data  # type: ignore[attr-defined]


def test_the_schema_is_made_once_and_served_to_everyone():
    first = _served(Client())

    assert _served(Client()) is first  # the same object: not generated again
    assert first["paths"]  # and a whole schema


def test_a_changed_setting_makes_it_again(settings):
    """A setting may change what the schema says (tests change settings): it is made again."""
    before = _served(Client())

    settings.RETURNS_DAYS = 14  # any setting
    after = _served(Client())

    assert after is not before
    assert after == before  # this one says nothing in the schema


def test_each_format_is_written_out_once(monkeypatch):
    """Writing the schema out (YAML especially) cost more than making it once did."""
    yaml_first = Client().get(SCHEMA).content
    json_first = Client().get(SCHEMA, {"format": "json"}).content

    def render_again(*args, **kwargs):
        raise AssertionError("rendered again")

    monkeypatch.setattr(OpenApiYamlRenderer, "render", render_again)
    monkeypatch.setattr(OpenApiJsonRenderer, "render", render_again)

    assert Client().get(SCHEMA).content == yaml_first
    assert Client().get(SCHEMA, {"format": "json"}).content == json_first
    assert yaml_first.startswith(b"openapi: ")
    assert json.loads(json_first)["openapi"] == yaml_first[9:14].decode()


def test_what_the_client_asks_for_is_kept_apart():
    """The media type's parameters (JSON's indent) and the language are part of what is kept."""
    indented = Client().get(SCHEMA, HTTP_ACCEPT="application/vnd.oai.openapi+json; indent=2").content
    compact = Client().get(SCHEMA, HTTP_ACCEPT="application/vnd.oai.openapi+json").content

    assert indented != compact
    assert json.loads(indented) == json.loads(compact)
    assert Client().get(SCHEMA, HTTP_ACCEPT="application/vnd.oai.openapi+json; indent=2").content == indented


def test_a_changed_setting_writes_it_out_again(settings, monkeypatch):
    before = Client().get(SCHEMA).content
    written = []
    render = OpenApiYamlRenderer.render

    def counted(*args, **kwargs):
        written.append(1)
        return render(*args, **kwargs)

    monkeypatch.setattr(OpenApiYamlRenderer, "render", counted)
    Client().get(SCHEMA)
    settings.RETURNS_DAYS = 14  # any setting

    assert Client().get(SCHEMA).content == before
    assert written == [1]  # not on the request before the change, once after it
