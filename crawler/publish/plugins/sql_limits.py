"""Limits on what one SQL query can make this Datasette do, set on every connection it opens.

Datasette's `sql_time_limit_ms` is checked every 1,000 SQLite VM instructions, so one call of a
C function (`printf('%.*c', 999999999, 'x')`, `hex(zeroblob(499999999))`) runs to its end
however long it takes and allocates whatever it asks for, and a query whose rows are each
large fills the process with them before the next check. Every connection gets:

- length limits, so a function asked for a huge string or blob fails at once with "string or
  blob too big";
- `printf`/`format` that refuse, with the same error, widths and precisions adding up past the
  length limit (SQLite 3.40's printf writes `%.*c` one character at a time, limit or not);
- a process-wide cap on SQLite's heap, so values built at once by many columns or concurrent
  queries fail with "out of memory";
- `instr` and `replace` that search in linear time, and a bound on LIKE/GLOB patterns, so one
  call cannot run for hours on long strings;
- a memory watch: while the process holds more than MEMORY_BUDGET bytes, every running query
  is interrupted (Datasette then answers "SQL query took too long"), which bounds the rows a
  query can pile up in Python;
- an authorizer that refuses `fts3_tokenizer` (its two-argument form registers a tokenizer
  from a raw pointer, its one-argument form returns one: a known SQLite attack primitive,
  enabled in this SQLite by SQLITE_ENABLE_FTS3_TOKENIZER) and `load_extension`, and that reads
  `pragma_database_list.file`, the database's path on this host, as null.
"""

from __future__ import annotations

import ctypes
import math
import re
import sqlite3
import sys
import threading
import time
from collections.abc import Callable

from datasette import hookimpl

# The largest string, blob or row SQLite may build or read. It must stay above the largest
# value the archive holds, because reading a longer stored value fails too: reports.text, a
# report's full text (tens of KB for a real report, several MB for the longest) and
# raw_tables.grid (one table as JSON); 32 MiB is several times either. Originals are files,
# not values.
MAX_LENGTH = 32 * 1024 * 1024
# Datasette's own queries, the canned queries and the schema's views are a few KB; a query
# typed into the page arrives in a URL, which the HTTP server already bounds.
MAX_SQL_LENGTH = 256 * 1024
# The widest table or view has under 100 columns; each result column can hold MAX_LENGTH.
MAX_COLUMNS = 500
# SQLite's heap in the whole process: page caches (SQLite's default 2 MB a connection, which
# also bounds a sort's memory before it spills to a temporary file) and the values of the
# queries running at once (Datasette's num_sql_threads is 3), each holding a few values of up
# to MAX_LENGTH. Past it an allocation fails with SQLITE_NOMEM.
HEAP_LIMIT = 8 * MAX_LENGTH
# Heap in use (malloc'd, SQLite's and Python's) above which running queries are interrupted.
# Serving a page takes tens of MB; a response is rendered from rows already fetched (JSON
# copies them about twice over), so the process peaks at a few times this.
MEMORY_BUDGET = 512 * 1024 * 1024
WATCH_INTERVAL = 0.05  # seconds

DENIED_FUNCTIONS = frozenset({"fts3_tokenizer", "load_extension"})
# (table, column) read as null.
HIDDEN_COLUMNS = frozenset({("pragma_database_list", "file")})


def authorizer(action: int, arg1: str | None, arg2: str | None, db: str | None,
               source: str | None) -> int:
    """sqlite3 authorizer callback, called while a statement is prepared: once per function
    called and per column read."""
    if action == sqlite3.SQLITE_FUNCTION and (arg2 or "").lower() in DENIED_FUNCTIONS:
        return sqlite3.SQLITE_DENY
    if action == sqlite3.SQLITE_READ and ((arg1 or "").lower(), (arg2 or "").lower()) in HIDDEN_COLUMNS:
        return sqlite3.SQLITE_IGNORE
    return sqlite3.SQLITE_OK


# ── printf / format ──────────────────────────────────────────────────────────

# One conversion as SQLite's printf reads it: flags, width (digits or *), precision, l or ll,
# the conversion character.
DIRECTIVE = re.compile(r"%[-+ #!0,]*(\*|[1-9][0-9]*)?(?:\.(\*|[0-9]*))?(?:ll?)?(.?)", re.S)
TAKES_ARGUMENT = frozenset("dsgzqQwcouxXfeEGirp")
TAKES_NONE = frozenset("%n")
NUMBER = re.compile(r"\s*[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def _as_int(value: object) -> int:
    """A * width or precision as SQLite reads it (sqlite3_value_int64), or more: enough to
    bound it."""
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    if isinstance(value, str):
        match = NUMBER.match(value)
        value = float(match.group()) if match else 0
    if isinstance(value, float):
        return int(value) if math.isfinite(value) else MAX_LENGTH + 1
    return value if isinstance(value, int) else 0


def printf_size(fmt: object, args: tuple) -> int:
    """The sum of a printf format's widths and precisions, `*` ones read from args: what
    SQLite's printf writes (or, past the length limit, loops over) at least."""
    text = fmt.decode("utf-8", "replace") if isinstance(fmt, bytes) else str(fmt)
    total, i = 0, 0
    for match in DIRECTIVE.finditer(text):
        width, precision, conversion = match.groups()
        for spec in (width, precision):
            if spec == "*":
                total += abs(_as_int(args[i])) if i < len(args) else 0
                i += 1
            elif spec:
                total += int(spec)
        if conversion in TAKES_ARGUMENT:
            i += 1
        elif conversion not in TAKES_NONE:
            break  # SQLite stops formatting at an unknown conversion
    return total


_builtins = threading.local()


def _builtin(name: str, args: tuple) -> object:
    """Call SQLite's own function `name`, shadowed on the served connections, on a private
    connection of this thread."""
    conn = getattr(_builtins, "conn", None)
    if conn is None:
        conn = _builtins.conn = sqlite3.connect(":memory:")
        conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_LENGTH)
    return conn.execute(f"select {name}({', '.join('?' * len(args))})", args).fetchone()[0]


