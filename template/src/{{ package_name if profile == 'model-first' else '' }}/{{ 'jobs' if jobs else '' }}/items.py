"""The items resource's jobs, beside its routes (api/items.py): what a create defers, and the tasks
the worker runs for it.

The example: every created item is announced to the webhook ITEM_WEBHOOK_URL names (unset: off),
outside the request. The job is deferred in the create's transaction, so only committed items are
announced, and a create retried with its idempotency key defers nothing more.
"""

import logging

import procrastinate
from procrastinate import JobContext
from sqlalchemy.ext.asyncio import AsyncConnection

from ..core.config import Settings
from ..core.webhook_protocol import message_id
from ..schemas.items import ItemRead
from .retries import JitteredBackoff
from .webhooks import WebhookClient

logger = logging.getLogger(__name__)

# The task's name is what the queue stores: renaming it strands the jobs already deferred.
NOTIFY_ITEM_CREATED = "items.notify_created"
ITEM_CREATED_EVENT = "item.created"


class ItemJobs:
    """What item routes defer, on the request's connection (so in its transaction)."""

    def __init__(self, queue: procrastinate.App, settings: Settings) -> None:
        self.queue = queue
        # Unset or empty: a deployment that blanks the URL turns the webhook off.
        self._notifies = bool(settings.item_webhook_url)

    async def item_created(self, connection: AsyncConnection, item: ItemRead) -> None:
        if not self._notifies:
            return
        deferrer = self.queue.configure_task(NOTIFY_ITEM_CREATED, connection=connection)
        await deferrer.defer_async(item=item.model_dump(mode="json"))


def register_item_tasks(queue: procrastinate.App, settings: Settings) -> None:
    """Register the items' tasks on the queue, configured by the settings."""
    retry = JitteredBackoff(
        max_attempts=settings.job_max_attempts,
        base_seconds=settings.job_retry_base_seconds,
        cap_seconds=settings.job_retry_cap_seconds,
    )

    @queue.task(name=NOTIFY_ITEM_CREATED, pass_context=True, retry=retry)
    async def notify_item_created(context: JobContext, item: dict[str, object]) -> None:
        url = settings.item_webhook_url
        if not url:
            logger.info("ITEM_WEBHOOK_URL is unset: job %s has no one to notify", context.job.id)
            return
        async with WebhookClient(
            url,
            settings.item_webhook_secret.get_secret_value(),
            connect_timeout_seconds=settings.webhook_connect_timeout_seconds,
            read_timeout_seconds=settings.webhook_read_timeout_seconds,
        ) as client:
            # Named by the item, the same on every attempt (and a replay): the receiver drops
            # repeats.
            await client.send(
                ITEM_CREATED_EVENT, item, idempotency_key=message_id(ITEM_CREATED_EVENT, item["id"])
            )
