"""`import_data` and `export_data` from the command line."""

from __future__ import annotations

import json
import shutil

import pytest
from django.core.management import CommandError, call_command

from phongtrao.data.models import DataValue
from phongtrao.exchange.tests.conftest import fixture_path

pytestmark = pytest.mark.django_db


def test_import_data_prints_the_summary(dhis2_metadata, capsys):
    call_command("import_data", str(fixture_path("dxf2/datavalueset/dataValueSetB.csv")))

    summary = json.loads(capsys.readouterr().out)
    assert summary["status"] == "SUCCESS"
    assert summary["importCount"]["imported"] == 12
    assert DataValue.objects.count() == 12


def test_import_data_guesses_adx_and_takes_options(dhis2_metadata, capsys, tmp_path):
    with pytest.raises(CommandError):
        call_command("import_data", str(fixture_path("adx/importA.adx.xml")), "--id-scheme", "code")
    summary = json.loads(capsys.readouterr().out)
    assert summary["importOptions"]["atomicMode"] == "ALL"
    assert len(summary["conflicts"]) > 0

    call_command(
        "import_data",
        str(fixture_path("adx/importA.adx.xml")),
        "--id-scheme=code",
        "--atomic-mode=NONE",
    )
    summary = json.loads(capsys.readouterr().out)
    assert (summary["status"], summary["importCount"]["imported"]) == ("WARNING", 1)


def test_import_data_dry_run_and_strategy(dhis2_metadata, capsys):
    path = str(fixture_path("dxf2/datavalueset/dataValueSetB.xml"))
    call_command("import_data", path, "--dry-run")
    assert json.loads(capsys.readouterr().out)["importCount"]["imported"] == 12
    assert DataValue.objects.count() == 0

    call_command("import_data", path, "--strategy", "UPDATE")
    assert json.loads(capsys.readouterr().out)["importCount"]["ignored"] == 12


def test_import_data_format_option_overrides_the_extension(dhis2_metadata, capsys, tmp_path):
    copy = tmp_path / "values.txt"
    shutil.copy(fixture_path("datavalueset/dataValueSetJ.json"), copy)
    with pytest.raises(CommandError, match="định dạng"):
        call_command("import_data", str(copy))

    call_command("import_data", str(copy), "--format", "dhis2-json")
    assert json.loads(capsys.readouterr().out)["importCount"]["imported"] == 1


def test_import_data_missing_file():
    with pytest.raises(CommandError, match="Không tìm thấy"):
        call_command("import_data", "/nonexistent/file.json")


@pytest.mark.parametrize("fmt", ["dhis2-json", "dhis2-xml", "dhis2-csv", "adx"])
def test_export_then_import_again(dhis2_metadata, capsys, tmp_path, fmt):
    call_command("import_data", str(fixture_path("dxf2/datavalueset/dataValueSetB.xml")))
    capsys.readouterr()
    out = tmp_path / "out.data"

    call_command(
        "export_data",
        "--unit",
        "ROOT",
        "--period",
        "201201,201202",
        "--children",
        "--format",
        fmt,
        "--output",
        str(out),
        "--id-scheme",
        "code",
    )
    call_command(
        "import_data", str(out), "--format", fmt, "--id-scheme", "code", "--strategy", "DELETE"
    )
    assert json.loads(capsys.readouterr().out)["importCount"]["deleted"] == 12
    call_command("import_data", str(out), "--format", fmt, "--id-scheme", "code")
    assert json.loads(capsys.readouterr().out)["importCount"]["imported"] == 12


def test_export_data_to_stdout(dhis2_metadata, capsys):
    call_command("import_data", str(fixture_path("datavalueset/dataValueSetJ.json")))
    capsys.readouterr()

    call_command("export_data", "--unit", "OU_A", "--period", "201201")

    exported = json.loads(capsys.readouterr().out)
    assert exported["dataValues"][0]["dataElement"] == "f7n9E0hX8qk"
    assert exported["dataValues"][0]["value"] == "10"
    assert exported["dataValues"][0]["categoryOptionCombo"] == "HllvX50cXC0"


def test_export_data_refuses_unknown_unit_and_period(db):
    with pytest.raises(CommandError):
        call_command("export_data", "--unit", "NOPE", "--period", "2023")
    with pytest.raises(CommandError):
        call_command("export_data", "--unit", "NOPE", "--period", "2023Q9")
