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
    member_key_new_unlocked,
    on_postgresql,
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
    keys_added_function(
        "members_enrolment",
        member_key_new_unlocked("members_enrolment")
        + key_check("members_enrolment", "unit_id", "orgs_unit", "unit"),
    ),
    keys_added_function(
        "members_memberevent",
        member_key_new_unlocked("members_memberevent")
        + key_check("members_memberevent", "from_unit_id", "orgs_unit", "unit")
        + key_check("members_memberevent", "to_unit_id", "orgs_unit", "unit")
        + key_check("members_memberevent", "actor_id", "auth_user", "user"),
    ),
]
BACKWARD = [
    keys_added_function(
        "members_member",
        key_check("members_member", "unit_id", "orgs_unit", "unit")
        + key_check("members_member", "residence_unit_id", "orgs_unit", "unit"),
    ),
    keys_added_function(
        "members_enrolment",
        key_check("members_enrolment", "member_id", "members_member", "member")
        + key_check("members_enrolment", "unit_id", "orgs_unit", "unit"),
    ),
    keys_added_function(
        "members_memberevent",
        key_check("members_memberevent", "member_id", "members_member", "member")
        + key_check("members_memberevent", "from_unit_id", "orgs_unit", "unit")
        + key_check("members_memberevent", "to_unit_id", "orgs_unit", "unit")
        + key_check("members_memberevent", "actor_id", "auth_user", "user"),
    ),
]


class Migration(migrations.Migration):
    dependencies = [("members", "0009_enrolment_member_end")]

    operations = [migrations.RunPython(on_postgresql(FORWARD), on_postgresql(BACKWARD))]
