"""/api/schema/ is generated once per process, and again when a setting changes."""

from django.test import Client

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
