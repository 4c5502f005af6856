import factory
from factory.django import DjangoModelFactory

from emporium.accounts.models import User


class UserFactory(DjangoModelFactory[User]):
    class Meta:
        model = User
        django_get_or_create = ("email",)

    email = factory.Sequence(lambda n: f"customer{n}@example.com")
    full_name = factory.Faker("name", locale="en_GB")
    password = factory.django.Password("correct-horse-battery")


class StaffUserFactory(UserFactory):
    email = factory.Sequence(lambda n: f"staff{n}@emporium.example")
    is_staff = True
