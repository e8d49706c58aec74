"""`manage.py report` on the command line: a mistake in the options gets a Vietnamese message
and a failing exit status, never a traceback or argparse's English usage.

manage.py is run as a script (`runpy`) in this process, as the shell runs it in its own: the
same `execute_from_command_line`, which writes the message and exits with its status. The
options are refused before the command reads the database: no database here.
"""

from __future__ import annotations

import logging
import runpy
import sys

import pytest
from django.conf import settings


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "txt"], "Định dạng “txt” không được hỗ trợ"),
        (["--date", "2023-13-45"], "Ngày ban hành “2023-13-45” không hợp lệ"),
    ],
)
def test_bad_options_get_a_vietnamese_message_on_the_command_line(
    args: list[str],
    message: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sys, "argv", ["manage.py", "report", "70", "2023", *args])
    # django.setup() configures logging again: its console handler would write to this
    # test's captured stderr after the test; the run's handlers come back at the end.
    monkeypatch.setattr(logging.root, "handlers", list(logging.root.handlers))
    with pytest.raises(SystemExit) as done:
        runpy.run_path(str(settings.BASE_DIR / "manage.py"), run_name="__main__")
    stderr = capsys.readouterr().err

    assert done.value.code not in (0, None)
    assert message in stderr
    assert "Traceback" not in stderr and "usage:" not in stderr
