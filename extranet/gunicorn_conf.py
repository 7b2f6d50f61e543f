"""gunicorn's settings for a serving node (docs/deploy.md):

    gunicorn -c python:extranet.gunicorn_conf --bind 127.0.0.1:8000 --workers 4 extranet.wsgi:app

The application is loaded once, in the master (``preload_app``), warmed up there
(extranet/warmup.py) and frozen out of the garbage collector's reach, then forked: the workers
share those pages copy-on-write instead of each loading the application again (bench/RESULTS.md,
"Memory of a serving node": 4 workers at ×10 from ≈ 500 to ≈ 340 MiB PSS). The price: ``HUP``
forks workers from the master's loaded code, so new code needs a restart of the node
(docs/deploy.md says how, without downtime). Options on the command line win over these."""

from __future__ import annotations

import gc

preload_app = True
workers = 4
timeout = 120  # a large upload on its way to the bucket
graceful_timeout = 60
max_requests = 2000  # a worker is recycled now and then, forked again from the warm master
max_requests_jitter = 200
# gunicorn 27's control socket is a thread of asyncio in the master: workers forked again later
# (max_requests) would be forked beside a running thread, and every gunicorn of the machine
# shares its default path. Nothing here uses it.
control_socket_disable = True


def on_starting(server) -> None:
    """The application is loaded (``preload_app``) and the port not yet bound, so no request
    waits on this: warm the application up, make sure no database connection is open, then
    freeze every object made so far out of the collector's reach, so that no worker's
    collection writes to (and so copies) the pages they share (extranet.wsgi froze what loading
    made; this adds what the warm-up made)."""
    from extranet.extensions import db
    from extranet.warmup import warm_up

    if server.cfg.preload_app:
        app = server.app.wsgi()
        warm_up(app)
        with app.app_context():
            for engine in db.engines.values():
                engine.dispose()
    gc.freeze()
    server.log.info("extranet: %d objects frozen before forking", gc.get_freeze_count())


def post_fork(server, worker) -> None:
    """In each new worker: database pools of its own. The master opened no connection, but
    were one in a pool it would be shared by every worker: drop the inherited pools without
    closing what would be the master's sockets."""
    from extranet.extensions import db

    with worker.app.wsgi().app_context():  # the preloaded application
        for engine in db.engines.values():
            engine.dispose(close=False)
