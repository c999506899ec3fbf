"""One-off background jobs (#17): long work leaves the web request.

A caller :func:`~core.jobqueue.services.enqueue` s a job of a registered kind
(:func:`~core.jobqueue.services.job_kind`); a worker (``directcrm worker``, or the local
worker process that ``directcrm serve`` starts on the embedded SQLite database) claims it
from the ``queued_jobs`` table, runs it as the user who asked, and stores its result: a
file (kept encrypted) or a summary. See ``docs/deploy.md`` ("Background jobs").
"""
