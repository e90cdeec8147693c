from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone

from accounts.timezones import validate_timezone


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, email: str):
        return self.get(email__iexact=email)


def short_name(display_name: str, email: str) -> str:
    """What the product calls a person: their chosen name, else the part of their address before the @."""
    return display_name or email.split("@")[0]


class User(AbstractBaseUser, PermissionsMixin):
    """A person. The email address is the login; there is no username."""

    email = models.EmailField("email address", max_length=254, unique=True)
    display_name = models.CharField(
        max_length=60, help_text="How your partner (and a therapist you invite) will see you."
    )
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    is_staff = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)
    prompts_paused = models.BooleanField(
        "pause all prompts", default=False, help_text="No reminders by email or in the app until you turn this off."
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["display_name"]

    def save(self, *args, **kwargs):
        # Stored lower-case (as allauth stores addresses) so uniqueness is case-insensitive.
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)

    def __str__(self) -> str:
        return self.display_name or self.email

    def get_short_name(self) -> str:
        return short_name(self.display_name, self.email)

    def get_full_name(self) -> str:
        return self.display_name
