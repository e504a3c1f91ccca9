"""Arabic labels from an official ESCO download: the CSV files as they are, or the zip."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

from click.testing import CliRunner

from matching.cv import suggest_from_text
from matching.esco_import import import_official
from matching.taxonomy import Taxonomy
from placement.matching_cli import load_command
from tests.matching.conftest import DATA

PUMPS = "http://data.europa.eu/esco/skill/test-0001"


def _download(tmp_path: Path, *, zipped: bool) -> Path:
    """A download folder: the English test files and the Arabic CSV, optionally zipped the
    way ESCO ships them (a folder inside the archive)."""
    folder = tmp_path / "download"
    shutil.copytree(DATA / "esco_official", folder)
    arabic = DATA / "esco_official_ar" / "skills_ar.csv"
    if zipped:
        name = "ESCO dataset - v1.2.0 - classification - ar - csv.zip"
        with zipfile.ZipFile(folder / name, "w") as archive:
            archive.write(arabic, "ESCO dataset - v1.2.0 - classification - ar - csv/skills_ar.csv")
            archive.writestr("../../evil/skills_ar.txt", "not read")
    else:
        shutil.copy(arabic, folder / "skills_ar.csv")
    return folder


def test_arabic_csv_and_zip_load_the_same_labels(tmp_path: Path) -> None:
    plain, _ = import_official(_download(tmp_path / "a", zipped=False))
    zipped, counts = import_official(_download(tmp_path / "b", zipped=True))
    assert counts["skills_ar.csv"] == 1
    assert plain.labels[(PUMPS, "ar")] == zipped.labels[(PUMPS, "ar")]
    preferred, alternatives = zipped.labels[(PUMPS, "ar")]
    assert preferred == "إصلاح مضخات المياه الشمسية" and len(alternatives) == 2
    assert "ar" in zipped.languages
    assert not (tmp_path / "evil").exists()


def test_language_option_reads_only_that_language(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("HOMEWARD_MATCHING_CACHE", str(tmp_path / "cache"))
    target = tmp_path / "taxonomy"
    download = _download(tmp_path, zipped=True)
    result = CliRunner().invoke(
        load_command, [str(download), "--into", str(target), "--language", "ar"]
    )
    assert result.exit_code == 0, result.output
    assert "skills_ar.csv: 1 rows" in result.output and "skills_en.csv" not in result.output
    loaded = Taxonomy.load(target)
    assert loaded.label(PUMPS, "ar") == "إصلاح مضخات المياه الشمسية"
    cv = "الخبرات المهنية\nعملت في صيانة المضخات الشمسية في القرى."
    assert [s.uri for s in suggest_from_text(cv, loaded)] == [PUMPS]


def test_unknown_language_finds_nothing(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        load_command,
        [str(_download(tmp_path, zipped=False)), "--into", str(tmp_path / "t"), "--language", "pt"],
    )
    assert result.exit_code == 2 and "no ESCO CSV files found" in result.output + result.stderr
    assert not (tmp_path / "t").exists()
