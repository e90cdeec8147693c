from django.db import models


class Visibility(models.TextChoices):
    """Who may read a piece of a partner's writing (PRODUCT.md, privacy model)."""

    PRIVATE = "private", "Only me"
    COUPLE = "couple", "My partner and me"
    COUPLE_THERAPIST = "couple_therapist", "My partner, me and our therapist"


class Audience(models.TextChoices):
    BOTH = "both", "Both partners"
    HURT = "hurt", "The hurt partner"
    CAUSED = "caused", "The partner who caused harm"


class Kind(models.TextChoices):
    PAIRED_REFLECTION = "paired_reflection", "Paired reflection"
    ACCOUNTABILITY = "accountability", "Accountability statement"
    QUESTIONS_LOG = "questions_log", "Questions log"
    AFTERMATH = "aftermath", "Aftermath of a fight"
    INNER_WORLD = "inner_world", "Inner world"
    AGREEMENTS = "agreements", "Agreements and boundaries"
    RITUALS = "rituals", "Rituals of connection"
    APPRECIATIONS = "appreciations", "Appreciations"


# Kinds answered step by step by both partners, with simultaneous reveal.
PAIRED_KINDS = {Kind.PAIRED_REFLECTION, Kind.AFTERMATH, Kind.INNER_WORLD}

DEFAULT_VISIBILITY = {
    Kind.PAIRED_REFLECTION: Visibility.COUPLE,
    Kind.ACCOUNTABILITY: Visibility.COUPLE,
    Kind.QUESTIONS_LOG: Visibility.COUPLE,
    Kind.AFTERMATH: Visibility.COUPLE,
    Kind.INNER_WORLD: Visibility.COUPLE,
    Kind.AGREEMENTS: Visibility.COUPLE,
    Kind.RITUALS: Visibility.COUPLE,
    Kind.APPRECIATIONS: Visibility.COUPLE,
}


class AnswerType(models.TextChoices):
    LONG_TEXT = "long_text", "Long text"
    SHORT_TEXT = "short_text", "Short text"
    SCALE = "scale", "0–10 scale"
    SINGLE_CHOICE = "single_choice", "Single choice"
    MULTIPLE_CHOICE = "multiple_choice", "Multiple choice"
    CHECKLIST = "checklist", "Checklist"
    DATE = "date", "Date"
    INSTRUCTION = "instruction", "Instruction (no answer)"
