"""Every table, classified: protected by a row-security policy, or open to the application role.

The one list the migrations, the start-up check and the tests agree on. A new
model that holds a person's or a couple's data goes in ``PROTECTED`` with its
policy in the same change; ``tests/trustrepair/test_row_security_coverage.py``
fails for a table in neither list.
"""

import re

# Tables that hold what a person wrote, or a couple's shared life. Row security is enabled
# and forced on each, with the policies of trustrepair/rowsecurity/migrations/.
PROTECTED = frozenset(
    {
        # people's own
        "accounts_safetycheck",
        "accounts_dataexport",
        "accounts_onboardingresponse",
        "accounts_fractureanswer",
        "exercises_checkin",
        "exercises_notification",
        "exercises_delivery",
        "exercises_promptpreference",
        # the couple's
        "accounts_coupleevent",
        "exercises_couplequietwindow",
        "exercises_run",
        "exercises_response",
        "exercises_answer",
        "exercises_incident",
        "exercises_statement",
        "exercises_statementresponse",
        "exercises_question",
        "exercises_questionanswer",
        "exercises_agreement",
        "exercises_agreementcheck",
        "exercises_ritual",
        "exercises_ritualdone",
        "exercises_appreciation",
        "exercises_moduleunlock",
        # therapists'
        "accounts_consent",
        "accounts_therapistnote",
        "accounts_accesslogentry",
        "exercises_recommendation",
    }
)

# Protected tables the cross-person jobs (the prompt claim and its reconciler, digests, the
# expiry sweep of downloads) read or write as the jobs role: exactly these, nothing else.
JOBS = {
    "exercises_delivery": "SELECT, INSERT, UPDATE, DELETE",
    "exercises_notification": "SELECT, INSERT, UPDATE",
    "exercises_promptpreference": "SELECT, UPDATE",
    "exercises_couplequietwindow": "SELECT",
    "exercises_checkin": "SELECT (user_id, local_date)",
    "accounts_dataexport": "SELECT, UPDATE",
}

# Tables without anyone's writing: content edited by staff, accounts and the pairing itself
# (who is in which couple is what every policy is computed from), and framework tables.
OPEN = frozenset(
    {
        "accounts_user",
        "accounts_user_groups",
        "accounts_user_user_permissions",
        "accounts_couple",
        "accounts_membership",
        "accounts_invitation",
        "accounts_therapistprofile",
        "accounts_therapistinvitation",
        "accounts_therapistlink",
        "accounts_supportresource",
        "exercises_module",
        "exercises_exercise",
        "exercises_step",
        "exercises_promptcopy",
        "exercises_appreciationstarter",
        "account_emailaddress",
        "account_emailconfirmation",
        "mfa_authenticator",
        "auth_group",
        "auth_group_permissions",
        "auth_permission",
        "django_admin_log",
        "django_content_type",
        "django_migrations",
        "django_session",
    }
)


_NAMED = re.compile(r'"(' + "|".join(sorted(PROTECTED)) + r')"')


def touches_protected(sql: str) -> bool:
    """Whether a statement Django wrote names a protected table (it quotes every table name)."""
    return bool(_NAMED.search(sql))
