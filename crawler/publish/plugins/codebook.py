"""Serve the codebook (pipelines/codebook.py) at /-/codebook, generated from the served database.

    /-/codebook        HTML, in Datasette's own page layout
    /-/codebook.md     the Markdown a release carries as codebook.md (without row counts)
    /-/codebook.json   the same as JSON

The schema is read from the live database and the descriptions from the metadata Datasette
was started with, so the page always shows what is being served.
"""

from __future__ import annotations

from datasette import Response, hookimpl

from pipelines import codebook as cb

DATABASE = cb.DATABASE

PAGE = """{% extends "base.html" %}
{% block title %}代码本 / Codebook{% endblock %}
{% block content %}{{ body|safe }}{% endblock %}
"""


def _database(datasette):
    if DATABASE in datasette.databases:
        return DATABASE, datasette.databases[DATABASE]
    for name, db in datasette.databases.items():
        if name != "_internal":
            return name, db
    return None, None


async def _codebook(datasette) -> cb.Codebook | None:
    name, db = _database(datasette)
    if db is None:
        return None
    metadata = datasette.metadata() or {}
    if name not in (metadata.get("databases") or {}):
        metadata = cb.load_metadata()  # served without the project's metadata: use the packaged one
    return await db.execute_fn(lambda conn: cb.build_codebook(conn, metadata, database=name, counts=False))


async def codebook_page(datasette, request):
    fmt = request.url_vars.get("format") or ""
    book = await _codebook(datasette)
    if book is None:
        return Response.text("no database is being served", status=404)
    if fmt == ".md":
        return Response(book.to_markdown(), content_type="text/markdown; charset=utf-8")
    if fmt == ".json":
        return Response.json(book.to_json())
    template = datasette.jinja_env.from_string(PAGE)
    return Response.html(await datasette.render_template(template, {"body": book.to_html()}, request=request))


@hookimpl
def register_routes():
    return [(r"^/-/codebook(?P<format>\.md|\.json)?$", codebook_page)]


@hookimpl
def menu_links(datasette, actor, request):
    return [{"href": datasette.urls.path("/-/codebook"), "label": "代码本 / Codebook"}]

