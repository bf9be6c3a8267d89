"""The archive is served as `archive` whatever its file is called, and its path stays private.

metadata.yml (queries, descriptions, dashboard), the templates (index.html,
row-archive-reports.html) and the other plugins address the archive database by the name
Datasette gives `archive.db`. An archive kept under another name (`govreports serve --db
snapshot-2024.db`) is renamed `archive` at startup, so every page, canned query and
/-/original/<sha256> works the same. Only a lone database is renamed: among several, which one
is the archive is not guessed.

/-/databases(.json) is answered here with Datasette's fields less `path`, the database file's
location on this host (plugin routes are matched before Datasette's own).
"""

from __future__ import annotations

import json

from datasette import Response, hookimpl
from datasette.utils import add_cors_headers

ARCHIVE = "archive"
INTERNAL = "_internal"


def serve_as_archive(datasette) -> str | None:
    """Rename the only file database to ARCHIVE; return its former name, or None."""
    if ARCHIVE in datasette.databases:
        return None
    served = [name for name, db in datasette.databases.items() if name != INTERNAL and not db.is_memory]
    if len(served) != 1:
        return None
    name = served[0]
    db = datasette.databases[name]
    datasette.remove_database(name)
    datasette.add_database(db, name=ARCHIVE)
    # --inspect-file counts and hashes are keyed by the file's stem.
    if datasette.inspect_data and name in datasette.inspect_data:
        datasette.inspect_data[ARCHIVE] = datasette.inspect_data[name]
    return name


@hookimpl
def startup(datasette):
    serve_as_archive(datasette)


def databases_without_paths(datasette) -> list[dict]:
    return [
        {"name": db.name, "route": db.route, "size": db.size, "is_mutable": db.is_mutable,
         "is_memory": db.is_memory, "hash": db.hash}
        for name, db in datasette.databases.items() if name != INTERNAL
    ]


async def databases(request, datasette):
    await datasette.ensure_permissions(request.actor, ["view-instance"])
    data = databases_without_paths(datasette)
    if request.url_vars.get("format"):
        headers: dict[str, str] = {}
        if datasette.cors:
            add_cors_headers(headers)
        return Response.json(data, headers=headers)
    context = {"filename": "databases.json", "data_json": json.dumps(data, indent=4)}
    return Response.html(await datasette.render_template("show_json.html", context, request=request))


@hookimpl
def register_routes():
    return [(r"^/-/databases(\.(?P<format>json))?$", databases)]
