"""Emporium settings: one module, every value from the environment.

Three modes, chosen by the environment and nothing else:

* **Embedded** (nothing set): SQLite file in the project folder, local-memory cache, Celery
  tasks run inline, e-mail printed to the console, DEBUG on. ``make run`` on a laptop.
* **Service** (``DATABASE_URL``, ``REDIS_URL``, ``EMAIL_URL`` ...): PostgreSQL (MariaDB is mapped but unsupported, ADR 16),
  Redis for cache, sessions and the Celery broker, real SMTP. Same code, more processes.
* **Production** (``EMPORIUM_ENV=production``): service mode made strict. It refuses to start
  without a real ``SECRET_KEY`` and ``ALLOWED_HOSTS``, turns DEBUG off and sets the secure
  cookie, HSTS and SSL settings so ``manage.py check --deploy`` has nothing to say.

The README's configuration table lists every variable read here; keep the two in step.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path
from typing import Any

import django_stubs_ext
import environ
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

# Lets admin and manager classes be written with their model type, e.g. ModelAdmin[Product].
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

EMPORIUM_ENV = env.str("EMPORIUM_ENV", default="development")
if EMPORIUM_ENV not in {"development", "production"}:
    raise ImproperlyConfigured(f"EMPORIUM_ENV must be 'development' or 'production', not {EMPORIUM_ENV!r}.")
IS_PRODUCTION = EMPORIUM_ENV == "production"

DATABASE_URL = env.str("DATABASE_URL", default="")
REDIS_URL = env.str("REDIS_URL", default="")
# Embedded mode: nothing configured, everything in one process.
IS_EMBEDDED = not (IS_PRODUCTION or DATABASE_URL or REDIS_URL)

# --- Core -----------------------------------------------------------------------------------

# A fixed key is fine for a laptop shop whose sessions live in a local file; production must
# bring its own. Django's check --deploy rejects keys shorter than 50 characters or with
# this prefix, so the refusal below and that check agree.
_DEV_SECRET_KEY = "django-insecure-emporium-embedded-mode-only-never-use-this-in-production"
SECRET_KEY = env.str("SECRET_KEY", default="")
if IS_PRODUCTION:
    if (
        not SECRET_KEY
        or SECRET_KEY.startswith("django-insecure")
        or len(set(SECRET_KEY)) < 5
        or len(SECRET_KEY) < 50
    ):
        raise ImproperlyConfigured(
            "EMPORIUM_ENV=production needs a real SECRET_KEY: at least 50 random characters, "
            "for example from `python -c 'import secrets; print(secrets.token_urlsafe(64))'`."
        )
elif not SECRET_KEY:
    SECRET_KEY = _DEV_SECRET_KEY

DEBUG = env.bool("DEBUG", default=IS_EMBEDDED)
if IS_PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG must be off when EMPORIUM_ENV=production.")

ALLOWED_HOSTS: list[str] = env.list(
    "ALLOWED_HOSTS", default=[] if IS_PRODUCTION else ["localhost", "127.0.0.1", "[::1]"]
)
if IS_PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "EMPORIUM_ENV=production needs ALLOWED_HOSTS, e.g. ALLOWED_HOSTS=shop.example."
    )
CSRF_TRUSTED_ORIGINS: list[str] = env.list("CSRF_TRUSTED_ORIGINS", default=[])

SITE_NAME = env.str("SITE_NAME", default="Emporium")
DEFAULT_CURRENCY = env.str("DEFAULT_CURRENCY", default="GBP")
# The delivery and returns promise printed on every product page.
DISPATCH_PROMISE = env.str(
    "DISPATCH_PROMISE", default="Order by 2 pm on a working day and we dispatch it the same day."
)
RETURNS_DAYS = env.int("RETURNS_DAYS", default=30)
MONEY_LOCALE = env.str("MONEY_LOCALE", default="en_GB")
SITE_ID = 1
# How long a placed, unpaid order holds its stock before release_expired_orders gives it back.
ORDER_RESERVATION_MINUTES = env.int("ORDER_RESERVATION_MINUTES", default=30)
# How long a guest's order token (the API's, and the link in the confirmation e-mail and page)
# lets them read and pay the order; after that they look it up by number and e-mail.
GUEST_ORDER_TOKEN_DAYS = env.int("GUEST_ORDER_TOKEN_DAYS", default=30)
# How long after delivery (or shipping, when delivery was never recorded) a customer may ask
# to return goods (emporium.returns).
RETURN_WINDOW_DAYS = env.int("RETURN_WINDOW_DAYS", default=30)
# The shop's public address, for links in e-mails (sent by workers, with no request to ask).
SITE_URL = env.str(
    "SITE_URL", default=f"http://{env.str('HOST', default='127.0.0.1')}:{env.int('PORT', default=8000)}"
)
# The seller on invoices: address lines separated by commas, and the VAT registration number.
INVOICE_SELLER_ADDRESS: list[str] = env.list("INVOICE_SELLER_ADDRESS", default=[])
INVOICE_VAT_NUMBER = env.str("INVOICE_VAT_NUMBER", default="")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "django.contrib.sitemaps",
    # Third party
    "django_vite",
    "django_htmx",
    "health_check",
    "csp",
    "treebeard",
    "rest_framework",
    "rest_framework_simplejwt",
    "rest_framework_simplejwt.token_blacklist",
    "drf_spectacular",
    "corsheaders",
    # Emporium domains
    "emporium.core",
    "emporium.accounts",
    "emporium.catalog",
    "emporium.orders",
    "emporium.cart",
    "emporium.promotions",
    "emporium.giftcards",
    "emporium.checkout",
    "emporium.payments",
    "emporium.backoffice",
    "emporium.analytics",
    "emporium.reviews",
    "emporium.wishlist",
    "emporium.returns",
    "emporium.alerts",
    # After our apps, so that emporium/accounts/templates/ overrides allauth's templates.
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.github",
    "allauth.socialaccount.providers.google",
    "allauth.socialaccount.providers.openid_connect",
    "emporium.datasets",
    "emporium.recommendations",
    "emporium.webhooks",
]

# Covering indexes (Index(include=...)) serve PostgreSQL's index-only scans; SQLite builds the
# same index without the extra columns, which is all the embedded shop needs.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

MIDDLEWARE = [
    # First, so every response and every log line (ours and the tasks it queues) has the id.
    "emporium.core.request_id.RequestIdMiddleware",
    # Probes and the scraper reach a pod by IP, a host Django would refuse with a 400.
    "emporium.core.health.ProbeHostMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy with a nonce per response, and Permissions-Policy (security_headers.py).
    "emporium.core.security_headers.ContentSecurityPolicyMiddleware",
    "emporium.core.security_headers.PermissionsPolicyMiddleware",
    # Before anything that can answer (WhiteNoise, CommonMiddleware): preflights and error
    # responses of the API need their CORS headers too.
    "corsheaders.middleware.CorsMiddleware",
    # Inside CORS, outside everything else: any error under /api/ leaves as problem+json.
    "emporium.core.api.middleware.ApiProblemMiddleware",
    # Before anything reads the path, the query or a JSON body: NUL, lone surrogates, deep nesting.
    "emporium.core.hostile_input.HostileInputMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After WhiteNoise, which serves static files already compressed at collectstatic; every
    # page, htmx partial and API answer is compressed here. Django's version pads the body
    # with random bytes against BREACH, so pages holding CSRF tokens are safe to compress.
    "django.middleware.gzip.GZipMiddleware",
    # Shared catalog pages for visitors without a session, answered here without the rest of
    # the stack (emporium/catalog/middleware.py); a miss goes on down as usual.
    "emporium.catalog.middleware.PageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "emporium.accounts.middleware.StaffMFAMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "emporium.cart.middleware.CartMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "emporium.core.context_processors.site",
                "emporium.cart.context_processors.cart",
                "emporium.checkout.context_processors.vat",
                # Last: while a page renders for the page cache, its CSRF token is a placeholder.
                "emporium.catalog.cache.csrf_placeholder",
            ],
        },
    },
    {
        # The hot fragments only (product cards, pictures: <app>/jinja2/), rendered through
        # template tags of the pages above (config/jinja2.py, docs/decisions/0017).
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {"environment": "config.jinja2.environment"},
    },
]
# Form widgets in Jinja2, the admin's own in Django templates (emporium/core/form_renderer.py).
FORM_RENDERER = "emporium.core.form_renderer.JinjaFirstFormRenderer"

# --- Data -----------------------------------------------------------------------------------

DATABASES: dict[str, dict[str, Any]] = {
    "default": env.db_url_config(DATABASE_URL)
    if DATABASE_URL
    else {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": Path(env.str("SQLITE_PATH", default=str(BASE_DIR / "db.sqlite3"))),
    }
}
_db = DATABASES["default"]
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the dev server read while a management command (an import) writes;
    # IMMEDIATE transactions make writers queue instead of failing with "database is locked".
    _db.setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20, "init_command": "PRAGMA journal_mode=WAL;"}
    )
else:
    # Keep connections open between requests, and check them before use.
    _db["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
    _db["CONN_HEALTH_CHECKS"] = True
    if _db["ENGINE"] == "django.db.backends.postgresql":
        # Django's backend, whose health check reads the idle socket instead of sending a
        # SELECT 1 on every request (emporium/core/postgresql/base.py, ADR 20).
        _db["ENGINE"] = "emporium.core.postgresql"
        _db.setdefault("OPTIONS", {}).setdefault("connect_timeout", env.int("DB_CONNECT_TIMEOUT", default=5))
        # The money path's hot reads as server-side prepared statements, planned once per
        # connection (ADR 23). Off behind a pooler in transaction mode older than PgBouncer
        # 1.21, and by default without persistent connections, where each would be prepared
        # for one use.
        _db["OPTIONS"].setdefault(
            "prepared_statements", env.bool("DB_PREPARED_STATEMENTS", default=_db["CONN_MAX_AGE"] != 0)
        )
    elif _db["ENGINE"] == "django.db.backends.mysql":
        _db.setdefault("OPTIONS", {}).update(
            {"charset": "utf8mb4", "connect_timeout": env.int("DB_CONNECT_TIMEOUT", default=5)}
        )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Metrics --------------------------------------------------------------------------------

# Prometheus at /metrics (emporium/core/metrics.py): requests and latencies by view, database
# queries and errors, cache hits and misses, Celery queue lengths. On by default in production;
# the page needs METRICS_TOKEN as a bearer token (in production it is 404 without one).
METRICS_ENABLED = env.bool("METRICS_ENABLED", default=IS_PRODUCTION)
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
METRICS_CELERY_QUEUES: list[str] = env.list("METRICS_CELERY_QUEUES", default=["celery"])
if METRICS_ENABLED:
    INSTALLED_APPS.append("django_prometheus")
    MIDDLEWARE.insert(1, "django_prometheus.middleware.PrometheusBeforeMiddleware")
    MIDDLEWARE.append("django_prometheus.middleware.PrometheusAfterMiddleware")
    # The same database backends, wrapped to count queries, errors and connections.
    _db["ENGINE"] = _db["ENGINE"].replace("django.db.backends.", "django_prometheus.db.backends.")
    _db["ENGINE"] = _db["ENGINE"].replace("emporium.core.postgresql", "emporium.core.postgresql.with_metrics")

if REDIS_URL:
    CACHES: dict[str, dict[str, Any]] = {
        "default": {
            # Redis errors are cache misses, behind a circuit breaker: a Redis outage slows the
            # shop down instead of taking it down (emporium/core/cache.py); counted for
            # Prometheus when metrics are on.
            "BACKEND": "emporium.core.cache_backends.MeteredRedisCache"
            if METRICS_ENABLED
            else "emporium.core.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="emporium"),
            "OPTIONS": {
                "socket_connect_timeout": 2,
                "socket_timeout": 2,
                "breaker_seconds": env.float("CACHE_BREAKER_SECONDS", default=5.0),
            },
        }
    }
    # Sessions in the database, read through the Redis cache: fast, and a Redis restart or
    # outage does not log every customer out or empty their carts (a failed read is a miss).
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {
        "default": {
            "BACKEND": "django_prometheus.cache.backends.locmem.LocMemCache"
            if METRICS_ENABLED
            else "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "emporium",
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.db"
# Each web worker keeps the shared catalog pages it rendered or served lately, up to this many
# bytes, and reads the catalog version at most once a second (emporium/catalog/cache.py,
# LocalPages); 0 turns it off.
PAGE_CACHE_LOCAL_BYTES = env.int("PAGE_CACHE_LOCAL_BYTES", default=16 * 1024 * 1024)
# And the catalog data it read or built lately (category, facet counts, listing pages, sale
# rules), up to this many entries, under the current catalog version only (LocalData); 0: off.
CATALOG_LOCAL_ENTRIES = env.int("CATALOG_LOCAL_ENTRIES", default=2000)
# And the markup of the product cards it printed on shared pages (LocalCards); 0: off.
CATALOG_LOCAL_CARDS = env.int("CATALOG_LOCAL_CARDS", default=10_000)

# Every cache off (Django's dummy cache: pages, data, the catalog version, and no local page
# copies): for measuring what a request costs when no cache can help (`make bench` with
# --no-cache). Never in production.
if env.bool("CACHE_DISABLED", default=False):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    SESSION_ENGINE = "django.contrib.sessions.backends.db"
    PAGE_CACHE_LOCAL_BYTES = 0
    CATALOG_LOCAL_ENTRIES = 0
    CATALOG_LOCAL_CARDS = 0

# Compile the templates and build the URL resolver before gunicorn forks its workers
# (config/wsgi.py, emporium.core.startup.warm_up); off only to measure what it saves.
WARM_UP = env.bool("WARM_UP", default=True)

# --- Background jobs ------------------------------------------------------------------------

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=REDIS_URL or None) or None
# No caller reads a task's result: every task records what it did in the database (an order's
# e-mail events, a webhook's deliveries, a picture's thumbnails). Storing each result in Redis
# for a day, and subscribing the web process to the result of each task it queues, would cost
# Redis memory and commands for nothing. A caller that needs one asks:
# ``apply_async(ignore_result=False)``.
CELERY_TASK_IGNORE_RESULT = True
# Without a broker there is nobody to run a queued task, so run it inline.
CELERY_TASK_ALWAYS_EAGER = env.bool(
    "CELERY_TASK_ALWAYS_EAGER", default=not (REDIS_URL or env.str("CELERY_BROKER_URL", default=""))
)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True  # a worker killed mid-task leaves the task for another worker
# A worker process killed mid-task (the out-of-memory killer, a crash) puts its task back in the
# queue instead of recording it failed; tasks are written to act once when they run twice
# (emporium/checkout/tests/test_worker_killed.py). A task that kills its worker every time
# would come back every time: the time limits below bound what a task can do.
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing to a broker that is down fails after one quick try, not after kombu's default
# retries (about 6 s a task): a request that queues its e-mails and webhooks after its commit
# answers at once, and the caller's fallback takes over (emporium/core/queueing.py logs it,
# the sweeps send from the database). Workers reconnect on their own (broker_connection_retry).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE = {
    "clear-expired-sessions": {
        "task": "emporium.accounts.tasks.clear_expired_sessions_task",
        "schedule": crontab(minute=17, hour=3),
    },
    "flush-expired-api-tokens": {
        "task": "emporium.accounts.tasks.flush_expired_tokens_task",
        "schedule": crontab(minute=27, hour=3),
    },
    # Unpaid orders are cancelled once ORDER_RESERVATION_MINUTES have passed: their reserved
    # stock, voucher use and open payment attempts go back (payments' cancel workflow).
    "release-expired-orders": {
        "task": "emporium.payments.tasks.release_expired_orders_task",
        "schedule": env.float("ORDER_RELEASE_INTERVAL_SECONDS", default=60.0),
    },
    # Pictures whose thumbnail task could not be queued (a broker outage) get them here.
    "make-missing-thumbnails": {
        "task": "emporium.catalog.tasks.make_missing_thumbnails_task",
        "schedule": 600.0,
    },
    # Order confirmations whose task could not be queued (a broker outage) go out from the database.
    "send-unsent-order-confirmations": {
        "task": "emporium.checkout.tasks.send_unsent_order_confirmations_task",
        "schedule": 300.0,
    },
    # Likewise the shipping and cancellation notifications and "payment received" e-mails
    # (emporium/core/queueing.py logs each task it could not queue).
    "send-unsent-shipping-notifications": {
        "task": "emporium.orders.tasks.send_unsent_shipping_notifications_task",
        "schedule": 300.0,
    },
    "send-unsent-cancellation-notifications": {
        "task": "emporium.orders.tasks.send_unsent_cancellation_notifications_task",
        "schedule": 300.0,
    },
    "send-unsent-payment-confirmations": {
        "task": "emporium.payments.tasks.send_unsent_payment_confirmations_task",
        "schedule": 300.0,
    },
    # Refunds the provider never answered (timeouts) go out again, with their own keys.
    "retry-pending-refunds": {
        "task": "emporium.payments.tasks.retry_pending_refunds_task",
        "schedule": 300.0,
    },
    # Nightly retrain from orders and events; a failed run keeps the active model (ADR 0011).
    "train-recommendations": {
        "task": "emporium.recommendations.tasks.train_recommendations_task",
        "schedule": crontab(minute=43, hour=2),
    },
    # Analytics roll-ups fold in the orders changed since the last run: a paid order shows
    # in the dashboard within a minute or two, even where no signal told analytics.
    "refresh-analytics": {
        "task": "emporium.analytics.tasks.refresh_changed_orders_task",
        "schedule": 60.0,
    },
    # Webhook retries that are due, deliveries whose task was never queued (broker down) and,
    # in embedded mode, every delivery: nothing is sent on the request path.
    "deliver-due-webhooks": {
        "task": "emporium.webhooks.tasks.deliver_due_webhooks_task",
        "schedule": env.float("WEBHOOK_SWEEP_INTERVAL_SECONDS", default=15.0),
    },
}

# Outbound webhooks (emporium.webhooks): timeouts of one request, retries with back-off.
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=5.0)
WEBHOOK_CONNECT_TIMEOUT_SECONDS = env.float("WEBHOOK_CONNECT_TIMEOUT_SECONDS", default=3.0)
WEBHOOK_MAX_ATTEMPTS = env.int("WEBHOOK_MAX_ATTEMPTS", default=8)
WEBHOOK_RETRY_BASE_SECONDS = env.float("WEBHOOK_RETRY_BASE_SECONDS", default=30.0)
WEBHOOK_RETRY_MAX_SECONDS = env.float("WEBHOOK_RETRY_MAX_SECONDS", default=3600.0)
WEBHOOK_SWEEP_INTERVAL_SECONDS = CELERY_BEAT_SCHEDULE["deliver-due-webhooks"]["schedule"]
WEBHOOK_SWEEP_BATCH = env.int("WEBHOOK_SWEEP_BATCH", default=200)

# Storefront events (views, add-to-cart) are buffered per process and written in one insert.
RECOMMENDATION_EVENT_BUFFER_SIZE = env.int("RECOMMENDATION_EVENT_BUFFER_SIZE", default=50)
RECOMMENDATION_EVENT_FLUSH_SECONDS = env.float("RECOMMENDATION_EVENT_FLUSH_SECONDS", default=10.0)

# --- E-mail ---------------------------------------------------------------------------------

if env.str("EMAIL_URL", default=""):
    globals().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
# Seconds a mail server may take to answer: an order's e-mail holds its row while it is sent.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Emporium <shop@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Payments -------------------------------------------------------------------------------

# Stripe is offered once its secret key is set. Tests point STRIPE_API_BASE at a local fake.
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="")
STRIPE_PUBLISHABLE_KEY = env.str("STRIPE_PUBLISHABLE_KEY", default="")
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default="")
STRIPE_API_BASE = env.str("STRIPE_API_BASE", default="https://api.stripe.com")
STRIPE_CAPTURE_METHOD = env.str("STRIPE_CAPTURE_METHOD", default="automatic")
if STRIPE_CAPTURE_METHOD not in {"automatic", "manual"}:
    raise ImproperlyConfigured("STRIPE_CAPTURE_METHOD must be 'automatic' or 'manual'.")
STRIPE_TIMEOUT_SECONDS = env.float("STRIPE_TIMEOUT_SECONDS", default=10.0)
STRIPE_MAX_NETWORK_RETRIES = env.int("STRIPE_MAX_NETWORK_RETRIES", default=2)
# Signed events older than this are refused: a captured request cannot be replayed later.
PAYMENT_WEBHOOK_TOLERANCE_SECONDS = env.int("PAYMENT_WEBHOOK_TOLERANCE_SECONDS", default=300)
# The test gateway (card form on our own page, no real money) signs its events like Stripe.
OFFLINE_GATEWAY_WEBHOOK_SECRET = env.str(
    "OFFLINE_GATEWAY_WEBHOOK_SECRET",
    default="whsec_offline_" + hashlib.sha256(f"offline-gateway:{SECRET_KEY}".encode()).hexdigest()[:32],
)
OFFLINE_GATEWAY_CAPTURE_METHOD = env.str("OFFLINE_GATEWAY_CAPTURE_METHOD", default="automatic")
# "refuse": the test gateway refuses every refund, as a provider does for a closed card (tests).
OFFLINE_GATEWAY_REFUNDS = env.str("OFFLINE_GATEWAY_REFUNDS", default="succeed")
PAYMENT_GATEWAYS: list[str] = env.list(
    "PAYMENT_GATEWAYS",
    default=[
        *(["stripe"] if STRIPE_SECRET_KEY else []),
        *([] if IS_PRODUCTION else ["offline"]),
        "bank_transfer",
        "cash_on_delivery",
    ],
)
if IS_PRODUCTION and "offline" in PAYMENT_GATEWAYS:
    raise ImproperlyConfigured("The offline test gateway takes no money: it cannot be enabled in production.")
# Without the publishable key Stripe.js cannot show the Payment Element: fail at start-up.
_STRIPE_KEYS_SET = bool(STRIPE_SECRET_KEY and STRIPE_PUBLISHABLE_KEY and STRIPE_WEBHOOK_SECRET)
if "stripe" in PAYMENT_GATEWAYS and IS_PRODUCTION and not _STRIPE_KEYS_SET:
    raise ImproperlyConfigured(
        "Stripe needs STRIPE_SECRET_KEY, STRIPE_PUBLISHABLE_KEY and STRIPE_WEBHOOK_SECRET."
    )
# Shown to customers who choose bank transfer, with their order number as the reference.
BANK_TRANSFER_ACCOUNT_NAME = env.str("BANK_TRANSFER_ACCOUNT_NAME", default=SITE_NAME)
BANK_TRANSFER_IBAN = env.str("BANK_TRANSFER_IBAN", default="GB33 BUKB 2020 1555 5555 55")
BANK_TRANSFER_BIC = env.str("BANK_TRANSFER_BIC", default="BUKBGB22")
# A transfer takes days: an order paid that way keeps its stock this long instead.
MANUAL_PAYMENT_RESERVATION_DAYS = env.int("MANUAL_PAYMENT_RESERVATION_DAYS", default=7)

# --- Accounts -------------------------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "accounts:overview"
AUTHENTICATION_BACKENDS = [
    # Permissions only: a user's own and their groups' in one query (ModelBackend reads two).
    "emporium.accounts.backends.PermissionsInOneQueryBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    # Plain bcrypt hashes imported from another shop; checked the way that shop's bcrypt did.
    "emporium.accounts.hashers.LegacyBCryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Staff need an authenticator app (TOTP) before they reach the admin or the dashboard. Off by
# default only in embedded DEBUG mode, so the demo staff account `make run` prints logs straight in.
STAFF_MFA_REQUIRED = env.bool("STAFF_MFA_REQUIRED", default=not (IS_EMBEDDED and DEBUG))

# django-allauth: log in by e-mail, mandatory verification, no account enumeration.
ACCOUNT_ADAPTER = "emporium.accounts.adapters.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "emporium.accounts.adapters.SocialAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "emporium.accounts.forms.SignupDetailsForm"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
# The link opens a page with a button: mail scanners that follow links must not verify for the customer.
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
# One address per customer; a new one replaces it once verified, so orders go where they read.
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_NOTIFICATIONS = True  # tell the customer when their password or e-mail changes
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"{SITE_NAME}: "
ACCOUNT_RATE_LIMITS = {
    # Five wrong passwords lock an account (known or not, so the lock reveals nothing) for
    # 15 minutes; a password reset lifts it. One address may fail 20 times across accounts.
    "login_failed": "20/15m/ip,5/15m/key",
    "reset_password": "20/15m/ip,3/15m/key",
    "reset_password_from_key": "20/m/ip",
    "signup": "20/15m/ip",
    # A guest looking an order up by number and e-mail (emporium.checkout.views): enough for
    # typos, too few to guess which address goes with a number.
    "order_lookup": "10/15m/ip,5/15m/key",
    # Reviews posted (emporium.reviews.limits): buyers only and once per product already;
    # this caps a stolen account or a script on one address.
    "review": "10/h/ip,5/h/key",
    # Back-in-stock alerts asked for (emporium.alerts.views): per address and per e-mail, so
    # nobody floods an inbox with confirmation e-mails.
    "stock_alert": "20/h/ip,3/h/key",
    # Wrong gift card codes typed at checkout (emporium.giftcards.limits), per address and per
    # cart: plenty for typos, far too few to find a card by guessing.
    "gift_card_code": "10/10m/ip,10/10m/key",
}
# Behind the load balancer every request comes from its address; the client's is the last
# one it appends to X-Forwarded-For. Without this, per-IP limits would lock out everybody at once.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=1 if IS_PRODUCTION else 0)
# X-Forwarded-For counts only from these socket addresses (emporium/core/client_ip.py): a request
# that reaches the app around the proxy cannot pick its own address by writing the header.
TRUSTED_PROXY_NETWORKS = env.list(
    "TRUSTED_PROXY_NETWORKS",
    default=["127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"],
)
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = SITE_NAME
# Accept the code of the 30-second step before or after too (RFC 6238 section 5.2): a code typed
# as the step turns, or on a phone whose clock drifts a little, must still work.
MFA_TOTP_TOLERANCE = 1

# Social login: a provider appears on the login page only when its credentials are set.
SOCIALACCOUNT_AUTO_SIGNUP = True
# A provider that vouches for an e-mail address logs in the customer who has it verified here
# and connects the two; allauth wipes the password of an account whose address was never verified.
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_PROVIDERS: dict[str, dict[str, Any]] = {}
if env.str("GOOGLE_CLIENT_ID", default=""):
    SOCIALACCOUNT_PROVIDERS["google"] = {
        "APPS": [{"client_id": env.str("GOOGLE_CLIENT_ID"), "secret": env.str("GOOGLE_CLIENT_SECRET")}],
        "SCOPE": ["profile", "email"],
        "OAUTH_PKCE_ENABLED": True,
    }
if env.str("GITHUB_CLIENT_ID", default=""):
    SOCIALACCOUNT_PROVIDERS["github"] = {
        "APPS": [{"client_id": env.str("GITHUB_CLIENT_ID"), "secret": env.str("GITHUB_CLIENT_SECRET")}],
        "SCOPE": ["user:email"],
    }
if env.str("OIDC_SERVER_URL", default=""):
    SOCIALACCOUNT_PROVIDERS["openid_connect"] = {
        "OAUTH_PKCE_ENABLED": True,
        "APPS": [
            {
                "provider_id": env.str("OIDC_PROVIDER_ID", default="sso"),
                "name": env.str("OIDC_PROVIDER_NAME", default="Single sign-on"),
                "client_id": env.str("OIDC_CLIENT_ID"),
                "secret": env.str("OIDC_CLIENT_SECRET"),
                "settings": {"server_url": env.str("OIDC_SERVER_URL")},
            }
        ],
    }

# --- API ------------------------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "emporium.accounts.api.tokens.VersionedJWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Closed unless an endpoint opens itself (public catalogue endpoints say AllowAny).
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "EXCEPTION_HANDLER": "emporium.core.api.errors.handle_api_exception",
    # JSON only: a browser visiting the API gets JSON too, never an HTML page.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "emporium.core.api.schema.ProblemAwareAutoSchema",
    "DEFAULT_THROTTLE_CLASSES": [
        "emporium.core.api.throttling.AnonymousClientThrottle",
        "emporium.core.api.throttling.AuthenticatedClientThrottle",
    ],
    # Behind the load balancer the client's address is the one it appends to X-Forwarded-For.
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,  # unused: the throttles ask emporium.core.client_ip
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
# Requests per client and period ("120/minute"), read on every request; empty turns a limit off.
API_THROTTLE_ANON = env.str("API_THROTTLE_ANON", default="120/minute")
API_THROTTLE_USER = env.str("API_THROTTLE_USER", default="600/minute")
# JSON request bodies larger or deeper than this are refused before parsing (hostile_input.py).
JSON_BODY_MAX_BYTES = env.int("JSON_BODY_MAX_BYTES", default=1024 * 1024)
JSON_BODY_MAX_DEPTH = env.int("JSON_BODY_MAX_DEPTH", default=32)
# Keep the rendered JSON of catalog reads under the catalog version (one cache round trip per
# warm read). Off, every read is built and serialised again: for measuring that (bench --no-cache).
API_CATALOG_BODY_CACHE = env.bool("API_CATALOG_BODY_CACHE", default=True)
# Browser apps on other origins that may call the API (e.g. https://app.shop.example); none by default.
CORS_ALLOWED_ORIGINS: list[str] = env.list("CORS_ALLOWED_ORIGINS", default=[])
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_HEADERS = (
    "accept",
    "authorization",
    "content-type",
    "if-none-match",
    "x-cart-token",
    "x-order-token",
)
CORS_EXPOSE_HEADERS = ["ETag", "Retry-After"]
SPECTACULAR_SETTINGS = {
    "TITLE": f"{SITE_NAME} API",
    "DESCRIPTION": (
        "Everything the storefront does: catalog, cart, checkout, the customer's orders and "
        "addresses, and staff endpoints. Errors are RFC 9457 problem details "
        "(`application/problem+json`). Authenticate with `Authorization: Bearer <access token>` "
        "from `POST /api/v1/auth/token/`; anonymous carts travel in the `X-Cart-Token` header."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "OrderStatusEnum": "emporium.orders.models.OrderStatus",
        "WebhookEventTypeEnum": "emporium.webhooks.models.WebhookEventType",
        "PromotionKindEnum": "emporium.promotions.models.Promotion.Kind",
        "PromotionSegmentEnum": "emporium.promotions.models.Promotion.Segment",
        "RfmSegmentEnum": "emporium.analytics.segments.SEGMENTS",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "emporium.core.api.schema.document_empty_query_values",
    ],
    # Swagger UI from our own static files (node_modules/swagger-ui-dist): no CDN, works offline.
    "SWAGGER_UI_DIST": "/static/swagger-ui",
    "SWAGGER_UI_FAVICON_HREF": "/static/swagger-ui/favicon-32x32.png",
    "SWAGGER_UI_SETTINGS": {"persistAuthorization": True, "displayOperationId": False},
}
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_TOKEN_MINUTES", default=5)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_TOKEN_DAYS", default=14)),
    # Each refresh hands out a new refresh token and blacklists the old one, so a stolen
    # refresh token stops working the next time its owner refreshes.
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "SIGNING_KEY": env.str("JWT_SIGNING_KEY", default=SECRET_KEY),
    "AUTH_HEADER_TYPES": ("Bearer",),
    "USER_ID_FIELD": "id",
    # Access tokens carry a hash of the password hash: a password change ends them at once,
    # however it happened, without waiting five minutes.
    "CHECK_REVOKE_TOKEN": True,
}

# --- Internationalisation -------------------------------------------------------------------

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env.str("TIME_ZONE", default="Europe/London")
USE_I18N = True
USE_TZ = True

# --- Static files and the Vite build --------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_FINDERS = [
    "emporium.core.staticfiles.FileSystemFinder",  # STATICFILES_DIRS less the unused swagger builds
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
]
STATICFILES_DIRS: list[Path | tuple[str, Path]] = [
    BASE_DIR / "frontend" / "dist",
    # Swagger UI for /api/docs/, from npm (package.json): served by us, no CDN needed.
    ("swagger-ui", BASE_DIR / "node_modules" / "swagger-ui-dist"),
]
# Files browsers ask for at the site's root (/favicon.ico), served by WhiteNoise.
WHITENOISE_ROOT = BASE_DIR / "emporium" / "core" / "public"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
# Uploaded media on S3-compatible object storage (AWS S3, MinIO, Cloudflare R2, Scaleway...)
# once a bucket is named, so every web and worker replica sees the same files; on disk otherwise.
AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
_MEDIA_STORAGE: dict[str, Any] = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
if AWS_STORAGE_BUCKET_NAME:
    _MEDIA_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            # Credentials from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or the pod's role.
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("AWS_S3_REGION_NAME", default="") or None,
            "custom_domain": env.str("AWS_S3_CUSTOM_DOMAIN", default="") or None,
            "location": env.str("AWS_LOCATION", default="media"),
            # Product images are public; signed URLs would make every page uncacheable.
            "querystring_auth": env.bool("AWS_QUERYSTRING_AUTH", default=False),
            "file_overwrite": False,
            "default_acl": None,
        },
    }
STORAGES = {
    "default": _MEDIA_STORAGE,
    # Hashed, compressed, cached forever. In DEBUG the dev server serves from the finders.
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
DJANGO_VITE = {
    "default": {
        # With VITE_DEV_MODE=1 pages load assets from `npm run dev` with hot reload;
        # otherwise from the manifest that `npm run build` writes.
        "dev_mode": env.bool("VITE_DEV_MODE", default=False),
        "dev_server_host": "127.0.0.1",
        "dev_server_port": 5173,
        "manifest_path": BASE_DIR / "frontend" / "dist" / "manifest.json",
    }
}

# --- Security -------------------------------------------------------------------------------

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads it to send X-CSRFToken
X_FRAME_OPTIONS = "DENY"
# Scripts from our origin, Stripe.js, and inline ones carrying this response's nonce: no
# unsafe-inline, no unsafe-eval (see emporium/core/security_headers.py). Violations are reported
# to /csp-report/ and logged. With VITE_DEV_MODE the dev server is allowed too (hot reload).
_VITE_DEV = ["http://127.0.0.1:5173", "ws://127.0.0.1:5173"] if DJANGO_VITE["default"]["dev_mode"] else []
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE, "https://js.stripe.com", *_VITE_DEV[:1]],
        "style-src": [SELF, "'unsafe-inline'", *_VITE_DEV[:1]],
        "img-src": [SELF, "data:", "https://*.stripe.com"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF, "https://api.stripe.com", *_VITE_DEV],
        "frame-src": ["https://js.stripe.com", "https://hooks.stripe.com"],
        "frame-ancestors": [NONE],
        "object-src": [NONE],
        "base-uri": [SELF],
        "report-uri": ["/csp-report/"],
    }
}
PERMISSIONS_POLICY = env.str(
    "PERMISSIONS_POLICY",
    default="accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), "
    'usb=(), payment=(self "https://js.stripe.com")',
)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if IS_PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # Probes from the orchestrator speak plain HTTP inside the cluster.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    # TLS ends at the load balancer or ingress, which says so in this header.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Logging --------------------------------------------------------------------------------

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
# json: one object per line for the log collector (default in production); plain for people.
LOG_FORMAT = env.str("LOG_FORMAT", default="json" if IS_PRODUCTION else "plain")
if LOG_FORMAT not in {"json", "plain"}:
    raise ImproperlyConfigured("LOG_FORMAT must be 'json' or 'plain'.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "emporium.core.request_id.RequestIdLogFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s %(process)d",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
            "timestamp": False,
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["request_id"]}
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "celery": {"level": LOG_LEVEL},
        # httpx logs every request's full URL at INFO; a webhook URL may carry a token in its
        # query string. The webhooks app logs the endpoint by id instead.
        "httpx": {"level": "WARNING"},
    },
}

# --- Error reports and tracing --------------------------------------------------------------

# Sentry when a DSN is set: unhandled errors of web requests and Celery tasks, without personal
# data. Tracing goes to OpenTelemetry instead (config/observability.py, OTEL_EXPORTER_OTLP_ENDPOINT).
SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    import sentry_sdk

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=env.str("SENTRY_ENVIRONMENT", default=EMPORIUM_ENV),
        release=env.str("SENTRY_RELEASE", default="") or None,
        send_default_pii=False,
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
    )
