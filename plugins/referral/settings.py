"""The programme's settings per brand, declared once."""

from __future__ import annotations

from core.api import N_, Kind, Setting, SettingError, _

AREA = "referral"


def parse_tiers(text: str) -> list[tuple[int, int]]:
    """``"1:100,4:150,10:200"`` -> ``[(1, 100), (4, 150), (10, 200)]``: from the Nth
    qualified referral of a year, the referrer's reward is V."""
    tiers = []
    for part in str(text).split(","):
        try:
            start, value = (int(x) for x in part.strip().split(":"))
        except ValueError:
            raise SettingError(_("Write tiers as FROM:VALUE pairs, e.g. 1:100,4:150,10:200."))\
                from None
        tiers.append((start, value))
    rising = all(b[0] > a[0] for a, b in zip(tiers, tiers[1:], strict=False))
    if not tiers or tiers[0][0] != 1 or not rising or any(v <= 0 for _s, v in tiers):
        raise SettingError(_("Tiers start at 1, rise strictly, and give positive values."))
    return tiers


def _check_tiers(value: str) -> None:
    parse_tiers(value)


SETTINGS = (
    Setting(AREA, "attribution_days", Kind.INT, 30,
            N_("Days after the referral for the first paid order"), min=1, max=365),
    Setting(AREA, "return_days", Kind.INT, 30,
            N_("Days the first order must stay paid (the return window)"), min=0, max=365),
    Setting(AREA, "min_first_order", Kind.MONEY, "0", N_("Smallest qualifying first order")),
    Setting(AREA, "reward_kind", Kind.CHOICE, "points", N_("Reward kind"),
            N_("`points`: loyalty points (the loyalty module); `coupon`: an amount off a "
               "later order; `gift`: the gift product free on a later order."),
            choices=("points", "coupon", "gift"), choice_labels="referral.reward_kind"),
    Setting(AREA, "coupon_days", Kind.INT, 90, N_("Days a coupon or gift can be used"),
            min=1, max=3650),
    Setting(AREA, "gift_sku", Kind.TEXT, "", N_("Gift product (SKU)"),
            N_("The product given free when the reward kind is gift.")),
    Setting(AREA, "referrer_tiers", Kind.TEXT, "1:100,4:150,10:200",
            N_("Referrer reward by referrals qualified this year"),
            N_("FROM:VALUE pairs: 1:100,4:150,10:200 gives 100 for the 1st to 3rd, 150 for the "
               "4th to 9th, 200 from the 10th."), check=_check_tiers),
    Setting(AREA, "welcome_reward", Kind.INT, 50, N_("Welcome reward of the new customer"),
            min=0, max=1_000_000),
    Setting(AREA, "monthly_cap", Kind.INT, 20,
            N_("Qualified referrals per referrer and month before review"), min=1, max=1000),
    Setting(AREA, "burst_limit", Kind.INT, 5,
            N_("Referrals by one referrer in one day before review"), min=1, max=1000),
)
