"""Staff edit the curriculum here: modules, exercises and their steps.

Partners' writing (runs, responses, answers and every flow model: statements,
questions, agreements, rituals, appreciations) is deliberately not registered:
staff never see it. Only the content and the record of modules opened early are.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Count
from django.forms.models import BaseInlineFormSet
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import escape, format_html

from exercises import content_versions
from exercises.curriculum.schema import step_choice_problems
from exercises.forms import StepsForm
from exercises.models import Exercise, Module, Step
from exercises.models.choices import AnswerType
from exercises.models.content import STAGE_CHOICES
from trustrepair.staff_admin import DeclaredLookupsOnly

# Slugs are how import_content and load_curriculum recognise a module or exercise:
# renaming one would make the next import create a duplicate, so they are fixed once saved.
SLUG_HELP = "Fixed once saved: imports recognise content by its slug."


# --- Modules ------------------------------------------------------------------------


class ModuleAdminForm(forms.ModelForm):
    stages = forms.MultipleChoiceField(
        choices=STAGE_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="The stages of repair this module covers.",
    )

    class Meta:
        model = Module
        fields = ["title", "slug", "order", "stages", "summary", "unlock_rule", "published"]

    def clean_stages(self) -> list[str]:
        chosen = set(self.cleaned_data["stages"])
        return [key for key, _ in STAGE_CHOICES if key in chosen]  # always in the order of the stages


class ExerciseInline(admin.TabularInline):
    """Quick edits of a module's exercises; a new exercise is written on its own page (it needs an introduction)."""

    model = Exercise
    fields = ["title", "order", "kind", "audience", "status", "required"]
    ordering = ["order", "pk"]
    extra = 0
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


