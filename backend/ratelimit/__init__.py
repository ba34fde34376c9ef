"""Rate limits: rules per key (`rules.py`) and the counting itself (`limiter.py`)."""

from __future__ import annotations

from backend.ratelimit.limiter import Limiter, LimiterUnavailable, Refusal, Subject
from backend.ratelimit.rules import Kind, RateLimits, Scope

__all__ = ["Kind", "Limiter", "LimiterUnavailable", "RateLimits", "Refusal", "Scope", "Subject"]
