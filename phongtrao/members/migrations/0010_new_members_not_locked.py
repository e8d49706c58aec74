"""PostgreSQL: an enrolment or history row naming a member written by the same transaction
does not lock her.

The key triggers of 0008 lock every member an enrolment or a history row names (FOR KEY
SHARE, as a foreign key does) so that no other transaction deletes her before this one
commits. A member this transaction has written is seen by no other transaction until it
commits: nothing can delete her meanwhile, and the lock (a change of her row, logged) is
work for nothing. A list import names only such members, twice per row (enrolment,
admission).

The statement trigger of `members_member` now notes the ids of the rows each statement adds
when they are one run (the ids are unique: a run of n ids from lo to lo + n - 1 is exactly
them), in a setting local to the transaction (`members.new_ids`, a multirange; a savepoint
rolled back takes its notes back with it). The triggers of `members_enrolment` and
`members_memberevent` check that every member named exists, as before, and lock only those
outside the noted runs. The other keys (units, users) are checked and locked as before.
"""

from django.db import migrations

from phongtrao.members.keysql import NEW_MEMBERS as NOTE
from phongtrao.members.keysql import (
    key_check,
    keys_added_function,
    member_key_looked_up,
    member_key_new_unlocked,
    on_postgresql,
    rows_of_members_functions,
)


NOTED = f"""
    SELECT MIN(id), MAX(id), COUNT(*) INTO lo, hi, found FROM members_member_added;
    IF found > 0 AND hi - lo + 1 = found THEN
        PERFORM set_config('{NOTE}', (
            COALESCE(NULLIF(current_setting('{NOTE}', true), ''), '{{}}')::int8multirange
            + int8multirange(int8range(lo, hi, '[]')))::text, true);
    END IF;"""

FORWARD = [
    keys_added_function(
        "members_member",
        key_check("members_member", "unit_id", "orgs_unit", "unit")
        + key_check("members_member", "residence_unit_id", "orgs_unit", "unit")
        + NOTED,
    ),
    *rows_of_members_functions(member_key_new_unlocked),
]
BACKWARD = [
    keys_added_function(
        "members_member",
        key_check("members_member", "unit_id", "orgs_unit", "unit")
        + key_check("members_member", "residence_unit_id", "orgs_unit", "unit"),
    ),
    *rows_of_members_functions(member_key_looked_up),
]


class Migration(migrations.Migration):
    dependencies = [("members", "0009_enrolment_member_end")]

    operations = [migrations.RunPython(on_postgresql(FORWARD), on_postgresql(BACKWARD))]
