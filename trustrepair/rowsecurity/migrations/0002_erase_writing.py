"""``tr_erase_writing``: erasure's part in the couples a person was in.

It deletes the person's step-by-step answers nobody else has read (drafts,
unrevealed, private), then passes their shared writing to the "Former partner"
stand-in (when there is one). Erasure must reach the rows of couples the person
already left, which their own policies no longer show them; this one named
function does exactly that, for the person acting and nobody else. SECURITY
DEFINER (it runs as the owner, who is not bound by row security) with a fixed
search_path.
"""

from django.db import migrations

# (table, column): every shared row that names the person keeps existing, now naming the stand-in.
HANDED_OVER = [
    ("exercises_response", "user_id"),  # revealed, shared answers with their revisions
    ("exercises_run", "joint_note_by_id"),
    ("exercises_incident", "created_by_id"),
    ("exercises_statement", "author_id"),
    ("exercises_statementresponse", "author_id"),
    ("exercises_question", "asker_id"),
    ("exercises_questionanswer", "author_id"),
    ("exercises_agreement", "proposed_by_id"),
    ("exercises_agreementcheck", "logged_by_id"),
    ("exercises_agreementcheck", "confirmed_by_id"),
    ("exercises_agreementcheck", "disputed_by_id"),
    ("exercises_ritual", "created_by_id"),
    ("exercises_ritualdone", "marked_by_id"),
    ("exercises_appreciation", "sender_id"),
    ("exercises_appreciation", "recipient_id"),  # the partner's words stay the partner's
    ("accounts_coupleevent", "actor_id"),
    ("accounts_consent", "partner_id"),  # the couple's consent history stays readable
    ("accounts_couple", "created_by_id"),
    ("accounts_therapistlink", "created_by_id"),
    ("exercises_couplequietwindow", "set_by_id"),
    ("accounts_invitation", "accepted_by_id"),
    ("accounts_membership", "user_id"),
]

UPDATES = "\n".join(
    f"  UPDATE {table} SET {column} = tombstone WHERE {column} = person;" for table, column in HANDED_OVER
)

UNREAD = """
  SELECT r.id FROM exercises_response r JOIN exercises_run u ON u.id = r.run_id
  WHERE r.user_id = person AND (r.submitted_at IS NULL OR u.revealed_at IS NULL OR r.visibility = 'private')
"""

CREATE = f"""
CREATE FUNCTION tr_erase_writing(person bigint, tombstone bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
  IF person IS DISTINCT FROM tr_person() THEN
    RAISE EXCEPTION 'only the person acting can erase their writing';
  END IF;
  -- Drafts, answers the partner has not seen yet, and answers kept private (with all their revisions).
  DELETE FROM exercises_answer WHERE response_id IN ({UNREAD});
  DELETE FROM exercises_response WHERE id IN ({UNREAD});
  IF tombstone IS NULL THEN
    RETURN;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM accounts_user WHERE id = tombstone AND NOT is_active AND NOT EXISTS (
      SELECT 1 FROM accounts_membership WHERE user_id = tombstone)) THEN
    RAISE EXCEPTION 'the stand-in must be a new, inactive account';
  END IF;
{UPDATES}
END;
$$;
REVOKE ALL ON FUNCTION tr_erase_writing(bigint, bigint) FROM PUBLIC;
"""


class Migration(migrations.Migration):
    dependencies = [("rowsecurity", "0001_policies")]
    operations = [migrations.RunSQL(CREATE, "DROP FUNCTION tr_erase_writing(bigint, bigint);")]
