"""Settings shared by every environment.

Every setting is declared here and read from the environment through django-environ; the other modules change
values and hardening only. No ``DATABASE_URL`` means a SQLite file (the demo); no ``REDIS_URL`` means Celery runs
tasks in-process (the demo).
"""

from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# The public address printed on QR posters (e.g. https://onestop.example.gov.cn); empty: taken from the request.
PUBLIC_BASE_URL = env("PUBLIC_BASE_URL", default="")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "csp",
    "config.security",
    "organizations",
    "disputes",
    "referrals",
    "mediation",
    "arbitration",
    "stats",
    "knowledge",
]

MIDDLEWARE = [
    # Outermost: every request gets its id (X-Request-ID) before anything logs, and every denial is logged.
    "config.security_log.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # First after SecurityMiddleware, so that error pages, 404s, static files and downloads get them too.
    "csp.middleware.CSPMiddleware",
    "config.security.middleware.NoStoreMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.middleware.ChineseFirstLocaleMiddleware",
    "config.middleware.DatabaseUnavailableMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Absolute session timeout, and staff must pass two-factor verification (config/security/middleware.py).
    "config.security.middleware.StaffSessionMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a lock-out flagged during sign-in into the 429 page
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
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False  # services own their transactions (STYLE.md)
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
# A kept connection is checked before reuse, so the first request after the database comes back succeeds.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # An unreachable database costs a request at most this long, then a 503 (config.middleware), never a hang.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", env.int("DATABASE_CONNECT_TIMEOUT", default=3)
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (rate limits, lock-outs): Redis where there is one, else this process's memory (the demo) ----------
REDIS_URL = env("REDIS_URL", default="")
CACHES = {
    "default": (
        {
            "BACKEND": "config.cache.FailOpenRedisCache",  # an unreachable Redis must not turn pages into 500s
            "LOCATION": env("CACHE_URL", default=REDIS_URL),
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}
RATELIMIT_USE_CACHE = "default"
RATELIMIT_IP_META_KEY = "config.client.client_ip"
# How many reverse proxies of our own stand in front of the app (0: clients connect directly). See config/client.py.
TRUSTED_PROXY_HOPS = env.int("TRUSTED_PROXY_HOPS", default=0)
# With the cache unreachable (Redis down) the limits are suspended rather than refusing every claim: filing must
# keep working through a Redis outage (config/cache.py).
RATELIMIT_FAIL_OPEN = env.bool("RATELIMIT_FAIL_OPEN", default=True)

# --- Auth and sessions ----------------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Argon2id first: new and re-set passwords are hashed with it, older hashes upgrade at the next sign-in.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
# Axes' backend first: it refuses a locked-out username+address before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
SESSION_ENGINE = "django.contrib.sessions.backends.db"  # sessions live in the database, never in Redis
# Idle timeout: every request renews the cookie and the row, so a session ends this long after its last request.
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_SECONDS", default=30 * 60)
SESSION_SAVE_EVERY_REQUEST = True
# Absolute timeout: a signed-in session ends this long after sign-in however active it is (config/security).
SESSION_ABSOLUTE_SECONDS = env.int("SESSION_ABSOLUTE_SECONDS", default=12 * 60 * 60)
SESSION_COOKIE_NAME = env("SESSION_COOKIE_NAME", default="sessionid")
CSRF_COOKIE_NAME = env("CSRF_COOKIE_NAME", default="csrftoken")
LOGIN_URL = "admin:login"

# Sign-in lock-out (django-axes): failures are counted per username *and* address together, so an attacker
# guessing from one address locks only that pair and cannot lock a member of staff out from everywhere.
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.5)  # hours; then the pair may try again
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_CLIENT_IP_CALLABLE = "config.client.client_ip"  # the trusted proxy hop, as for every other limit
AXES_LOCKOUT_CALLABLE = "config.security.lockout.lockout_response"  # Chinese page or JSON, status 429
AXES_RESET_ON_SUCCESS = True
AXES_SENSITIVE_PARAMETERS = ["password", "otp_token"]

# Two-factor authentication for every member of staff (django-otp: TOTP, recovery codes). The pages that need it
# start with these prefixes; a signed-in member of staff not yet verified is sent to verify or enrol first, and a
# session-authenticated API call gets 403 (config/security/middleware.py).
OTP_REQUIRED_PATH_PREFIXES = ["/admin/", "/stats/", "/api/"]
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", default="OneStop 一站式")
OTP_STATIC_RECOVERY_CODES = 10

# --- Languages and time ---------------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files --------------------------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "config" / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# Evidence uploads: limits stated on the form, checked from the content (disputes/evidence.py).
EVIDENCE_MAX_FILES = env.int("EVIDENCE_MAX_FILES", default=10)
EVIDENCE_MAX_BYTES = env.int("EVIDENCE_MAX_BYTES", default=10 * 1024 * 1024)
EVIDENCE_MAX_PIXELS = env.int("EVIDENCE_MAX_PIXELS", default=40_000_000)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FILES = EVIDENCE_MAX_FILES + 5
# Virus scanning of evidence (disputes/scanning.py): a clamd address, tcp://host:3310 or unix:///path/clamd.ctl.
# Set: every new file is quarantined (never served) until clamd calls it clean. Empty: no scanner; files are
# marked "not scanned" and served, and the staff see that they were not scanned.
CLAMAV_URL = env("CLAMAV_URL", default="")
CLAMAV_TIMEOUT_SECONDS = env.float("CLAMAV_TIMEOUT_SECONDS", default=30.0)
# Files still waiting for a verdict this long after upload are queued again by the beat sweeper.
EVIDENCE_SCAN_RETRY_MINUTES = env.int("EVIDENCE_SCAN_RETRY_MINUTES", default=10)

# --- Security (production hardens these values) ---------------------------------------------------------------
# Content-Security-Policy on every response (django-csp). No inline script or style anywhere: templates use
# static files; the API docs page widens style-src for itself only (config/urls.py).
_SELF, _NONE = "'self'", "'none'"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [_SELF],
        "script-src": [_SELF],
        "style-src": [_SELF],
        "img-src": [_SELF, "data:", "blob:"],
        "font-src": [_SELF],
        "connect-src": [_SELF],
        "object-src": [_NONE],
        "base-uri": [_NONE],
        "frame-ancestors": [_NONE],
        "form-action": [_SELF],
    }
}
# Responses under these prefixes (the claim form and its receipt, tracking, staff pages, the API) carry
# ``Cache-Control: no-store``: a shared or back-button cache must not keep people's data.
NO_STORE_PATH_PREFIXES = ["/intake/", "/track/", "/report-risk/", "/admin/", "/stats/", "/api/", "/staff/"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SECURE_PROXY_SSL_HEADER = None
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=False)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=False)

