"""Rendering many replies: one result per input row, in order, nothing dropped.

A campaign is a list of rows (customers, orders). Each row gives its values, and
optionally its own key, locale, or a message to detect the language from. Every
row yields exactly one :class:`BatchResult`: a reply, or the reason it failed. A
bad row never stops the batch. With ``jobs > 1`` rows are rendered in worker
processes, in chunks, and come back in input order.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import multiprocessing
import pickle
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from ._paths import from_cwd
from .catalog import Channel
from .errors import CatalogueError, RenderError, ReplykitError
from .render import Reply

if TYPE_CHECKING:
    from .library import Library

#: Rows sent to a worker at a time: large enough to amortise the hand-over.
CHUNK = 512


@dataclass(frozen=True)
class BatchResult:
    """The outcome of one row: ``reply`` or ``error`` (1-based ``row`` number).

    ``kept`` holds the input fields the batch was asked to carry over
    (``BatchSpec.keep``: an id or e-mail column), for every row, failed or not.
    """

    row: int
    reply: Reply | None = None
    error: str | None = None
    kept: Mapping[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def to_dict(self) -> dict[str, Any]:
        """The output line: row, the kept input fields, then the reply or the error."""
        out: dict[str, Any] = {"row": self.row}
        if self.kept is not None:
            out["input"] = dict(self.kept)
        if self.reply is None:
            out["error"] = self.error
            return out
        out.update(
            key=self.reply.key,
            locale=self.reply.locale,
            requested_locale=self.reply.requested_locale,
            fell_back=self.reply.fell_back,
            channel=self.reply.channel,
            subject=self.reply.subject,
            body=self.reply.body,
        )
        if self.reply.html is not None:
            out["html"] = self.reply.html
        if self.reply.defects:
            out["defects"] = [str(d) for d in self.reply.defects]
        return out


@dataclass(frozen=True)
class BatchSpec:
    """How a row becomes a render call."""

    key: str | None = None
    key_field: str | None = None
    locale_field: str | None = None
    detect_field: str | None = None
    channel: Channel = "email"
    strict: bool = False
    #: Input fields copied into every output line (``input``), e.g. ``("id", "email")``.
    keep: tuple[str, ...] = ()
    #: The catalogue folder as the output's reader names it: files in errors are named under it.
    folder: str | None = None
    #: Whether each reply opens a conversation (None: an e-mail does, a chat or SMS does not).
    opening: bool | None = None

    def __post_init__(self) -> None:
        if (self.key is None) == (self.key_field is None):
            raise ValueError("give exactly one of key (the same template for every row) or key_field")


def render_rows(
    library: Library,
    rows: Iterable[Mapping[str, Any] | BaseException],
    spec: BatchSpec,
    *,
    jobs: int = 1,
) -> Iterator[BatchResult]:
    """One result per row, in input order; ``jobs`` worker processes when > 1.

    A row may be an exception (for example a line that was not valid JSON): it
    becomes that row's error, so the numbering stays true to the input.
    """
    for chunk in _map(library, spec, jobs, _render_chunk, _chunks(enumerate(rows, start=1), CHUNK)):
        yield from chunk


@dataclass(frozen=True)
class Block:
    """Output for a run of rows: the JSON lines of replies and of errors, and counts."""

    replies: str
    errors: str
    rows: int
    failed: int
    #: Rows answered in another locale than their own (``Reply.fell_back``).
    fell_back: int = 0
    #: The errors' messages with their numbers blanked, at most two: tells "every row failed alike".
    error_kinds: frozenset[str] = frozenset()


def render_blocks(
    library: Library,
    rows: Iterable[Mapping[str, Any] | BaseException | str],
    spec: BatchSpec,
    *,
    jobs: int = 1,
    start_method: str | None = None,
) -> Iterator[Block]:
    """Like :func:`render_rows`, as blocks of JSON lines; a row may be a raw JSON line.

    The workers parse, render and serialise whole chunks, so the parent only
    reads and writes text: throughput grows with the cores. ``start_method`` is
    as for :func:`render_jsonl`.
    """
    yield from _map(library, spec, jobs, _block_chunk, _chunks(enumerate(rows, start=1), CHUNK), start_method)


def render_jsonl(
    library: Library,
    source: Path | JsonlRows,
    spec: BatchSpec,
    *,
    jobs: int = 1,
    start_method: str | None = None,
) -> Iterator[Block]:
    """Render a JSON Lines file, handing workers raw blocks of lines.

    The parent reads bytes and writes text; decoding, parsing, rendering and
    serialising all happen in the workers, so the parent stays out of their way.
    ``start_method="fork"`` lets a single-threaded caller (the CLI) hand its warm
    library to the workers instead of loading it again in each.
    """
    if isinstance(source, Path):
        with JsonlRows(source) as rows:
            yield from _map(library, spec, jobs, _bytes_block, rows.blocks(), start_method)
    else:
        yield from _map(library, spec, jobs, _bytes_block, source.blocks(), start_method)


#: Bytes of one JSON Lines row; a longer line is that row's error and is skipped, not kept.
MAX_ROW_BYTES = 16 * 1024 * 1024


class JsonlRows:
    """A JSON Lines file opened for a batch: the fields its first rows use, then its lines.

    The first :attr:`PEEK` lines are read ahead (once: the input may be a pipe) so
    that the field names a batch relies on can be checked before any row is rendered.
    """

    PEEK = 100

    def __init__(self, source: Path | BinaryIO) -> None:
        try:
            handle = source.open("rb") if isinstance(source, Path) else source
        except OSError as exc:
            raise CatalogueError(f"cannot read {source}: {exc.strerror}", file=str(source)) from None
        self._handle = handle if hasattr(handle, "peek") else io.BufferedReader(handle)  # type: ignore[type-var]
        if self._handle.peek(3)[:3] == codecs.BOM_UTF8:  # as some editors write; not part of row 1
            self._handle.read(3)
        lines: list[bytes] = []
        while len(lines) < self.PEEK:
            line = self._handle.readline(MAX_ROW_BYTES + 1)
            lines.append(line)
            if not line.endswith(b"\n"):  # the end, or a line too long to read ahead
                break
        self._ahead = b"".join(lines)
        self.fields = sorted({name for line in lines for name in _names_in(line)})

    def __enter__(self) -> JsonlRows:
        return self

    def __exit__(self, *exc: object) -> None:
        self._handle.close()

    def blocks(self, size: int = 1 << 18) -> Iterator[tuple[int, bytes]]:
        """``(number of the first row, whole lines)`` blocks of about ``size`` bytes.

        A line over :data:`MAX_ROW_BYTES` comes as a block of its own holding only
        ``b"\\0"`` (not JSON, so it becomes that row's error) and is never held whole.
        """
        number = 1
        rest = b""
        skipping = False  # inside a line that is too long
        ahead, self._ahead = self._ahead, b""
        while True:
            data = ahead or self._handle.read(size)
            ahead = b""
            if not data:
                if rest.strip():
                    yield number, rest
                return
            if skipping:
                end = data.find(b"\n")
                if end < 0:
                    continue
                data, skipping = data[end + 1 :], False
            data = rest + data
            cut = data.rfind(b"\n") + 1
            block, rest = data[:cut], data[cut:]
            if block:
                yield number, block
                number += sum(1 for line in block.split(b"\n") if line.strip())
            if len(rest) > MAX_ROW_BYTES:
                yield number, TOO_LONG
                number += 1
                rest, skipping = b"", True


def _names_in(line: bytes) -> list[str]:
    """The field names of one JSON line, dotted for nested objects (``customer.first_name``)."""
    try:
        row = json.loads(line)
    except (ValueError, RecursionError):
        return []
    names: list[str] = []
    stack: list[tuple[str, Any]] = [("", row)] if isinstance(row, dict) else []
    while stack and len(names) < 1000:
        prefix, value = stack.pop()
        for name, child in value.items():
            names.append(prefix + str(name))
            if isinstance(child, dict) and prefix.count(".") < 4:
                stack.append((f"{prefix}{name}.", child))
    return names


#: The stand-in for a line over the size limit (see :func:`jsonl_blocks`).
TOO_LONG = b"\0"


def _map(
    library: Library,
    spec: BatchSpec,
    jobs: int,
    work: Callable[[Any], Any],
    items: Iterable[Any],
    start_method: str | None = None,
) -> Iterator[Any]:
    """``work`` over ``items``, results in order: here, or in ``jobs`` worker processes."""
    if jobs <= 1:
        _init_worker(library, spec)
        yield from map(work, items)
        return
    with _pool(jobs, library, spec, start_method) as pool:
        yield from pool.imap(work, items)


def _bytes_block(item: tuple[int, bytes]) -> Block:
    number, block = item
    rows: list[tuple[int, Any]] = []
    for raw in block.split(b"\n"):
        if not raw.strip():
            continue
        if raw == TOO_LONG:
            rows.append((number, ValueError(f"line is over the limit of {MAX_ROW_BYTES:,} bytes")))
            number += 1
            continue
        try:
            rows.append((number, raw.decode("utf-8")))
        except UnicodeDecodeError as exc:
            rows.append((number, ValueError(f"line is not valid UTF-8 ({exc.reason} at byte {exc.start})")))
        number += 1
    return _block_chunk(rows)


def _pool(jobs: int, library: Library, spec: BatchSpec, start_method: str | None = None) -> Any:
    methods = multiprocessing.get_all_start_methods()
    if start_method == "fork" and "fork" in methods:
        _init_worker(library, spec)  # the forked workers inherit it, warm
        return multiprocessing.get_context("fork").Pool(jobs)
    try:  # the library goes to each worker as a pickle: say so plainly when it cannot
        pickle.dumps(library)
    except (pickle.PicklingError, TypeError, AttributeError) as exc:
        raise RenderError(
            f"jobs={jobs} sends the library to worker processes, but it cannot be pickled ({exc}); "
            "make Library.clock and Library.detector picklable, such as a module-level function "
            "or a functools.partial, or use jobs=1"
        ) from None
    # forkserver: workers start from a clean process that has replykit imported
    # (fork would copy whatever threads and locks the caller holds).
    context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    if "forkserver" in methods:
        context.set_forkserver_preload(["replykit"])
    return context.Pool(jobs, initializer=_init_worker, initargs=(library, spec))


def render_row(library: Library, number: int, row: Mapping[str, Any] | BaseException, spec: BatchSpec) -> BatchResult:
    """Render one row; every failure becomes the row's error, never an exception."""
    try:
        if isinstance(row, BaseException):
            raise row
        if not isinstance(row, Mapping):
            raise ValueError(f"a row must be an object of fields, got {type(row).__name__}")
        values = expand(row)
        kept = {name: _field(values, name) for name in spec.keep} if spec.keep else None
        key = spec.key if spec.key is not None else str(_text(values, spec.key_field, "key"))
        locale = _text(values, spec.locale_field, "locale", required=False) if spec.locale_field else None
        options: dict[str, Any] = {
            "channel": spec.channel,
            "strict": spec.strict,
            "unknown": "ignore",
            "opening": spec.opening,
        }
        if spec.detect_field:
            message = _text(values, spec.detect_field, "message", required=False) or ""
            detection = library.detect(message, hints=locale)
            reply = library.render_values(key, values, locale=detection.locale, **options)
            reply = _with_detection(reply, detection)
        else:
            reply = library.render_values(key, values, locale=locale, **options)
        if reply.defects and spec.folder:
            reply = replace(reply, defects=tuple(from_cwd(d, spec.folder) for d in reply.defects))
        return BatchResult(number, reply=reply, kept=kept)
    except ReplykitError as exc:
        error = str(from_cwd(exc, spec.folder))
    except (ValueError, TypeError, KeyError) as exc:
        error = f"bad row: {exc}"
    except Exception as exc:  # a bug must not cost the other rows; report it on this one
        error = f"internal error ({type(exc).__name__}): {exc}"
    kept = None
    if spec.keep:
        try:
            kept = {name: _field(expand(row), name) for name in spec.keep}  # type: ignore[arg-type]
        except Exception:  # the row is not readable at all: it keeps nothing
            kept = dict.fromkeys(spec.keep)
    return BatchResult(number, error=error, kept=kept)


def _with_detection(reply: Reply, detection: Any) -> Reply:
    return replace(reply, detection=detection)


def _field(values: Mapping[str, Any], field: str) -> Any:
    """The value at a dotted field name (``customer.locale``), or None."""
    value: Any = values
    for part in field.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def _text(values: Mapping[str, Any], field: str | None, what: str, *, required: bool = True) -> str | None:
    value = _field(values, field or "")
    if value is None or value == "":
        if required:
            raise ValueError(f"no {what} in field {field!r}")
        return None
    return str(value)


def expand(row: Mapping[str, Any]) -> dict[str, Any]:
    """Dotted names nest (``customer.first_name``) and JSON text in a cell is read as JSON.

    The order of the columns does not matter: a plain value given beside dotted
    fields of the same name (``amount`` and ``amount.currency``) becomes their
    ``value`` (``{"value": "12.50", "currency": "USD"}``), and an empty cell
    never wipes them.
    """
    out: dict[str, Any] = {}
    for name, value in row.items():
        if isinstance(value, str) and value[:1] in ("{", "["):
            try:
                value = json.loads(value)
            except (ValueError, RecursionError):
                pass
        target = out
        *parents, last = str(name).split(".")
        for part in parents:
            child = target.get(part)
            if not isinstance(child, dict):
                child = target[part] = {} if child in ("", None) else {"value": child}
            target = child
        current = target.get(last)
        if isinstance(current, dict) and isinstance(value, Mapping):
            current.update(value)
        elif isinstance(current, dict):
            if value not in ("", None):
                current["value"] = value
        else:
            target[last] = value
    return out


def _chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


_worker: tuple[Library, BatchSpec] | None = None


def _init_worker(library: Library, spec: BatchSpec) -> None:
    global _worker  # noqa: PLW0603 - the per-process state of a pool worker
    _worker = (library, spec)


def _render_chunk(chunk: list[tuple[int, Any]]) -> list[BatchResult]:
    assert _worker is not None
    library, spec = _worker
    return [render_row(library, number, row, spec) for number, row in chunk]


def _block_chunk(chunk: list[tuple[int, Any]]) -> Block:
    assert _worker is not None
    library, spec = _worker
    replies: list[str] = []
    errors: list[str] = []
    fell_back = 0
    kinds: set[str] = set()
    for number, row in chunk:
        result = render_row(library, number, parse_row(number, row) if isinstance(row, str) else row, spec)
        (replies if result.ok else errors).append(to_line(result))
        if result.reply is not None and result.reply.fell_back:
            fell_back += 1
        if result.error is not None and len(kinds) < 2:
            kinds.add(_NUMBERS.sub("N", result.error))
    return Block("".join(replies), "".join(errors), len(chunk), len(errors), fell_back, frozenset(kinds))


_NUMBERS = re.compile(r"\d+")


def parse_row(number: int, line: str) -> Any:
    """One JSON Lines row, or the ``ValueError`` that becomes that row's error line."""
    try:
        return json.loads(line)
    except ValueError as exc:
        return ValueError(f"row {number} is not valid JSON: {exc}")
    except RecursionError:
        return ValueError(f"row {number} is nested too deeply to read")


# -- files ---------------------------------------------------------------------------


def read_csv_rows(path: Path, delimiter: str | None = None) -> Iterator[Mapping[str, Any] | BaseException]:
    """Rows of a CSV file whose first line names the fields, read strictly (see :class:`CsvRows`)."""
    with CsvRows(path, delimiter) as rows:
        yield from rows


#: Cell separators a CSV file may use; Excel writes ``;`` where the decimal mark is a comma.
DELIMITERS = (",", ";", "\t", "|")


class CsvRows:
    """A CSV file opened for a batch: its header (``fields``), then its rows, read strictly.

    Every physical line is accounted for: it belongs to exactly one row or to one
    row's error. A UTF-8 byte order mark (as Excel writes) is skipped. The cell
    separator is the one of :data:`DELIMITERS` the header uses most, unless given.
    A line with more or fewer cells than the header, bytes that are not UTF-8, a
    stray or unclosed quote, or a quoted cell that swallows lines which look like
    rows of their own yields a ``ValueError`` naming the line in its place: that
    row fails and reading goes on at the next line, so one mistake never merges
    customers.
    """

    def __init__(self, source: Path | BinaryIO, delimiter: str | None = None) -> None:
        path = source if isinstance(source, Path) else Path("-")
        try:
            binary = source.open("rb") if isinstance(source, Path) else source
        except OSError as exc:
            raise CatalogueError(f"cannot read {path}: {exc.strerror}", file=str(path)) from None
        self._handle = io.TextIOWrapper(binary, encoding="utf-8-sig", errors="surrogateescape", newline="")
        try:
            self.fields = self._header(path, delimiter)
        except BaseException:
            self._handle.close()
            raise

    def _header(self, path: Path, delimiter: str | None) -> list[str]:
        first = self._handle.readline()
        self.delimiter = delimiter or max(DELIMITERS, key=lambda d: (first.count(d), d == ","))
        self._lines = _Lines(self._handle, first)
        header = _next_record(self._lines, 0, self.delimiter)
        if isinstance(header, ValueError):
            raise CatalogueError(f"{path}: the header {header}", file=str(path))
        if header is None:
            return []
        if _undecodable(header):
            raise CatalogueError(f"{path}: the header is not valid UTF-8; save the file as UTF-8", file=str(path))
        twice = sorted({name for name in header if header.count(name) > 1})
        if twice:  # one of the two columns would be lost in every row
            raise CatalogueError(
                f"{path}: the header names {', '.join(map(repr, twice))} twice; rename one", file=str(path)
            )
        return header

    def __enter__(self) -> CsvRows:
        return self

    def __exit__(self, *exc: object) -> None:
        self._handle.close()

    def __iter__(self) -> Iterator[Mapping[str, Any] | BaseException]:
        header, lines = self.fields, self._lines
        if not header:
            return
        while True:
            first = lines.number + 1
            cells = _next_record(lines, len(header), self.delimiter)
            if cells is None:
                return
            where = f"line {first}"
            if isinstance(cells, ValueError):
                yield ValueError(f"{where} {cells}")
            elif not cells:
                continue  # a blank line
            elif _undecodable(cells):
                yield ValueError(f"{where} is not valid UTF-8; save the file as UTF-8")
            elif len(cells) != len(header):
                yield ValueError(
                    f"{where} has {len(cells)} cells, the header has {len(header)}; "
                    f"check for a stray {_name(self.delimiter)} or an unclosed quote"
                )
            else:
                yield dict(zip(header, cells, strict=True))


def field_problems(
    spec: BatchSpec, fields: Sequence[str], *, csv_header: bool, variables: Sequence[str] = ()
) -> list[str]:
    """What is wrong with the field names a batch relies on, checked before any row is rendered.

    Every named field (key, locale, message, kept fields) must be a column of the
    CSV header, or appear in the first rows of JSON Lines. A column that is not a
    variable of the template but is spelled like one is a typo (``custmer.first_name``).
    """
    if not fields:
        return []
    where = "the header" if csv_header else f"the first {JsonlRows.PEEK} rows"
    kind = "column" if csv_header else "field"
    listing = ", ".join(fields[:12]) + (", ..." if len(fields) > 12 else "")
    problems = []
    named = [
        ("--key-field", spec.key_field),
        ("--locale-field", spec.locale_field),
        ("--detect-field", spec.detect_field),
    ]
    named += [("--keep", name) for name in spec.keep]
    for option, name in named:
        if name and name not in fields and not any(f.startswith(name + ".") for f in fields):
            problems.append(f"{option}: {kind} {name!r} is not in {where} ({listing}){_did_you_mean(name, fields)}")
    if variables and csv_header:
        used = {name for _, name in named if name}
        for column in fields:
            top = column.split(".", 1)[0]
            if top in variables or column in used or top in ("shop", "agent"):
                continue
            hint = _did_you_mean(top, variables, cutoff=80)
            if hint:
                problems.append(f"column {column!r} is not a variable of {spec.key}{hint}")
    return problems


def _did_you_mean(name: str, choices: Sequence[str], cutoff: int = 60) -> str:
    from rapidfuzz import fuzz, process

    found = process.extractOne(name, list(choices), scorer=fuzz.ratio, score_cutoff=cutoff)
    return f"; did you mean {found[0]!r}?" if found else ""


def _name(delimiter: str) -> str:
    return {",": "comma", ";": "semicolon", "\t": "tab", "|": "bar"}.get(delimiter, repr(delimiter))


class _Lines:
    """The physical lines of a file, numbered; the lines of a record that failed can be read again."""

    def __init__(self, handle: Any, first: str = "") -> None:
        self.handle = handle
        self.number = 0  # of the last line handed out
        self.taken: list[tuple[int, str]] = []  # the lines of the record being read
        self._again: list[tuple[int, str]] = [(1, first)] if first else []  # a line read ahead

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        if self._again:
            self.number, line = self._again.pop()
        else:
            line = self.handle.readline()
            if not line:
                raise StopIteration
            self.number += 1
        self.taken.append((self.number, line))
        return line

    def read_again_after_first(self) -> None:
        """Hand out every line of the failed record but its first once more."""
        self._again.extend(reversed(self.taken[1:]))
        if len(self.taken) > 1:
            self.number = self.taken[0][0]


def _next_record(lines: _Lines, width: int = 0, delimiter: str = ",") -> list[str] | ValueError | None:
    """The next record's cells, a ValueError for a malformed one (reading goes on at its
    second line), or None at the end of the file."""
    lines.taken = []
    try:
        cells = next(csv.reader(lines, strict=True, delimiter=delimiter))
    except StopIteration:
        return None
    except csv.Error as exc:
        lines.read_again_after_first()
        return ValueError(_csv_problem(str(exc)))
    raw = [line for _, line in lines.taken]
    if sum(line.count('"') for line in raw) % 2:
        return ValueError('has a stray quote ("); quote the whole cell and double the quotes inside it')
    if len(raw) > 1 and width > 1 and any(_looks_like_a_row(line, width, delimiter) for line in raw[1:]):
        lines.read_again_after_first()
        return ValueError(
            f"has a quoted cell that runs on to line {lines.taken[-1][0]}, over lines that look like rows "
            "of their own; close the quote at the end of the cell"
        )
    return cells


def _looks_like_a_row(line: str, width: int, delimiter: str) -> bool:
    try:
        return len(next(csv.reader([line], strict=True, delimiter=delimiter), [])) == width
    except csv.Error:
        return False


def _csv_problem(message: str) -> str:
    if "field larger than field limit" in message:  # the csv module's own limit on one cell
        return f"has a cell over {csv.field_size_limit():,} characters; shorten it (or a quote is not closed)"
    if "unexpected end of data" in message:
        return "has a quote that is never closed; close it at the end of the cell"
    if "expected after" in message:
        return "has a quote that ends in the middle of a cell; quote the whole cell and double the quotes inside it"
    return f"is not valid CSV ({message}); check its quotes"


def _undecodable(cells: list[str]) -> bool:
    """True when a cell holds bytes that were not UTF-8 (kept as lone surrogates)."""
    return any(not cell.isascii() and any("\udc80" <= ch <= "\udcff" for ch in cell) for cell in cells)


def count_rows(path: Path, fmt: str, delimiter: str | None = None) -> int | None:
    """How many rows a regular file has, for the progress bar (None for a pipe)."""
    if not path.is_file():
        return None
    if fmt == "csv":
        with CsvRows(path, delimiter) as rows:
            return sum(1 for _ in rows)
    with path.open("rb") as handle:
        return sum(1 for line in handle if line.strip())


def to_line(result: BatchResult) -> str:
    """One JSON line; text that cannot be written as UTF-8 (a lone surrogate) goes in ``\\u`` escapes."""
    data = result.to_dict()
    line = json.dumps(data, ensure_ascii=False)
    try:
        line.encode("utf-8")
    except UnicodeEncodeError:
        line = json.dumps(data)
    return line + "\n"
