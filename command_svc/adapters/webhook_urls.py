"""Whether a webhook may target a URL, judged by the addresses its host resolves to (DNS)."""

from __future__ import annotations

from command_svc.domain.errors import ValidationError
from support import webhook_urls


class ResolvingUrlPolicy:
    def __init__(self, *, allow_private: bool) -> None:
        self._allow_private = allow_private

    async def check(self, url: str) -> None:
        try:
            await webhook_urls.check(url, allow_private=self._allow_private)
        except webhook_urls.WebhookUrlRefused as exc:
            raise ValidationError(exc.reason, str(exc), field="url") from exc
