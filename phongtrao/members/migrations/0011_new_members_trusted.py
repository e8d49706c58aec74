"""PostgreSQL: an enrolment or history row naming a member written by the same transaction
does not look her up.

Since 0010 such a member is not locked: nobody else sees her before the commit. She was
still looked up, to check that she exists: two look-ups in the members' primary key per
member of a list (her enrolment, her admission), about a tenth of the server's time of a
list import at 20 million members. She exists if the note says this transaction wrote her
and nothing since took a member away: a delete, an id change or a truncation of members now
forgets the note (a statement trigger), and the rows naming members outside the note are
looked up and locked as before.
"""

from django.db import migrations

from phongtrao.members.keysql import (
    NEW_MEMBERS,
    member_key_new_trusted,
    member_key_new_unlocked,
    on_postgresql,
    rows_of_members_functions,
)


FORWARD = [
    *rows_of_members_functions(member_key_new_trusted),
    f"""
CREATE FUNCTION members_member_note_forget() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('{NEW_MEMBERS}', '', true);
    RETURN NULL;
END $$""",
    "CREATE TRIGGER members_member_note_forgotten "
    "AFTER DELETE OR UPDATE OF id OR TRUNCATE ON members_member "
    "FOR EACH STATEMENT EXECUTE FUNCTION members_member_note_forget()",
]
BACKWARD = [
    "DROP TRIGGER members_member_note_forgotten ON members_member",
    "DROP FUNCTION members_member_note_forget()",
    *rows_of_members_functions(member_key_new_unlocked),
]


class Migration(migrations.Migration):
    dependencies = [("members", "0010_new_members_not_locked")]

    operations = [migrations.RunPython(on_postgresql(FORWARD), on_postgresql(BACKWARD))]