def in_use(function: str, ids) -> set[int]:
    """The content ids couples have used, asked of a database function: row security hides their rows from staff."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT unnest({function}(%s::bigint[]))", [list(ids)])
        return {pk for (pk,) in cursor}


class KeepWhatCouplesUsed:
    """Refuse to delete content couples have begun (its rows would be left pointing at nothing).

    The admin's bulk delete asks the same per object, so it refuses a selection that holds one.
    """

    in_use_function = ""

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.pk in in_use(self.in_use_function, [obj.pk]):
            return False
        return super().has_delete_permission(request, obj)


@admin.register(Module)
class ModuleAdmin(KeepWhatCouplesUsed, DeclaredLookupsOnly, admin.ModelAdmin):
    in_use_function = "tr_modules_in_use"
    form = ModuleAdminForm
    list_display = ["title", "slug", "order", "stage_list", "unlock_rule", "published", "exercise_count"]
    list_filter = ["published", "unlock_rule"]
    search_fields = ["title", "summary"]
    ordering = ["order", "pk"]
    fields = ["title", "slug", "order", "stages", "summary", "unlock_rule", "published"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [ExerciseInline]

    def get_readonly_fields(self, request, obj=None):
        return ["slug"] if obj else []

    def get_prepopulated_fields(self, request, obj=None):
        return {} if obj else self.prepopulated_fields

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is None and "slug" in form.base_fields:
            form.base_fields["slug"].help_text = SLUG_HELP
        return form

    @admin.display(description="Stages")
    def stage_list(self, module: Module) -> str:
        return ", ".join(module.stage_names())

    @admin.display(description="Exercises", ordering="exercise_total")
    def exercise_count(self, module: Module) -> int:
        return module.exercise_total

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(exercise_total=Count("exercises"))


# --- Steps ---------------------------------------------------------------------------


class ChoiceLinesField(forms.CharField):
    """A JSON list of options, edited as one option per line."""

    widget = forms.Textarea(attrs={"rows": 3, "cols": 30})

    def prepare_value(self, value):
        if isinstance(value, list):
            return "\n".join(str(item) for item in value)
        return value

    def to_python(self, value) -> list[str]:
        if isinstance(value, list):
            return value
        text = super().to_python(value) or ""
        return [line.strip() for line in text.splitlines() if line.strip()]


class StepAdminForm(forms.ModelForm):
    choices = ChoiceLinesField(
        required=False,
        help_text="One option per line. Single choice, multiple choice and checklist steps need at least two; "
        "other steps have none.",
    )

    class Meta:
        model = Step
        fields = ["order", "prompt", "help_text", "answer_type", "choices", "required", "ask_guess"]
        widgets = {"prompt": forms.Textarea(attrs={"rows": 3, "cols": 50})}

    def clean(self):
        cleaned = super().clean()
        answer_type = cleaned.get("answer_type")
        if answer_type is None:
            return cleaned
        for message in step_choice_problems(answer_type, cleaned.get("choices") or []):
            self.add_error("choices", message)
        if cleaned.get("ask_guess") and answer_type == AnswerType.INSTRUCTION:
            self.add_error("ask_guess", "An instruction takes no answer, so there is nothing to guess.")
        # Changing the answer type of a step couples answered is safe: the change goes into the draft as
        # a new step row, and the old answers keep their own row, shape and words (content_versions).
        return cleaned


class StepInlineFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        seen: set[int] = set()
        for form in self.forms:
            if not form.has_changed() and not form.instance.pk:
                continue
            if self.can_delete and self._should_delete_form(form):
                continue
            order = form.cleaned_data.get("order")
            if order is None:
                continue
            if order in seen:
                raise forms.ValidationError(
                    f"Two steps have order {order}. Give each step its own number: "
                    "steps are shown in this order and imports match them by it."
                )
            seen.add(order)


class StepInline(admin.StackedInline):
    model = Step
    form = StepAdminForm
    formset = StepInlineFormSet
    fields = [("order", "answer_type", "required", "ask_guess"), "prompt", "help_text", "choices"]
    ordering = ["order", "pk"]
    extra = 0
    verbose_name = "step (draft)"
    verbose_name_plural = "steps (the draft: couples see these once you publish)"

    def get_queryset(self, request):
        return super().get_queryset(request).filter(until__isnull=True)


# --- Exercises -----------------------------------------------------------------------


class ExerciseAdminForm(forms.ModelForm):
    class Meta:
        model = Exercise
        fields = [  # the fieldsets below choose what shows
            "module",
            "title",
            "slug",
            "order",
            "kind",
            "audience",
            "introduction",
            "estimated_minutes",
            "required",
            "status",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # Staff edit the draft's title and introduction (content_versions), not the published ones.
            self.initial.update(content_versions.draft_text(self.instance))


@admin.register(Exercise)
class ExerciseAdmin(KeepWhatCouplesUsed, DeclaredLookupsOnly, admin.ModelAdmin):
    in_use_function = "tr_exercises_in_use"
    form = ExerciseAdminForm
    list_display = [
        "title",
        "module",
        "kind",
        "audience",
        "status",
        "required",
        "estimated_minutes",
        "unpublished_changes",
        "preview_link",
    ]
    list_filter = ["module", "kind", "audience", "status"]
    list_select_related = ["module"]
    search_fields = ["title", "introduction", "steps__prompt"]
    ordering = ["module__order", "order", "pk"]
    prepopulated_fields = {"slug": ["title"]}
    fieldsets = [
        (None, {"fields": ["module", "title", "slug", "order", ("kind", "audience")]}),
        (
            "What partners see",
            {"fields": ["introduction", ("estimated_minutes", "required"), "status"]},
        ),
        ("Record", {"fields": ["version", "updated_at", "preview_link"]}),
    ]
    readonly_fields = ["version", "updated_at", "preview_link"]
    inlines = [StepInline]
    actions = ["publish", "unpublish", "discard_draft"]

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "slug"] if obj else self.readonly_fields

    def get_prepopulated_fields(self, request, obj=None):
        return {} if obj else self.prepopulated_fields

    def get_queryset(self, request):
        return content_versions.with_draft_flag(super().get_queryset(request))

    @admin.display(description="Unpublished changes", boolean=True, ordering="has_draft")
    def unpublished_changes(self, exercise: Exercise) -> bool:
        return exercise.has_draft

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is None and "slug" in form.base_fields:
            form.base_fields["slug"].help_text = SLUG_HELP
        return form

    def save_model(self, request, obj, form, change):
        """A changed title or introduction goes into the draft, like the steps (content_versions)."""
        if not change:
            return super().save_model(request, obj, form, change)
        typed = {name: form.cleaned_data[name] for name in content_versions.TEXT_FIELDS if name in form.cleaned_data}
        published = Exercise.objects.values(*content_versions.TEXT_FIELDS).get(pk=obj.pk)
        for name in typed:
            setattr(obj, name, published[name])
        super().save_model(request, obj, form, change)
        content_versions.text_change(obj, **typed)

    def save_formset(self, request, form, formset, change):
        """Steps go into the draft (content_versions): what couples see changes only when staff publish."""
        if formset.model is not Step:
            return super().save_formset(request, form, formset, change)
        exercise = form.instance
        # What the admin's history message reads, as a formset's own save() would leave it.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for step_form in formset.forms:
            step = step_form.instance
            if formset.can_delete and formset._should_delete_form(step_form):
                if step.pk:
                    content_versions.step_remove(step)
                    formset.deleted_objects.append(step)
            elif step_form.has_changed():
                fields = {name: step_form.cleaned_data[name] for name in StepAdminForm.Meta.fields}
                if step.pk:
                    saved = content_versions.step_change(step, **fields)
                    formset.changed_objects.append((saved, step_form.changed_data))
                else:
                    formset.new_objects.append(content_versions.step_add(exercise, **fields))
        if content_versions.has_draft_changes(exercise):
            self.message_user(
                request,
                "Your changes are saved as a draft. Couples see them once you publish; "
                "preview them first from the exercise's page.",
                messages.INFO,
            )

    def get_urls(self):
        # Before the default URLs: their "<path:object_id>/" would otherwise swallow ".../preview/".
        preview = path(
            "<path:object_id>/preview/",
            self.admin_site.admin_view(self.preview_view),
            name=f"{self.opts.app_label}_{self.opts.model_name}_preview",
        )
        return [preview, *super().get_urls()]

    @admin.display(description="Preview")
    def preview_link(self, exercise: Exercise) -> str:
        if exercise.pk is None:
            return "Save first to preview."
        url = reverse(f"{self.admin_site.name}:exercises_exercise_preview", args=[exercise.pk])
        return format_html('<a href="{}">Preview as a partner sees it</a>', url)

    def preview_view(self, request, object_id: str):
        """The exercise as a partner will see it: introduction and steps, built by the partner-facing form."""
        exercise = self.get_object(request, unquote(object_id))
        if exercise is None:
            raise Http404("No such exercise.")
        if not self.has_view_or_change_permission(request, exercise):
            raise PermissionDenied
        form = StepsForm(steps=content_versions.draft_steps(exercise), version=exercise.version)
        for form_field in form.fields.values():
            form_field.disabled = True  # a preview: nothing to fill in or submit
            # The site-wide field template prints help text as markup (it was meant for our own
            # forms' HTML); a step's help text is staff-typed plain text, so escape it here.
            form_field.help_text = escape(form_field.help_text)
        text = content_versions.draft_text(exercise)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Preview: {text['title']}",
            "draft": text,
            "subtitle": None,
            "opts": self.opts,
            "app_label": self.opts.app_label,
            "original": exercise,
            "exercise": exercise,
            "form": form,
            "has_view_permission": True,
            "has_change_permission": self.has_change_permission(request, exercise),
            "kind_label": exercise.get_kind_display(),
            "audience_label": exercise.get_audience_display(),
            "is_published": exercise.status == Exercise.Status.PUBLISHED and exercise.module.published,
            "has_draft_changes": content_versions.has_draft_changes(exercise),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/exercises/preview.html", context)

    @admin.action(description="Publish selected exercises, with their draft changes", permissions=["change"])
    def publish(self, request, queryset):
        moved = sum(content_versions.publish(exercise) for exercise in queryset)
        if moved:
            noun = "exercise's" if moved == 1 else "exercises'"
            self.message_user(
                request,
                f"{moved} {noun} changes are live. Couples who already started keep the version they began.",
                messages.SUCCESS,
            )
        self._set_status(request, queryset, Exercise.Status.PUBLISHED)

    @admin.action(description="Discard unpublished changes", permissions=["change"])
    def discard_draft(self, request, queryset):
        for exercise in queryset:
            content_versions.discard_draft(exercise)
        self.message_user(request, "Unpublished changes discarded.", messages.SUCCESS)

    @admin.action(description="Unpublish selected exercises (back to draft)", permissions=["change"])
    def unpublish(self, request, queryset):
        self._set_status(request, queryset, Exercise.Status.DRAFT)

    def _set_status(self, request, queryset, status: str) -> None:
        # A bulk UPDATE on purpose: the status decides who sees an exercise, not what its form asks,
        # so the version (which marks partners' open forms as stale) is left alone.
        label = Exercise.Status(status).label.lower()
        total = queryset.count()
        changed = queryset.exclude(status=status).update(status=status, updated_at=timezone.now())
        noun = "exercise" if changed == 1 else "exercises"
        message = f"{changed} {noun} set to {label}."
        if total - changed:
            message += f" {total - changed} already {'was' if total - changed == 1 else 'were'} {label}."
        self.message_user(request, message, messages.SUCCESS)
        if status == Exercise.Status.PUBLISHED:
            hidden = queryset.filter(module__published=False).count()
            if hidden:
                self.message_user(
                    request,
                    f"{hidden} of them {'is' if hidden == 1 else 'are'} in an unpublished module, "
                    "so partners won't see them until the module is published.",
                    messages.WARNING,
                )
            empty = queryset.filter(steps__isnull=True).count()
            if empty:
                self.message_user(
                    request,
                    f"{empty} of them {'has' if empty == 1 else 'have'} no steps yet.",
                    messages.WARNING,
                )


# --- Daily prompts: the words staff may edit (never anyone's deliveries or check-ins) -------

from exercises.models import AppreciationStarter, PromptCopy  # noqa: E402


@admin.register(PromptCopy)
class PromptCopyAdmin(DeclaredLookupsOnly, admin.ModelAdmin):
    list_display = ["kind", "subject"]
    fields = ["kind", "subject", "body"]


@admin.register(AppreciationStarter)
class AppreciationStarterAdmin(DeclaredLookupsOnly, admin.ModelAdmin):
    list_display = ["text", "kind", "active"]
    list_filter = ["kind", "active"]
    list_editable = ["active"]
    search_fields = ["text"]
