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

from phongtrao.members.keysql import key_check, on_postgresql, violation

NOTE = "members.new_ids"


def _member_key(table: str) -> str:
    """The member key: all exist; those not written by this transaction are locked."""
    return f"""
    SELECT COUNT(DISTINCT member_id) INTO wanted FROM {table}_added;
    IF wanted > 0 THEN
        new_ids := COALESCE(NULLIF(current_setting('{NOTE}', true), ''), '{{}}')::int8multirange;
        SELECT COUNT(*) FILTER (WHERE r.id <@ new_ids),
            array_agg(r.id) FILTER (WHERE NOT r.id <@ new_ids)
            INTO found, others
            FROM members_member r WHERE r.id IN (SELECT member_id FROM {table}_added);
        IF others IS NOT NULL THEN
            PERFORM 1 FROM members_member r WHERE r.id = ANY (others) FOR KEY SHARE OF r;
            GET DIAGNOSTICS locked = ROW_COUNT;
            found := found + locked;
        END IF;
        IF found < wanted THEN
            {violation(table, f'insert on table "{table}" violates its key member_id: '
                        'no such member')}
        END IF;
    END IF;"""


def _function(table: str, body: str) -> str:
    return f"""
CREATE OR REPLACE FUNCTION {table}_keys_added() RETURNS trigger LANGUAGE plpgsql
SET jit = off AS $$
DECLARE
    wanted bigint;
    found bigint;
    locked bigint;
    others bigint[];
    new_ids int8multirange;
    lo bigint;
    hi bigint;
BEGIN{body}
    RETURN NULL;
END $$"""


NOTED = f"""
    SELECT MIN(id), MAX(id), COUNT(*) INTO lo, hi, found FROM members_member_added;
    IF found > 0 AND hi - lo + 1 = found THEN
        PERFORM set_config('{NOTE}', (
            COALESCE(NULLIF(current_setting('{NOTE}', true), ''), '{{}}')::int8multirange
            + int8multirange(int8range(lo, hi, '[]')))::text, true);
    END IF;"""

FORWARD = [
    _function(
        "members_member",
        key_check("members_member", "unit_id", "orgs_unit", "unit")
        + key_check("members_member", "residence_unit_id", "orgs_unit", "unit")
        + NOTED,
    ),
    _function(
        "members_enrolment",
        _member_key("members_enrolment") + key_check("members_enrolment", "unit_id", "orgs_unit", "unit"),
    ),
    _function(
        "members_memberevent",
        _member_key("members_memberevent")
        + key_check("members_memberevent", "from_unit_id", "orgs_unit", "unit")
        + key_check("members_memberevent", "to_unit_id", "orgs_unit", "unit")
        + key_check("members_memberevent", "actor_id", "auth_user", "user"),
    ),
]
BACKWARD = [
    _function(
        "members_member",
        key_check("members_member", "unit_id", "orgs_unit", "unit")
        + key_check("members_member", "residence_unit_id", "orgs_unit", "unit"),
    ),
    _function(
        "members_enrolment",
        key_check("members_enrolment", "member_id", "members_member", "member")
        + key_check("members_enrolment", "unit_id", "orgs_unit", "unit"),
    ),
    _function(
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
