"""Queue entry points of bulk jobs: a task takes the job's id, processes one chunk of rows and
enqueues the next, so no task outlives the queue's timeout and a lost task costs one chunk."""

from notifications.queue import enqueue


def enqueue_bulk_job(job_id) -> None:
    enqueue("billing.bulk.tasks.run_bulk_job", str(job_id))


def run_bulk_job(job_id: str) -> bool:
    from billing.bulk.services import bulk_job_run

    more = bulk_job_run(job_id=job_id)
    if more:
        enqueue_bulk_job(job_id)
    return more