def _guarded(name: str) -> Callable[..., object]:
    def call(*args: object) -> object:
        if args and args[0] is not None and printf_size(args[0], args[1:]) > MAX_LENGTH:
            # Python's sqlite3 reports an OverflowError as SQLITE_TOOBIG.
            raise OverflowError(f"{name} width or precision over the length limit")
        return _builtin(name, args)
    return call


# ── searches in one C call ───────────────────────────────────────────────────

# SQLite's instr and replace compare the needle at every offset of the haystack: one C call of
# haystack × needle steps, which the time limit cannot stop (instr of a 0.5 MB needle in 1 MB
# took seconds; at MAX_LENGTH, hours). Python's search is linear (two-way for long needles).
# LIKE and GLOB patterns are bounded instead (MAX_PATTERN_LENGTH), which bounds their cost to
# the text's length times the pattern's.
MAX_PATTERN_LENGTH = 1000


def _text(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value if isinstance(value, str) else str(value)


def sql_instr(haystack: object, needle: object) -> int | None:
    """SQLite's instr(X, Y): the 1-based position of Y in X (bytes for two blobs, else
    characters), 0 when absent, null when either is null."""
    if haystack is None or needle is None:
        return None
    if isinstance(haystack, bytes) and isinstance(needle, bytes):
        return haystack.find(needle) + 1
    return _text(haystack).find(_text(needle)) + 1


def sql_replace(text: object, old: object, new: object) -> str | None:
    """SQLite's replace(X, Y, Z): every Y in X replaced by Z; X itself when Y is empty."""
    if text is None or old is None or new is None:
        return None
    old = _text(old)
    return _text(text) if old == "" else _text(text).replace(old, _text(new))


# ── memory watch ─────────────────────────────────────────────────────────────

class _MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
        "fordblks", "keepcost")]


def heap_in_use_reader() -> Callable[[], int] | None:
    """Bytes the C heap has handed out and not taken back (glibc's mallinfo2), or None where
    there is no mallinfo2. Unlike the resident size, it falls as soon as memory is freed."""
    try:
        mallinfo2 = ctypes.CDLL(None).mallinfo2
    except (OSError, AttributeError):
        return None
    mallinfo2.restype = _MallInfo2

    def in_use() -> int:
        info = mallinfo2()
        return info.uordblks + info.hblkhd
    return in_use


class MemoryWatch:
    """Interrupts every query on the connections it knows while the heap is over budget."""

    def __init__(self, budget: int, interval: float) -> None:
        self.budget, self.interval = budget, interval
        self.in_use = heap_in_use_reader()
        self.lock = threading.Lock()
        # Datasette keeps one connection per database and thread (two where it reads and
        # writes from the same thread); a throwaway connection replaces the previous one.
        self.connections: dict[tuple[int, str], list[sqlite3.Connection]] = {}
        self.thread: threading.Thread | None = None

    def add(self, database: str, conn: sqlite3.Connection) -> None:
        if self.in_use is None:
            return
        with self.lock:
            kept = self.connections.setdefault((threading.get_ident(), database), [])
            kept[:] = [*kept[-1:], conn]
            if self.thread is None:
                self.thread = threading.Thread(target=self._run, name="sql-memory-watch", daemon=True)
                self.thread.start()

    def _run(self) -> None:
        over = False
        while True:
            time.sleep(self.interval)
            in_use = self.in_use()
            if in_use <= self.budget:
                over = False
                continue
            if not over:
                print(f"sql_limits: heap {in_use // 2**20} MiB over the {self.budget // 2**20} MiB "
                      "budget, interrupting running queries", file=sys.stderr, flush=True)
                over = True
            with self.lock:
                connections = [c for kept in self.connections.values() for c in kept]
            for conn in connections:
                try:
                    conn.interrupt()  # a no-op on a connection with no running statement
                except sqlite3.ProgrammingError:  # closed
                    pass


WATCH = MemoryWatch(MEMORY_BUDGET, WATCH_INTERVAL)


def limit_connection(conn: sqlite3.Connection) -> None:
    """Apply this module's limits, functions and authorizer to one connection."""
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_LENGTH)
    conn.setlimit(sqlite3.SQLITE_LIMIT_SQL_LENGTH, MAX_SQL_LENGTH)
    conn.setlimit(sqlite3.SQLITE_LIMIT_COLUMN, MAX_COLUMNS)
    conn.setlimit(sqlite3.SQLITE_LIMIT_LIKE_PATTERN_LENGTH, MAX_PATTERN_LENGTH)
    # Process-wide, and SQLite only ever lowers it: the same value on every connection is a no-op.
    conn.execute(f"PRAGMA hard_heap_limit = {HEAP_LIMIT}")
    for name in ("printf", "format"):
        conn.create_function(name, -1, _guarded(name), deterministic=True)
    conn.create_function("instr", 2, sql_instr, deterministic=True)
    conn.create_function("replace", 3, sql_replace, deterministic=True)
    conn.set_authorizer(authorizer)


@hookimpl
def prepare_connection(conn: sqlite3.Connection, database: str) -> None:
    limit_connection(conn)
    WATCH.add(database, conn)
