"""Writing the taxonomy directory that :meth:`matching.taxonomy.Taxonomy.load` reads.

Two sources are understood:

* an **official ESCO CSV download** (``skills_xx.csv``, ``occupations_xx.csv``,
  ``occupationSkillRelations_xx.csv``, ``ISCOGroups_xx.csv``; any language, several languages in
  one folder, the CSV files as they are or still in the downloaded ``.zip``), which is what
  ``placement taxonomy load DIR [--language ar]`` reads, so that a programme can bring the full
  multilingual taxonomy with one command. Arabic (``classification - ar - csv``) is read like
  any other language; the ESCO subset shipped with the package has no Arabic labels;
* the **prepared files** in ``shared/data/esco`` (reformatted ESCO v1.1.1 with English, French
  and Spanish labels), from which the package's own ``matching/data/esco`` was built with
  ``python -m matching.esco_import --prepared SRC DEST``.

The directory format (``FORMAT_VERSION`` 1) is three gzip-compressed, tab-separated files plus
``meta.json``:

``concepts.tsv.gz``
    ``uri``, ``kind`` (``skill``, ``occupation``, ``isco_group``), ``code`` (ISCO code of an
    occupation or group), ``reuse`` (skill reuse level), ``skill_type``.
``labels.tsv.gz``
    ``uri``, ``lang``, ``preferred``, ``alternatives`` (joined with ``|``).
``relations.tsv.gz``
    ``occupation``, ``skill``, ``relation`` (``essential`` or ``optional``).

and, optionally, ``descriptions.tsv.gz`` (``uri``, ``lang``, ``description`` of occupations),
which the occupation space (:mod:`matching.semantic`) reads; a folder without it still loads.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "FORMAT_VERSION",
    "TaxonomyData",
    "TaxonomyImportError",
    "import_official",
    "import_prepared",
    "read_dir",
    "write_dir",
]

FORMAT_VERSION = 1
KINDS = ("skill", "occupation", "isco_group")
_OFFICIAL_FILE = re.compile(
    r"^(skills|occupations|occupationSkillRelations|ISCOGroups)_([a-z]{2,3}(?:-[A-Za-z]+)?)\.csv$"
)


class TaxonomyImportError(ValueError):
    """A taxonomy source cannot be read; names the file, line and column."""

    def __init__(self, path: str, line: int | None, field: str | None, message: str) -> None:
        self.path, self.line, self.field, self.message = path, line, field, message
        where = [path] + ([f"line {line}"] if line else []) + ([f"field {field}"] if field else [])
        super().__init__(f"{', '.join(where)}: {message}")


@dataclass
class TaxonomyData:
    """The whole taxonomy as plain Python containers, before indexing."""

    concepts: dict[str, tuple[str, str, str, str]] = field(default_factory=dict)
    labels: dict[tuple[str, str], tuple[str, tuple[str, ...]]] = field(default_factory=dict)
    relations: dict[tuple[str, str], str] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)
    #: Occupation descriptions by (uri, lang): the occupation space's anchors
    #: (:mod:`matching.semantic`) read them with the labels.
    descriptions: dict[tuple[str, str], str] = field(default_factory=dict)

    @property
    def languages(self) -> list[str]:
        return sorted({lang for _, lang in self.labels})


def _clean(text: str | None) -> str:
    return " ".join((text or "").split())


def _alternatives(text: str | None, preferred: str, sep: str) -> tuple[str, ...]:
    seen = {preferred.casefold()}
    result = []
    for raw in (text or "").split(sep):
        label = _clean(raw).replace("|", "/")
        if label and label.casefold() not in seen:
            seen.add(label.casefold())
            result.append(label)
    return tuple(result)


def _open_text(path: Path):
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8", newline="")
    return path.open(encoding="utf-8-sig", newline="")


def _rows(path: Path, required: Iterable[str]) -> Iterator[tuple[int, dict[str, str]]]:
    with _open_text(path) as handle:
        reader = csv.DictReader(handle)
        columns = set(reader.fieldnames or ())
        for column in required:
            if column not in columns:
                raise TaxonomyImportError(str(path), 1, column, "required column is missing")
        try:
            for row in reader:
                yield reader.line_num, row
        except (csv.Error, UnicodeDecodeError) as exc:
            raise TaxonomyImportError(str(path), reader.line_num, None, str(exc)) from None


# --- directory format ----------------------------------------------------------------------


def _write_tsv(path: Path, header: tuple[str, ...], rows: Iterable[tuple[str, ...]]) -> None:
    with gzip.open(path, "wt", encoding="utf-8", newline="", compresslevel=9) as handle:
        handle.write("\t".join(header) + "\n")
        for row in rows:
            handle.write("\t".join(value.replace("\t", " ") for value in row) + "\n")


def _read_tsv(path: Path) -> Iterator[list[str]]:
    with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
        next(handle)
        for line in handle:
            yield line.rstrip("\n").split("\t")


def write_dir(data: TaxonomyData, dest: str | os.PathLike[str]) -> Path:
    """Write ``data`` to ``dest`` atomically: a sibling temporary folder is renamed into place.

    Parameters
    ----------
    data : TaxonomyData
    dest : path-like
        Target folder; replaced if it exists.

    Returns
    -------
    Path
        The written folder.
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}-", dir=dest.parent))
    tmp.chmod(0o755)
    try:
        concepts = sorted(data.concepts.items(), key=lambda kv: (KINDS.index(kv[1][0]), kv[0]))
        _write_tsv(
            tmp / "concepts.tsv.gz",
            ("uri", "kind", "code", "reuse", "skill_type"),
            ((uri, *values) for uri, values in concepts),
        )
        _write_tsv(
            tmp / "labels.tsv.gz",
            ("uri", "lang", "preferred", "alternatives"),
            (
                (uri, lang, pref, "|".join(alts))
                for (uri, lang), (pref, alts) in sorted(data.labels.items())
            ),
        )
        _write_tsv(
            tmp / "relations.tsv.gz",
            ("occupation", "skill", "relation"),
            ((occ, skill, rel) for (occ, skill), rel in sorted(data.relations.items())),
        )
        if data.descriptions:
            _write_tsv(
                tmp / "descriptions.tsv.gz",
                ("uri", "lang", "description"),
                ((uri, lang, text) for (uri, lang), text in sorted(data.descriptions.items())),
            )
        meta = {
            "format_version": FORMAT_VERSION,
            "languages": data.languages,
            "concepts": len(data.concepts),
            "relations": len(data.relations),
            "sources": data.sources,
        }
        (tmp / "meta.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
        if dest.exists():
            old = dest.with_name(f".{dest.name}-old")
            shutil.rmtree(old, ignore_errors=True)
            dest.rename(old)
            tmp.rename(dest)
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(dest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return dest


def is_taxonomy_dir(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` holds a taxonomy written by :func:`write_dir`."""
    path = Path(path)
    return all(
        (path / name).is_file() for name in ("meta.json", "concepts.tsv.gz", "labels.tsv.gz")
    )


def read_dir(path: str | os.PathLike[str]) -> TaxonomyData:
    """Read a folder written by :func:`write_dir` back into :class:`TaxonomyData`."""
    path = Path(path)
    meta = json.loads((path / "meta.json").read_text(encoding="utf-8"))
    data = TaxonomyData(sources=list(meta.get("sources", [])))
    for uri, kind, code, reuse, skill_type in _read_tsv(path / "concepts.tsv.gz"):
        data.concepts[uri] = (kind, code, reuse, skill_type)
    for uri, lang, pref, alts in _read_tsv(path / "labels.tsv.gz"):
        data.labels[(uri, lang)] = (pref, tuple(alts.split("|")) if alts else ())
    if (path / "relations.tsv.gz").is_file():
        for occ, skill, rel in _read_tsv(path / "relations.tsv.gz"):
            data.relations[(occ, skill)] = rel
    if (path / "descriptions.tsv.gz").is_file():
        for uri, lang, text in _read_tsv(path / "descriptions.tsv.gz"):
            data.descriptions[(uri, lang)] = text
    return data


# --- official ESCO CSV download ------------------------------------------------------------


def _official_concepts(
    data: TaxonomyData, path: Path, lang: str, kind: str, default_lang: bool
) -> int:
    count = 0
    for line, row in _rows(path, ("conceptUri", "preferredLabel")):
        uri = _clean(row.get("conceptUri"))
        preferred = _clean(row.get("preferredLabel"))
        if not uri.startswith("http"):
            raise TaxonomyImportError(str(path), line, "conceptUri", f"not a URI: {uri!r}")
        if not preferred:
            continue
        old = data.concepts.get(uri, (kind, "", "", ""))
        code = _clean(row.get("iscoGroup") or row.get("code")) or old[1]
        reuse = _clean(row.get("reuseLevel")).rsplit("/", 1)[-1] or old[2]
        skill_type = _clean(row.get("skillType")).rsplit("/", 1)[-1] or old[3]
        if default_lang or uri not in data.concepts:
            data.concepts[uri] = (kind, code, reuse, skill_type)
        data.labels[(uri, lang)] = (preferred, _alternatives(row.get("altLabels"), preferred, "\n"))
        description = _clean(row.get("description"))
        if kind == "occupation" and description:
            data.descriptions[(uri, lang)] = description
        count += 1
    return count


def _official_relations(data: TaxonomyData, path: Path) -> int:
    fresh: dict[tuple[str, str], str] = {}
    for line, row in _rows(path, ("occupationUri", "skillUri", "relationType")):
        occ, skill = _clean(row["occupationUri"]), _clean(row["skillUri"])
        relation = _clean(row["relationType"]).lower()
        if relation not in ("essential", "optional"):
            raise TaxonomyImportError(str(path), line, "relationType", f"unknown {relation!r}")
        fresh[(occ, skill)] = relation
    replaced = {occ for occ, _ in fresh}
    data.relations = {k: v for k, v in data.relations.items() if k[0] not in replaced}
    data.relations.update(fresh)
    return len(fresh)


def official_files(src: str | os.PathLike[str]) -> list[tuple[Path, str, str]]:
    """The ESCO CSV files found under ``src``: (path, kind of file, language)."""
    found = []
    for path in sorted(Path(src).rglob("*.csv")):
        match = _OFFICIAL_FILE.match(path.name)
        if match:
            found.append((path, match.group(1), match.group(2).lower()))
    return found


def _unpack_zips(src: Path, into: Path) -> None:
    """Copy the ESCO CSV files held in any ``.zip`` under ``src`` into ``into``.

    Only members whose file name is an ESCO CSV name are read, each written under its bare
    name (never a path from the archive), one folder per archive.
    """
    for n, archive_path in enumerate(sorted(src.rglob("*.zip"))):
        try:
            with zipfile.ZipFile(archive_path) as archive:
                for info in archive.infolist():
                    name = info.filename.replace("\\", "/").rsplit("/", 1)[-1]
                    if info.is_dir() or not _OFFICIAL_FILE.match(name):
                        continue
                    folder = into / str(n)
                    folder.mkdir(parents=True, exist_ok=True)
                    with archive.open(info) as member, (folder / name).open("wb") as out:
                        shutil.copyfileobj(member, out)
        except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError) as exc:
            raise TaxonomyImportError(
                str(archive_path), None, None, f"cannot unpack: {exc}"
            ) from exc


def import_official(
    src: str | os.PathLike[str],
    base: TaxonomyData | None = None,
    languages: Iterable[str] | None = None,
) -> tuple[TaxonomyData, dict[str, int]]:
    """Merge an official ESCO CSV download into ``base`` (or into an empty taxonomy).

    Concepts and labels are added or replaced per language; an occupation's skill relations
    are replaced when the download has relations for it. English files are read first, so
    that concept attributes come from them when present.

    Parameters
    ----------
    src : path-like
        Folder holding ``skills_xx.csv``, ``occupations_xx.csv``, ``ISCOGroups_xx.csv`` and
        ``occupationSkillRelations_xx.csv`` files, or the ``.zip`` files downloaded from ESCO
        that hold them (subfolders are searched too).
    base : TaxonomyData, optional
    languages : iterable of str, optional
        Read only the label files of these languages (e.g. ``["ar"]``); relations are always
        read.

    Returns
    -------
    (TaxonomyData, dict)
        The merged taxonomy, and row counts read per file name.

    Raises
    ------
    TaxonomyImportError
        If no ESCO file is found, or a file lacks a required column or has a bad row.
    """
    with tempfile.TemporaryDirectory(prefix="esco-") as unpacked:
        _unpack_zips(Path(src), Path(unpacked))
        return _import_official([Path(src), Path(unpacked)], base, languages, str(src))


def _import_official(
    folders: list[Path],
    base: TaxonomyData | None,
    languages: Iterable[str] | None,
    src: str,
) -> tuple[TaxonomyData, dict[str, int]]:
    """The files of ``folders``, merged as :func:`import_official` says."""
    wanted = {lang.lower() for lang in languages} if languages else None
    files = [
        f
        for folder in folders
        for f in official_files(folder)
        if wanted is None or f[1] == "occupationSkillRelations" or f[2] in wanted
    ]
    if not files or (wanted and all(f[1] == "occupationSkillRelations" for f in files)):
        expected = "skills_xx.csv, occupations_xx.csv, ... or the downloaded .zip"
        if wanted:
            expected += f" in {', '.join(sorted(wanted))}"
        raise TaxonomyImportError(src, None, None, f"no ESCO CSV files found (expected {expected})")
    data = base if base is not None else TaxonomyData()
    counts: dict[str, int] = {}
    kinds = {"skills": "skill", "occupations": "occupation", "ISCOGroups": "isco_group"}
    for path, what, lang in sorted(files, key=lambda f: (f[2] != "en", f[2], f[1])):
        if what == "occupationSkillRelations":
            counts[path.name] = _official_relations(data, path)
        else:
            counts[path.name] = _official_concepts(data, path, lang, kinds[what], lang == "en")
    data.sources.append(f"official ESCO CSV download: {', '.join(sorted(counts))}")
    return data, counts


# --- prepared files in shared/data/esco ----------------------------------------------------


def import_prepared(src: str | os.PathLike[str]) -> TaxonomyData:
    """Read the prepared (reformatted) ESCO files of ``shared/data/esco``."""
    src = Path(src)
    data = TaxonomyData(sources=["ESCO v1.1.1 (en), French labels v1.1.1 + v1.0.x, Spanish v1.0.x"])
    for _, row in _rows(src / "skills.csv.gz", ("uri", "preferred_label")):
        data.concepts[row["uri"]] = ("skill", "", row["reuse_level"], row["skill_type"])
    for _, row in _rows(src / "occupations.csv.gz", ("uri", "isco_group")):
        data.concepts[row["uri"]] = ("occupation", row["isco_group"], "", "")
    for _, row in _rows(src / "isco_groups.csv.gz", ("uri", "code")):
        data.concepts[row["uri"]] = ("isco_group", row["code"], "", "")
    for lang in ("en", "fr", "es"):
        for _, row in _rows(src / f"labels_{lang}.csv.gz", ("uri", "preferred_label")):
            if row["uri"] in data.concepts and row["preferred_label"].strip():
                pref = _clean(row["preferred_label"])
                data.labels[(row["uri"], lang)] = (
                    pref,
                    _alternatives(row["alt_labels"], pref, "|"),
                )
                description = _clean(row.get("description"))
                if row.get("concept_type") == "occupation" and description:
                    data.descriptions[(row["uri"], lang)] = description
    for _, row in _rows(src / "occupation_skill.csv.gz", ("occupation_uri", "skill_uri")):
        if row["occupation_uri"] in data.concepts and row["skill_uri"] in data.concepts:
            data.relations[(row["occupation_uri"], row["skill_uri"])] = row["relation"]
    return data


def main(argv: list[str] | None = None) -> None:
    """``python -m matching.esco_import (--prepared | --official) SRC DEST``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--prepared", action="store_true", help="SRC is shared/data/esco")
    parser.add_argument("src")
    parser.add_argument("dest")
    args = parser.parse_args(argv)
    data = import_prepared(args.src) if args.prepared else import_official(args.src)[0]
    write_dir(data, args.dest)


if __name__ == "__main__":
    main()
