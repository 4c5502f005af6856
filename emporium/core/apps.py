from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "emporium.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        # allauth keeps its login limits and used TOTP codes in the default cache, with no
        # setting to choose another. With Redis down its lock could never be taken, and every
        # login would answer 429: give it the cache that falls back to process memory.
        from allauth.core.internal import ratelimit
        from allauth.mfa.totp.internal import auth as totp_auth

        from emporium.core.cache import counter_cache

        ratelimit.cache = counter_cache
        totp_auth.cache = counter_cache
