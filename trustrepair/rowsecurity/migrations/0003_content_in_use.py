"""Whether couples have used a piece of content, for staff who may not see the couples' rows.

Deleting an exercise or a module in the admin must not fail on runs, recommendations or
opened modules that row security hides from staff. These two functions answer with ids
of content only, never anything of a couple. SECURITY DEFINER with a fixed search_path.
"""

from django.db import migrations

CREATE = """
CREATE FUNCTION tr_exercises_in_use(ids bigint[]) RETURNS bigint[]
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  SELECT coalesce(array_agg(DISTINCT exercise_id), '{}') FROM (
    SELECT exercise_id FROM exercises_run WHERE exercise_id = ANY(ids)
    UNION ALL SELECT exercise_id FROM exercises_recommendation WHERE exercise_id = ANY(ids)) used
$$;
CREATE FUNCTION tr_modules_in_use(ids bigint[]) RETURNS bigint[]
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  SELECT coalesce(array_agg(DISTINCT module_id), '{}') FROM exercises_moduleunlock WHERE module_id = ANY(ids)
$$;
"""
DROP = "DROP FUNCTION tr_exercises_in_use(bigint[]); DROP FUNCTION tr_modules_in_use(bigint[]);"


class Migration(migrations.Migration):
    dependencies = [("rowsecurity", "0002_erase_writing")]
    operations = [migrations.RunSQL(CREATE, DROP)]
