"""Places, centres and routing for the LINE intake: pure functions over shipped data."""

from referral.pins import locate_pin
from referral.places import LocateResult, Place
from referral.resolver import extract_place, locate_text

__all__ = ["LocateResult", "Place", "extract_place", "locate_pin", "locate_text"]