# --- People's data --------------------------------------------------------------------------------------------
# Fernet keys for ID numbers and phones at rest; the first encrypts, all decrypt (rotation keeps old keys here
# until every row is re-encrypted). The keyed hash that matches the same person across cases uses its own key.
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS")
PII_HASH_KEY = env("PII_HASH_KEY")
# Retention (PIPL Art. 19): this many days after a case is closed (or rejected, withdrawn) its people's data is
# anonymised — names, ID numbers, phones, addresses, free text and evidence files — while the figures stay
# (disputes/retention.py, beat task disputes.anonymise_closed_cases). 0 turns it off.
CASE_RETENTION_DAYS = env.int("CASE_RETENTION_DAYS", default=3 * 365)
RETENTION_BATCH_SIZE = env.int("RETENTION_BATCH_SIZE", default=200)

# --- Statistics for officials (stats/) ------------------------------------------------------------------------
# Cells with fewer cases than this are shown as "<N" (and their amounts, rates and days not at all), on the page,
# in the API and in the exports, so that no person at a small employer can be singled out.
STATS_MIN_CELL = env.int("STATS_MIN_CELL", default=5)
# How often the beat task stats.refresh recomputes the cases changed since its last run.
STATS_REFRESH_SECONDS = env.float("STATS_REFRESH_SECONDS", default=300.0)

