"""allauth's forms with our wording (settings.ACCOUNT_FORMS); their behaviour stays allauth's.

Kept apart from accounts/forms.py: allauth's forms module imports our SignupProfileForm from there
while it loads, so that module must not import allauth's forms in turn.
"""

from allauth.account import forms as allauth_forms
from django import forms


def relabel(form: forms.Form, labels: dict[str, str]) -> None:
    """Our sentence-case labels on allauth's fields, without the placeholders that repeat them."""
    for name, label in labels.items():
        if field := form.fields.get(name):
            field.label = label
            field.widget.attrs.pop("placeholder", None)


class LoginForm(allauth_forms.LoginForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        relabel(self, {"login": "Email", "password": "Password", "remember": "Keep me signed in on this device"})
        if remember := self.fields.get("remember"):
            remember.help_text = "Only on a device nobody else uses."


class SignupForm(allauth_forms.SignupForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        relabel(self, {"email": "Email", "password1": "Password", "password2": "Password (again)"})


class ResetPasswordForm(allauth_forms.ResetPasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        relabel(self, {"email": "Email"})


class ResetPasswordKeyForm(allauth_forms.ResetPasswordKeyForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        relabel(self, {"password1": "New password", "password2": "New password (again)"})


class ChangePasswordForm(allauth_forms.ChangePasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        relabel(
            self,
            {"oldpassword": "Current password", "password1": "New password", "password2": "New password (again)"},
        )


class AddEmailForm(allauth_forms.AddEmailForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        relabel(self, {"email": "New email address"})


class ReauthenticateForm(allauth_forms.ReauthenticateForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        relabel(self, {"password": "Password"})
