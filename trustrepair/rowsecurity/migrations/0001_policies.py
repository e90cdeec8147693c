"""Row-level security on every table in ``tables.PROTECTED``.

The functions name who is asking (``tr_person``), their couple (``tr_couple``,
their open seat only: after leaving, nothing of the couple's), their partners
(``tr_partners``) and, for a therapist, the couples whose two current partners
both hold an active consent with a scope (``tr_therapist_couples``). Policies
call them through ``(SELECT …)`` so PostgreSQL runs each once per statement,
not once per row. Every function is SECURITY INVOKER with a fixed search_path:
it reads only the open tables and consents, whose own policy lets a therapist
read the consents of their links.

Each table gets a read policy and a write policy; PostgreSQL ORs the policies of
a command, so writing never needs more than the write policy allows. Who may
edit which row within the couple stays the services' rule; the wall is about
who can read.
"""

from django.db import migrations

FUNCTIONS = """
CREATE FUNCTION tr_person() RETURNS bigint LANGUAGE sql STABLE SET search_path = pg_catalog, public AS
$$ SELECT nullif(current_setting('trustrepair.person', true), '')::bigint $$;

CREATE FUNCTION tr_couple() RETURNS bigint LANGUAGE sql STABLE SET search_path = pg_catalog, public AS
$$ SELECT couple_id FROM accounts_membership WHERE user_id = tr_person() AND left_at IS NULL $$;

CREATE FUNCTION tr_partners() RETURNS bigint[] LANGUAGE sql STABLE SET search_path = pg_catalog, public AS
$$ SELECT coalesce(array_agg(user_id), '{}') FROM accounts_membership
   WHERE couple_id = tr_couple() AND left_at IS NULL $$;

CREATE FUNCTION tr_therapist_couples(scope text) RETURNS bigint[] LANGUAGE sql STABLE
SET search_path = pg_catalog, public AS $$
  SELECT coalesce(array_agg(l.couple_id), '{}')
  FROM accounts_therapistlink l JOIN accounts_couple c ON c.id = l.couple_id
  WHERE l.therapist_id = tr_person() AND l.ended_at IS NULL AND c.ended_at IS NULL
    AND (SELECT count(*) FROM accounts_membership m WHERE m.couple_id = l.couple_id AND m.left_at IS NULL) = 2
    AND NOT EXISTS (
      SELECT 1 FROM accounts_membership m
      WHERE m.couple_id = l.couple_id AND m.left_at IS NULL AND NOT EXISTS (
        SELECT 1 FROM accounts_consent k
        WHERE k.link_id = l.id AND k.partner_id = m.user_id AND k.revoked_at IS NULL
          AND CASE scope WHEN 'progress' THEN k.progress WHEN 'trends' THEN k.trends
                         WHEN 'writing' THEN k.writing ELSE true END))
$$;
"""

DROP_FUNCTIONS = """
DROP FUNCTION tr_therapist_couples(text);
DROP FUNCTION tr_partners();
DROP FUNCTION tr_couple();
DROP FUNCTION tr_person();
"""

ME = "(SELECT tr_person())"
OURS = "(SELECT tr_couple())"


def therapist(column: str, scope: str) -> str:
    return f"{column} = ANY ((SELECT tr_therapist_couples('{scope}'))::bigint[])"


def shared_writing(author: str) -> tuple[str, str, str]:
    """Writing with a visibility: its author; the couple unless private; the therapist when marked for them."""
    partners = f"(couple_id = {OURS} AND visibility <> 'private')"
    read = f"{author} = {ME} OR {partners} OR (visibility = 'couple_therapist' AND {therapist('couple_id', 'writing')})"
    return read, f"{author} = {ME} OR {partners}", f"couple_id = {OURS}"


def own(column: str = "user_id") -> tuple[str, str, str]:
    return f"{column} = {ME}", f"{column} = {ME}", f"{column} = {ME}"


def couple(scope: str | None = None) -> tuple[str, str, str]:
    read = f"couple_id = {OURS}" + (f" OR {therapist('couple_id', scope)}" if scope else "")
    return read, f"couple_id = {OURS}", f"couple_id = {OURS}"


def child(column: str, parent: str, writable: str) -> tuple[str, str, str]:
    """Rows of a parent's child: readable with the parent (its own policy applies in the subquery)."""
    read = f"{column} IN (SELECT id FROM {parent})"
    write = f"{column} IN (SELECT id FROM {parent} WHERE {writable})"
    return read, write, write


statement_read, statement_write, statement_check = shared_writing("author_id")
question_read, question_write, question_check = shared_writing("asker_id")
appreciation_read, appreciation_write, appreciation_check = shared_writing("sender_id")