# --- Celery ---------------------------------------------------------------------------------------------------
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL  # no broker: the demo runs tasks in-process
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_RESULT_BACKEND = None
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {
    # Exact names are matched before patterns: handoffs have their own queue and workers.
    "referrals.deliver_handoff": {"queue": "handoffs"},
    "referrals.sweep_handoffs": {"queue": "handoffs"},
    "referrals.*": {"queue": "notifications"},
}
CELERY_TASK_QUEUES_NAMES = ["default", "notifications", "handoffs"]
# A web request publishes with a short, bounded wait: with Redis down it fails fast and the outbox row waits for
# the beat sweeper instead of the request hanging.
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=1.0)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 1,
    "socket_timeout": 5,
    "max_retries": 0,
    "visibility_timeout": 3600,
}
CELERY_TASK_PUBLISH_RETRY = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Workers keep their database connection from one task to the next (config/celery.py): Celery's Django fixup
# closes it around every task unless this is set (it then closes it every this many tasks), and opening a
# PostgreSQL connection costs more than a delivery's own queries. Django's close_old_connections() still runs
# around each task, as around each request, so a broken or old connection (WORKER_CONN_MAX_AGE) is replaced.
CELERY_DB_REUSE_MAX = env.int("CELERY_DB_REUSE_MAX", default=1000)
WORKER_CONN_MAX_AGE = env.int("WORKER_CONN_MAX_AGE", default=600)
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "referrals-sweep-events": {"task": "referrals.sweep_case_events", "schedule": 60.0},
    "referrals-sweep-notifications": {"task": "referrals.sweep_notifications", "schedule": 60.0},
    # Hourly: the confirmation SMS's PIN is emptied from its row once a day old, like the intake receipt's.
    "referrals-clean-up-notification-pins": {
        "task": "referrals.clean_up_notification_pins",
        "schedule": 3600.0,
    },
    "referrals-sweep-handoffs": {
        "task": "referrals.sweep_handoffs",
        "schedule": env.float("HANDOFF_SWEEP_SECONDS", default=10.0),
    },
    "disputes-intake-clean-up": {"task": "disputes.intake_clean_up", "schedule": 60.0 * 60},
    # Hourly, so a missed run is caught up the same day; the service alerts each case at most once a day.
    "disputes-acceptance-overdue": {"task": "disputes.acceptance_overdue_alerts", "schedule": 60.0 * 60},
    # The daily deadline reminders, run hourly for the same reason: each reminder is keyed, so it goes out once.
    "disputes-deadline-reminders": {"task": "disputes.deadline_reminders", "schedule": 60.0 * 60},
    # Daily: closed cases past CASE_RETENTION_DAYS are anonymised (a missed day is caught up the next one).
    "disputes-anonymise-closed-cases": {
        "task": "disputes.anonymise_closed_cases",
        "schedule": 60.0 * 60 * 24,
    },
    # Evidence whose scan was never published (broker down) or never finished is queued again.
    "disputes-sweep-evidence-scans": {"task": "disputes.sweep_evidence_scans", "schedule": 60.0 * 5},
    # The same for payment proofs (mediation/scanning.py).
    "mediation-sweep-payment-proof-scans": {
        "task": "mediation.sweep_payment_proof_scans",
        "schedule": 60.0 * 5,
    },
    # Daily is enough for reminders counted in days; each reminder is recorded once per key, so a rerun is a no-op.
    "mediation-reminders": {"task": "mediation.reminders", "schedule": 60.0 * 60 * 24},
    # Daily: each check-in after closure is recorded once per case and offset; a missed day is caught up.
    "referrals-aftercare-checkins": {"task": "referrals.aftercare_checkins", "schedule": 60.0 * 60 * 24},
    # Every few minutes: recompute the cases changed since the last run (the case effect keeps the figures
    # current already; this repairs changes no service announced). stats/services.py.
    "stats-refresh": {"task": "stats.refresh", "schedule": STATS_REFRESH_SECONDS},
}
# /readyz asks the workers to answer a ping only where the deployment says workers must be running.
READYZ_REQUIRE_WORKERS = env.bool("READYZ_REQUIRE_WORKERS", default=False)

# --- Handoffs between organizations (referrals/handoffs.py, docs/outbox.md) -----------------------------------
# How long a delivery task may hold a row before the sweeper takes it back (its worker is presumed dead).
HANDOFF_LEASE_SECONDS = env.int("HANDOFF_LEASE_SECONDS", default=120)
HANDOFF_MAX_ATTEMPTS = env.int("HANDOFF_MAX_ATTEMPTS", default=8)
HANDOFF_RETRY_BASE_SECONDS = env.float("HANDOFF_RETRY_BASE_SECONDS", default=30.0)
# Leases run out this many times (the task killed each time): a dead letter instead of a loop.
HANDOFF_MAX_LAPSES = env.int("HANDOFF_MAX_LAPSES", default=3)
# Inbox deliveries one task claims and delivers together (referrals.handoffs.handoff_deliveries_deliver).
HANDOFF_BATCH_SIZE = env.int("HANDOFF_BATCH_SIZE", default=100)

# --- Mediation ------------------------------------------------------------------------------------------------
# How many days before an instalment of a mediation agreement falls due its reminder goes out.
MEDIATION_PAYMENT_REMINDER_DAYS = env.int("MEDIATION_PAYMENT_REMINDER_DAYS", default=3)

# --- Legal aid and aftercare (referrals/legal_aid.py, referrals/aftercare.py) ----------------------------------
# 法律援助法 Art. 43: the centre decides within 7 days of the application and assigns a lawyer within 3 days of
# granting aid; Art. 44: aid starts first when a deadline of the case is this many days away or less. The law says
# days (calendar, the last day moved past a holiday); a locality that counts working days sets "working".
LEGAL_AID_DECISION_DAYS = env.int("LEGAL_AID_DECISION_DAYS", default=7)
LEGAL_AID_ASSIGN_DAYS = env.int("LEGAL_AID_ASSIGN_DAYS", default=3)
LEGAL_AID_DAY_TYPE = env("LEGAL_AID_DAY_TYPE", default="calendar")
LEGAL_AID_FAST_TRACK_DAYS = env.int("LEGAL_AID_FAST_TRACK_DAYS", default=7)
# Days after closure at which the worker is asked how they are; a case closed longer ago than the offset plus the
# grace is not asked any more (a scan that missed days catches up, an old archive is not flooded).
AFTERCARE_CHECKIN_DAYS = env.list("AFTERCARE_CHECKIN_DAYS", cast=int, default=[30, 90])
AFTERCARE_CHECKIN_GRACE_DAYS = env.int("AFTERCARE_CHECKIN_GRACE_DAYS", default=14)

