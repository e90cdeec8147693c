"""factory_boy factories shared by every test module.

The standard cast (see ``tests/conftest.py``) is built from these. Every user a
factory makes can log in with ``DEFAULT_PASSWORD``; pass ``verified=True`` to
also give them a verified, primary allauth ``EmailAddress`` (without one,
mandatory email verification keeps them out).

    UserFactory()                                  # unverified, password DEFAULT_PASSWORD
    UserFactory(verified=True, time_zone="Asia/Tokyo")
    UserFactory(password="something-else-entirely")
"""

import factory
from allauth.account.models import EmailAddress
from factory.django import DjangoModelFactory, Password

from accounts.models import User

DEFAULT_PASSWORD = "correct-horse-battery"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    class Params:
        # A verified, primary EmailAddress row: what allauth needs to let the user in.
        verified = factory.Trait(
            email_address=factory.RelatedFactory("tests.factories.EmailAddressFactory", factory_related_name="user")
        )

    email = factory.Sequence(lambda n: f"person{n}@example.test")
    display_name = factory.Sequence(lambda n: f"Person {n}")
    time_zone = "Europe/Berlin"
    password = Password(DEFAULT_PASSWORD)
    is_active = True


class EmailAddressFactory(DjangoModelFactory):
    """allauth's record of an address; verified and primary unless told otherwise."""

    class Meta:
        model = EmailAddress

    user = factory.SubFactory(UserFactory)
    email = factory.SelfAttribute("user.email")
    verified = True
    primary = True
