from django import forms

from .models import User
from .timezones import timezone_choices, timezone_names


class TimeZoneField(forms.ChoiceField):
    """A grouped picker of current zones; it still accepts every name it always did (old aliases too)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("choices", timezone_choices)
        kwargs.setdefault("help_text", "Daily prompts arrive at your own local time.")
        super().__init__(**kwargs)
        # static/js/app.js preselects the browser's zone when the form is fresh.
        self.widget.attrs["data-browser-timezone"] = "true"

    def valid_value(self, value) -> bool:
        return value in timezone_names()


class SignupProfileForm(forms.Form):
    """Extra fields on allauth's sign-up form; allauth calls ``signup`` after creating the user."""

    display_name = forms.CharField(max_length=60, help_text="The name your partner will see. A first name is plenty.")
    time_zone = TimeZoneField(initial="UTC")

    field_order = ["display_name", "email", "password1", "password2", "time_zone"]

    def signup(self, request, user: User) -> None:
        user.display_name = self.cleaned_data["display_name"].strip()
        user.time_zone = self.cleaned_data["time_zone"]
        user.save(update_fields=["display_name", "time_zone"])


class ProfileForm(forms.ModelForm):
    time_zone = TimeZoneField()

    class Meta:
        model = User
        fields = ["display_name", "time_zone", "prompts_paused"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Someone who saved an old alias ("Asia/Calcutta") still sees it selected.
        self.fields["time_zone"].choices = timezone_choices(current=self.instance.time_zone)


class ScaleWidget(forms.RadioSelect):
    """0–10 as a row of choices: quicker than a slider and readable by screen readers."""

    template_name = "widgets/scale.html"


def rating_field(label: str, help_text: str = "") -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        help_text=help_text,
        choices=[(i, str(i)) for i in range(11)],
        coerce=int,
        widget=ScaleWidget,
    )
