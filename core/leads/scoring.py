"""Lead score (0-100) when the source gives none: channel, data quality, engagement.

- channel: brand setting ``leads.channel_scores`` (default referral 40, event 30,
  partner 25, social 15, ads 10, purchased_list 0);
- data quality: a phone +30, a province +10;
- engagement: each logged contact adds 5, at most 4 times (3 to 5 contacts usually precede
  a first purchase).

A score given on capture is kept; contacts still add their engagement points.
"""

from __future__ import annotations

from core.context import Ctx
from core.services.settings import get_setting

CHANNEL_SCORES = {"referral": 40, "event": 30, "partner": 25, "social": 15, "ads": 10,
                  "purchased_list": 0}
PHONE_POINTS = 30
PROVINCE_POINTS = 10
CONTACT_POINTS = 5
MAX_SCORED_CONTACTS = 4


def capture_score(ctx: Ctx, channel: str, has_phone: bool, has_province: bool) -> int:
    """The score of a new lead from its channel and the data it came with."""
    weights = {**CHANNEL_SCORES, **get_setting(ctx, "leads.channel_scores")}
    score = int(weights.get(channel, 0)) + (PHONE_POINTS if has_phone else 0) \
        + (PROVINCE_POINTS if has_province else 0)
    return max(0, min(100, score))


def after_contact(score: int, contacts_before: int) -> int:
    """The score once one more contact is logged."""
    if contacts_before >= MAX_SCORED_CONTACTS:
        return score
    return min(100, score + CONTACT_POINTS)
