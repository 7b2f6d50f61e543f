"""Backups that restore: ``flask --app extranet backup DEST`` and ``restore SOURCE``.

A backup is a folder: the database's snapshot (``database.sqlite3`` from SQLite's online backup
API, or ``database.pgdump`` from ``pg_dump --format=custom``), a copy of every stored object that
the snapshot references (``files/<key>``) and ``manifest.json``, written last, listing the size and
sha256 of each, the schema revisions and when the snapshot was taken. A folder without a
manifest is an unfinished backup; restore checks every byte against the manifest before it
changes anything.
"""
