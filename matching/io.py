"""Reading the interchange files (JSON Lines) into records.

Errors carry the file, the 1-based line number and the field, because programme staff fix
these files by hand in a spreadsheet or editor and need to find the cell at once.

Blank lines (empty or only whitespace) are skipped, so a trailing newline or an empty line
left by a spreadsheet export does not stop an import; line numbers still count them. A UTF-8
byte-order mark at the start of the file is ignored.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from os import PathLike
from pathlib import Path
from typing import Any, TypeVar

from matching.records import Expert, Need, RecordError, expert_from_dict, need_from_dict

__all__ = ["InterchangeError", "read_experts", "read_needs", "read_records"]

T = TypeVar("T", Expert, Need)


class InterchangeError(ValueError):
    """An interchange file cannot be read.

    Parameters
    ----------
    path : str
        The file, as given.
    line : int or None
        1-based line number (None when the file itself cannot be opened or decoded).
    field : str or None
        The offending field (``(json)`` for a line that is not valid JSON).
    message : str
        What is wrong.
    """

    def __init__(self, path: str, line: int | None, field: str | None, message: str) -> None:
        self.path = path
        self.line = line
        self.field = field
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        where = [self.path]
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.field is not None:
            where.append(f"field {self.field}")
        return f"{', '.join(where)}: {self.message}"


def _lines(path: Path, name: str) -> Iterator[tuple[int, str]]:
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise InterchangeError(name, None, None, f"cannot open file: {exc.strerror}") from None
    with handle:
        for number, raw in enumerate(handle, start=1):
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise InterchangeError(name, number, "(encoding)", "not valid UTF-8") from None
            if text.strip():
                yield number, text


def read_records(path: str | PathLike[str], build: Callable[[Mapping[str, Any]], T]) -> list[T]:
    """Read one JSON Lines file with ``build`` applied to every object.

    Parameters
    ----------
    path : path-like
        The JSON Lines file.
    build : callable
        :func:`~matching.records.expert_from_dict` or :func:`~matching.records.need_from_dict`.

    Returns
    -------
    list
        Records in file order.

    Raises
    ------
    InterchangeError
        On the first malformed line, invalid field or duplicate ``id``.
    """
    name = str(path)
    records: list[T] = []
    first_line: dict[str, int] = {}
    for number, text in _lines(Path(path), name):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InterchangeError(name, number, "(json)", f"malformed JSON: {exc.msg}") from None
        try:
            record = build(data)
        except RecordError as exc:
            raise InterchangeError(name, number, exc.field, exc.message) from None
        if record.id in first_line:
            raise InterchangeError(
                name,
                number,
                "id",
                f"duplicate id {record.id!r} (first on line {first_line[record.id]})",
            )
        first_line[record.id] = number
        records.append(record)
    return records


def read_experts(path: str | PathLike[str]) -> list[Expert]:
    """Read an ``experts.jsonl`` file; see :func:`read_records`."""
    return read_records(path, expert_from_dict)


def read_needs(path: str | PathLike[str]) -> list[Need]:
    """Read a ``needs.jsonl`` file; see :func:`read_records`."""
    return read_records(path, need_from_dict)