# table: (read USING, write USING, write WITH CHECK)
POLICIES = {
    "accounts_safetycheck": own(),
    "accounts_dataexport": own(),
    "exercises_delivery": own(),
    "exercises_promptpreference": own(),
    "exercises_notification": (
        f"user_id = {ME}",
        f"user_id = {ME}",
        # a notice may be left for the person's partner; reading it stays theirs alone
        f"user_id = {ME} OR user_id = ANY ((SELECT tr_partners())::bigint[])",
    ),
    "accounts_onboardingresponse": (
        # the partner's answers once the person has given their own (the reveal of onboarding)
        f"user_id = {ME} OR (couple_id = {OURS} AND EXISTS (SELECT 1 FROM accounts_coupleevent e"
        f" WHERE e.couple_id = accounts_onboardingresponse.couple_id AND e.actor_id = {ME} AND e.kind = 'onboarded'))",
        f"user_id = {ME}",
        f"user_id = {ME}",
    ),
    "accounts_fractureanswer": child("response_id", "accounts_onboardingresponse", f"user_id = {ME}"),
    "exercises_checkin": (
        f"user_id = {ME} OR (couple_id = {OURS} AND share <> 'nothing')"
        f" OR (therapist_visible AND share <> 'nothing' AND {therapist('couple_id', 'trends')})",
        f"user_id = {ME}",
        f"user_id = {ME}",
    ),
    "accounts_coupleevent": couple("progress"),
    "exercises_couplequietwindow": couple(),
    "exercises_run": couple("any"),
    "exercises_response": (
        f"user_id = {ME} OR run_id IN (SELECT id FROM exercises_run)",
        # their own, also after leaving (erasure deletes it); new rows only in the person's couple
        f"user_id = {ME} OR run_id IN (SELECT id FROM exercises_run WHERE couple_id = {OURS})",
        f"run_id IN (SELECT id FROM exercises_run WHERE couple_id = {OURS})",
    ),
    "exercises_answer": (
        "response_id IN (SELECT r.id FROM exercises_response r JOIN exercises_run u ON u.id = r.run_id"
        f" WHERE r.user_id = {ME} OR (u.revealed_at IS NOT NULL AND r.submitted_at IS NOT NULL"
        f" AND ((r.visibility <> 'private' AND u.couple_id = {OURS})"
        f" OR (r.visibility = 'couple_therapist' AND {therapist('u.couple_id', 'writing')}))))",
        f"response_id IN (SELECT id FROM exercises_response WHERE user_id = {ME})",
        f"response_id IN (SELECT id FROM exercises_response WHERE user_id = {ME})",
    ),
    "exercises_incident": couple("any"),
    "exercises_statement": (statement_read, statement_write, statement_check),
    "exercises_statementresponse": child("statement_id", "exercises_statement", f"couple_id = {OURS}"),
    "exercises_question": (
        question_read
        + f" OR (saved_for_therapist AND visibility <> 'private' AND {therapist('couple_id', 'writing')})",
        question_write,
        question_check,
    ),
    "exercises_questionanswer": child("question_id", "exercises_question", f"couple_id = {OURS}"),
    "exercises_agreement": couple("progress"),
    "exercises_agreementcheck": child("agreement_id", "exercises_agreement", f"couple_id = {OURS}"),
    "exercises_ritual": couple("progress"),
    "exercises_ritualdone": child("ritual_id", "exercises_ritual", f"couple_id = {OURS}"),
    "exercises_appreciation": (appreciation_read, appreciation_write, appreciation_check),
    "exercises_moduleunlock": (
        f"couple_id = {OURS} OR {therapist('couple_id', 'progress')}",
        f"couple_id = {OURS}",
        # a therapist may open a module early for the couple
        f"couple_id = {OURS} OR (unlocked_by_id = {ME} AND {therapist('couple_id', 'any')})",
    ),
    "accounts_consent": (
        f"partner_id = {ME} OR link_id IN (SELECT id FROM accounts_therapistlink"
        f" WHERE couple_id = {OURS} OR therapist_id = {ME})",
        f"link_id IN (SELECT id FROM accounts_therapistlink WHERE couple_id = {OURS})",
        f"link_id IN (SELECT id FROM accounts_therapistlink WHERE couple_id = {OURS})",
    ),
    "accounts_therapistnote": own("therapist_id"),
    "accounts_accesslogentry": (
        f"couple_id = {OURS} OR therapist_id = {ME}",
        f"therapist_id = {ME}",
        f"therapist_id = {ME} AND {therapist('couple_id', 'any')}",
    ),
    "exercises_recommendation": (
        f"couple_id = {OURS} OR therapist_id = {ME}",
        f"couple_id = {OURS} OR therapist_id = {ME}",
        f"couple_id = {OURS} OR (therapist_id = {ME} AND {therapist('couple_id', 'any')})",
    ),
}

# The cross-person jobs may touch these rows whoever they belong to (tables.JOBS limits the columns).
JOBS = [
    "exercises_delivery",
    "exercises_notification",
    "exercises_promptpreference",
    "exercises_couplequietwindow",
    "exercises_checkin",
    "accounts_dataexport",
]


def _forwards_sql(jobs_role: str) -> str:
    parts = [FUNCTIONS]
    for table, (read, write, check) in POLICIES.items():
        parts.append(
            f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;\n"
            f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY;\n"
            f"CREATE POLICY read ON {table} FOR SELECT USING ({read});\n"
            f"CREATE POLICY write ON {table} FOR ALL USING ({write}) WITH CHECK ({check});"
        )
    for table in JOBS:
        parts.append(f'CREATE POLICY jobs ON {table} FOR ALL TO "{jobs_role}" USING (true) WITH CHECK (true);')
    return "\n".join(parts)


def _backwards_sql() -> str:
    parts = [f"DROP POLICY IF EXISTS jobs ON {table};" for table in JOBS]
    for table in POLICIES:
        parts.append(
            f"DROP POLICY read ON {table}; DROP POLICY write ON {table};\n"
            f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY; ALTER TABLE {table} DISABLE ROW LEVEL SECURITY;"
        )
    parts.append(DROP_FUNCTIONS)
    return "\n".join(parts)


def forwards(apps, schema_editor):
    from trustrepair.rowsecurity import roles

    with schema_editor.connection.cursor() as cursor:
        roles.ensure_roles(cursor)
    schema_editor.execute(_forwards_sql(roles.jobs_role()))


def backwards(apps, schema_editor):
    schema_editor.execute(_backwards_sql())


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0011_therapist_invitation"),
        ("exercises", "0008_waiting_notices"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
