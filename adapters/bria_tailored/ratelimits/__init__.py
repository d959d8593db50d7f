"""The built-in rate limiter backends, registered as the plugin ``ratelimit`` (see
:data:`bria_tailored.plugins.DEFAULT_PLUGINS`) through the hook ``bria_tailored_rate_limiters``:

* ``local://`` → :class:`bria_tailored.ratelimit.TokenBucket`, in-process (the default without a URL);
* ``redis://`` and ``rediss://`` → :class:`bria_tailored.ratelimits.redis_limiter.RedisLimiter`, one limit
  shared by every process and host using the same API token (extra ``redis``).

Like the built-in storage backends, these are ``trylast``: a third-party plugin offering the same scheme
wins.
"""

from __future__ import annotations

from .._limiter import RateLimiter, TokenBucket
from ..hookspecs import hookimpl
from .redis_limiter import RedisLimiter

__all__ = ["RedisLimiter", "bria_tailored_rate_limiters"]


@hookimpl(trylast=True)
def bria_tailored_rate_limiters() -> list[type[RateLimiter]]:
    """The built-in limiter backends: in-process (``local://``) and Redis (``redis://``, ``rediss://``)."""
    return [TokenBucket, RedisLimiter]