# --- Notifications --------------------------------------------------------------------------------------------
# referrals.sms.ConsoleSmsBackend (logs, number masked) or referrals.sms.AliyunSmsBackend (dysmsapi SendSms).
SMS_BACKEND = env("SMS_BACKEND", default="referrals.sms.ConsoleSmsBackend")
SMS_ALIYUN_ACCESS_KEY_ID = env("SMS_ALIYUN_ACCESS_KEY_ID", default="")
SMS_ALIYUN_ACCESS_KEY_SECRET = env("SMS_ALIYUN_ACCESS_KEY_SECRET", default="")
SMS_ALIYUN_SIGN_NAME = env("SMS_ALIYUN_SIGN_NAME", default="")
# A generic template whose one parameter ``content`` carries the whole text.
SMS_ALIYUN_TEMPLATE_CODE = env("SMS_ALIYUN_TEMPLATE_CODE", default="")
SMS_ALIYUN_ENDPOINT = env("SMS_ALIYUN_ENDPOINT", default="https://dysmsapi.aliyuncs.com/")
SMS_ALIYUN_TIMEOUT_SECONDS = env.float("SMS_ALIYUN_TIMEOUT_SECONDS", default=10.0)
# SMS due in these hours wait for their end (the filing's confirmation with the PIN excepted); empty: none.
SMS_QUIET_HOURS = env("SMS_QUIET_HOURS", default="21:00-08:00")
SMS_QUIET_HOURS_TIME_ZONE = env("SMS_QUIET_HOURS_TIME_ZONE", default="Asia/Shanghai")
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="OneStop <noreply@onestop.invalid>")

# --- Knowledge and consultation (knowledge/) ------------------------------------------------------------------
# The assistant answers from the retrieved articles alone unless a language-model provider is configured:
# "" (none) or "openai" (any OpenAI-compatible chat-completions endpoint). Its prompt holds only the retrieved
# articles and the question with personal data removed; on any failure the retrieval answer is given.
CONSULT_PROVIDER = env("CONSULT_PROVIDER", default="")
CONSULT_LLM_BASE_URL = env("CONSULT_LLM_BASE_URL", default="")
CONSULT_LLM_API_KEY = env("CONSULT_LLM_API_KEY", default="")
CONSULT_LLM_MODEL = env("CONSULT_LLM_MODEL", default="")
CONSULT_LLM_TIMEOUT_SECONDS = env.float("CONSULT_LLM_TIMEOUT_SECONDS", default=15.0)
# Questions per address and hour on the /knowledge/ page (the API's rate is REST_FRAMEWORK "consult").
CONSULT_PAGE_RATE = env("CONSULT_PAGE_RATE", default="30/h")

# --- REST API -------------------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "config.api.exception_handler",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "NUM_PROXIES": TRUSTED_PROXY_HOPS,  # DRF throttles read the client address as config/client.py does
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("API_ANON_RATE", default="30/minute"),
        "intake": env("API_INTAKE_RATE", default="20/hour"),
        "consult": env("API_CONSULT_RATE", default="30/hour"),  # the consultation assistant (knowledge/)
        "knowledge": env("API_KNOWLEDGE_RATE", default="120/minute"),  # article lists and search
    },
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "OneStop API",
    "DESCRIPTION": "一站式劳动争议多元化解平台 — REST API v1",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",  # served from our own static files: no CDN, works offline and under a strict CSP
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Choice sets that share a field name ("status", "kind") across components get names of their own.
    # The 404 every operation with a path parameter or a page can answer (config/api_schema.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.api_schema.document_not_found",
    ],
    "ENUM_NAME_OVERRIDES": {
        "HandoffStatusEnum": "referrals.states.HandoffStatus",
        "HandoffKindEnum": "referrals.states.HandoffKind",
        "HandoffDeliveryStatusEnum": "referrals.states.DeliveryStatus",
    },
}

# --- Logging: no personal data is ever passed to a logger (values are masked before they get here) -----------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "config.security_log.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "config.security_log.JsonFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["request_id"]},
        # The security log (config/security_log.py): JSON lines, no personal values, its own stream.
        "security": {"class": "logging.StreamHandler", "formatter": "json", "filters": ["request_id"]},
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "onestop.security": {"handlers": ["security"], "level": "INFO", "propagate": False},
    },
}
