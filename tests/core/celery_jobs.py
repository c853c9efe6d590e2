"""A task for the crash tests only: a worker loads it with `--include`, production never.

It stands for a long job. Each run notes its pool process in Redis, then waits until the
test releases it, and leaves its one effect with SET NX, so running it again after a crash
changes nothing: the way every real task is written.
"""

import os
import time

import redis
from celery import shared_task

WAIT_SECONDS = 60


@shared_task(name="tests.core.celery_jobs.held_job", bind=True)
def held_job(self, job: str, redis_url: str) -> str:
    """Record the run, wait for the release key, then write the effect once."""
    client = redis.Redis.from_url(redis_url)
    client.rpush(f"{job}:runs", os.getpid())
    deadline = time.monotonic() + WAIT_SECONDS
    while not client.exists(f"{job}:release"):
        if time.monotonic() > deadline:
            raise TimeoutError(f"{job} was never released")
        time.sleep(0.05)
    client.set(f"{job}:effect", self.request.id, nx=True)
    client.incr(f"{job}:completions")
    return f"{job} done"
