# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Connection options of every cfiam.user_groups module: argument spec, validation, client factory.

Layer 1 of 9, HTTP (the layer map: docs/development.md). It may import ``ratelimit`` and ``client``.

``cloudflare_argument_spec()`` is the spec of the options documented in the
``cfiam.user_groups.connection`` doc fragment. ``ConnectionSettings.from_params``
validates them in one place - credentials, account, base URL, limits - and
either returns the settings (with ``warnings`` for the caller to emit) or raises
one ``ConnectionSettingsError`` that lists every problem at once; no message
ever contains a credential. ``build_client`` makes the ``CloudflareClient`` from
settings (the client checks nothing again).
``mask_secrets`` (from ``client``) masks credentials in any result or text.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import math
import unicodedata
from urllib.parse import urlsplit

from ansible.module_utils.basic import env_fallback

from ansible_collections.cfiam.user_groups.plugins.module_utils.client import (
    API_PATH_SUFFIX,
    DEFAULT_BASE_URL,
    DEFAULT_MAX_TOTAL_WAIT,
    CloudflareClient,
    CloudflareConfigError,
    mask_secrets,
)
from ansible_collections.cfiam.user_groups.plugins.module_utils.ratelimit import (
    DEFAULT_BUDGET,
    DEFAULT_PER_SECOND,
    DEFAULT_WINDOW,
    MAX_SLOTS,
)

CLOUDFLARE_BUDGET = 1200       # Cloudflare: requests per 300 s per token
CLOUDFLARE_PER_SECOND = 200    # Cloudflare: requests per second per IP
CREDENTIAL_OPTIONS = ("api_token", "api_email", "api_key")


def cloudflare_argument_spec():
    """Connection options shared by every module (documented in the ``cfiam.user_groups.connection`` fragment)."""
    return dict(
        api_token=dict(type="str", no_log=True, fallback=(env_fallback, ["CLOUDFLARE_API_TOKEN"])),
        api_email=dict(type="str", fallback=(env_fallback, ["CLOUDFLARE_EMAIL"])),
        api_key=dict(type="str", no_log=True, fallback=(env_fallback, ["CLOUDFLARE_API_KEY"])),
        account_id=dict(type="str", fallback=(env_fallback, ["CLOUDFLARE_ACCOUNT_ID"])),
        base_url=dict(type="str", fallback=(env_fallback, ["CLOUDFLARE_BASE_URL"])),
        allow_insecure_http=dict(type="bool", default=False),
        timeout=dict(type="int", default=30),
        validate_certs=dict(type="bool", default=True),
        max_retries=dict(type="int", default=5),
        max_retry_wait=dict(type="int", default=300),
        max_total_wait=dict(type="int", default=DEFAULT_MAX_TOTAL_WAIT,
                            fallback=(env_fallback, ["CLOUDFLARE_MAX_TOTAL_WAIT"])),
        rate_limit=dict(type="int", default=DEFAULT_BUDGET, fallback=(env_fallback, ["CLOUDFLARE_RATE_LIMIT"])),
        rate_limit_per_second=dict(type="int", default=DEFAULT_PER_SECOND,
                                   fallback=(env_fallback, ["CLOUDFLARE_RATE_LIMIT_PER_SECOND"])),
        rate_limit_dir=dict(type="path", fallback=(env_fallback, ["CLOUDFLARE_RATE_LIMIT_DIR"])),
    )


CONNECTION_KEYS = tuple(cloudflare_argument_spec())
CONNECTION_REQUIRED_TOGETHER = [["api_email", "api_key"]]
_DEFAULTS = dict((key, spec.get("default")) for key, spec in cloudflare_argument_spec().items())


class ConnectionSettingsError(CloudflareConfigError):
    """Connection settings that cannot be used; ``problems`` lists every one (no credential in any of them)."""

    def __init__(self, problems):
        self.problems = list(problems)
        super(ConnectionSettingsError, self).__init__("Invalid connection settings: %s" % "; ".join(self.problems))


class ConnectionSettings(object):
    """Validated connection settings; ``warnings`` are for the caller to emit (e.g. ``module.warn``).

    Attributes: api_token, api_email, api_key (stripped; None when unset),
    account_id, base_url (no trailing slash), allow_insecure_http, timeout,
    validate_certs, max_retries, max_retry_wait, max_total_wait, rate_limit,
    rate_limit_per_second, rate_limit_dir, warnings, secrets (every credential
    value as given and as stripped: what ``mask_secrets`` must hide).
    """

    def __init__(self, **values):
        self.warnings = []
        self.secrets = ()
        for key, value in values.items():
            setattr(self, key, value)

    def __repr__(self):  # never shows a credential
        shown = ", ".join("%s=%r" % (key, getattr(self, key)) for key in CONNECTION_KEYS
                          if key not in CREDENTIAL_OPTIONS)
        given = [key for key in CREDENTIAL_OPTIONS if getattr(self, key, None)]
        return "ConnectionSettings(%s, credentials=%s)" % (shown, "+".join(given) or "none")

    def client_kwargs(self):
        """Keyword arguments of ``CloudflareClient`` (without ``warn``)."""
        return dict(
            api_token=self.api_token, api_email=self.api_email, api_key=self.api_key, account_id=self.account_id,
            base_url=self.base_url, timeout=self.timeout, validate_certs=self.validate_certs,
            max_retries=self.max_retries, max_retry_wait=self.max_retry_wait, max_total_wait=self.max_total_wait,
            rate_limit=self.rate_limit, rate_limit_per_second=self.rate_limit_per_second,
            rate_limit_dir=self.rate_limit_dir, rate_limit_window=DEFAULT_WINDOW, secrets=self.secrets)

    @classmethod
    def from_params(cls, params, needs_account=True, host=None):
        """Validate the connection options of ``params`` (a module's params, fallbacks applied).

        Missing keys (or None) take the spec's defaults. Returns the settings;
        raises ``ConnectionSettingsError`` listing every problem at once.
        ``host``: the inventory host the task runs for, named when it has no account.
        """
        params = params or {}
        problems = []
        warnings = []
        raw_secrets = []

        def get(key):
            value = params.get(key)
            return _DEFAULTS.get(key) if value is None else value

        token, email, key = _credentials(params, problems, warnings, raw_secrets)
        account_id = _account(params, needs_account, host, problems)
        allow_insecure_http = _boolean(get("allow_insecure_http"), "allow_insecure_http", problems)
        validate_certs = _boolean(get("validate_certs"), "validate_certs", problems)
        base_url = _base_url(params.get("base_url"), allow_insecure_http, validate_certs, problems, warnings)
        limits = _limits(get, problems, warnings)
        rate_limit_dir = params.get("rate_limit_dir") or None
        if rate_limit_dir is not None:
            rate_limit_dir = "%s" % rate_limit_dir
            if _has_control(rate_limit_dir):
                problems.append("rate_limit_dir contains a control character")

        if problems:
            raise ConnectionSettingsError(mask_secrets(problems, raw_secrets))
        settings = cls(
            api_token=token, api_email=email, api_key=key, account_id=account_id, base_url=base_url,
            allow_insecure_http=allow_insecure_http, validate_certs=validate_certs, rate_limit_dir=rate_limit_dir,
            **limits)
        secrets = set(raw_secrets)
        secrets.update(s for s in (token, key) if s)
        settings.secrets = tuple(sorted(secrets))
        settings.warnings = mask_secrets(warnings, settings.secrets)
        return settings


def build_client(settings, warn=None, **overrides):
    """The ``CloudflareClient`` for validated ``settings``; ``overrides`` replace client keyword arguments."""
    kwargs = settings.client_kwargs()
    kwargs.update(overrides)
    return CloudflareClient(warn=warn, **kwargs)


# --------------------------------------------------------------------------- helpers
_LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")


def _credentials(params, problems, warnings, raw_secrets):
    """``(api_token, api_email, api_key)`` stripped (None when unset); every problem, never a value, in ``problems``."""
    creds = {}
    for key in CREDENTIAL_OPTIONS:
        value = params.get(key)
        if value is not None and not isinstance(value, str):
            value = str(value)
        if value and key != "api_email":
            raw_secrets.append(value)
        value = (value or "").strip() or None
        if value is not None:
            problem = _credential_problem(key, value)
            if problem:
                problems.append(problem)
        creds[key] = value
    token, email, key = creds["api_token"], creds["api_email"], creds["api_key"]
    if not token and not (email and key):
        if email and not key:
            problems.append("api_email is set but api_key is not: the global API key needs both "
                            "(or set api_token instead)")
        elif key and not email:
            problems.append("api_key is set but api_email is not: the global API key needs both "
                            "(or set api_token instead)")
        else:
            problems.append("no Cloudflare credentials: set api_token (the task option, module_defaults for "
                            "group/cfiam.user_groups.cloudflare, the CLOUDFLARE_API_TOKEN environment variable, or "
                            "user_groups_api_token for the user_groups role), or api_email and api_key "
                            "(CLOUDFLARE_EMAIL and CLOUDFLARE_API_KEY; user_groups_api_email and "
                            "user_groups_api_key)")
    elif token and (email or key):
        warnings.append("Both api_token and the global API key (api_email/api_key) are set; api_token is used.")
    return token, email, key


def _account(params, needs_account, host, problems):
    """The account id (stripped), or None; a missing or malformed one is a problem."""
    account_id = params.get("account_id")
    account_id = ("%s" % account_id).strip() if account_id is not None else ""
    if not account_id:
        if needs_account:
            problems.append(_no_account_problem(host))
        return None
    if len(account_id) != 32 or any(c not in "0123456789abcdefABCDEF" for c in account_id):
        problems.append("account_id '%s' is not a Cloudflare account id (32 hexadecimal characters)"
                        % _printable(account_id))
    return account_id


def _limits(get, problems, warnings):
    """The numeric options (timeout, retries, waits, rate limits), checked; warnings past Cloudflare's limits."""
    limits = dict(
        timeout=_number(get("timeout"), "timeout", problems, minimum=0, exclusive=True,
                        what="seconds each whole reply may take"),
        max_retries=_number(get("max_retries"), "max_retries", problems, minimum=0, integer=True),
        max_retry_wait=_number(get("max_retry_wait"), "max_retry_wait", problems, minimum=0),
        max_total_wait=_number(get("max_total_wait"), "max_total_wait", problems, minimum=0),
        rate_limit=_number(get("rate_limit"), "rate_limit", problems, minimum=0, integer=True, maximum=MAX_SLOTS),
        rate_limit_per_second=_number(get("rate_limit_per_second"), "rate_limit_per_second", problems, minimum=0,
                                      integer=True, maximum=MAX_SLOTS))
    if limits["rate_limit"] is not None and limits["rate_limit"] > CLOUDFLARE_BUDGET:
        warnings.append("rate_limit=%d is more than Cloudflare's %d requests per 5 minutes per token: the "
                        "requests of this controller may get the token blocked for 5 minutes"
                        % (limits["rate_limit"], CLOUDFLARE_BUDGET))
    if limits["rate_limit_per_second"] is not None and limits["rate_limit_per_second"] > CLOUDFLARE_PER_SECOND:
        warnings.append("rate_limit_per_second=%d is more than Cloudflare's %d requests per second per IP"
                        % (limits["rate_limit_per_second"], CLOUDFLARE_PER_SECOND))
    return limits


def _no_account_problem(host):
    """What to do when no option gives the account: the likely fix first, the inventory only for an inventory host."""
    fix = ("set CLOUDFLARE_ACCOUNT_ID or account_id (the task option, module_defaults, or user_groups_account_id for "
           "the role)")
    if not host or ("%s" % host) in _LOCAL_HOSTS:
        return "no Cloudflare account: %s" % fix
    host = _printable("%s" % host)
    return ("no Cloudflare account for host '%s': run the play on the account hosts of the cfiam.user_groups.accounts "
            "inventory (hosts: cloudflare_accounts), which carry the variable cloudflare_account_id, give the host one "
            "(host_vars/%s.yml: cloudflare_account_id: <32 hexadecimal characters>), or %s" % (host, host, fix))


def _has_control(text):
    return any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") for c in text)


def _credential_problem(option, value):
    """Why a (stripped) credential cannot be right, naming the option only - never the value."""
    kinds = []
    if _has_control(value):
        kinds.append("a control character (such as a line break, tab or NUL)")
    if any(c.isspace() for c in value if not _has_control(c)):
        kinds.append("whitespace")
    if any(ord(c) > 126 for c in value if not c.isspace() and not _has_control(c)):
        kinds.append("a character outside printable ASCII")
    if not kinds:
        return None
    return ("%s contains %s inside it, which Cloudflare %s never do; check how the value was pasted, stored or "
            "templated (the value is not shown)"
            % (option, " and ".join(kinds), "emails" if option == "api_email" else "tokens and keys"))


def _printable(text):
    """A value fit for a message: control characters escaped."""
    return "".join(c if not _has_control(c) else repr(c)[1:-1] for c in text)


def _boolean(value, option, problems):
    if isinstance(value, bool):
        return value
    text = ("%s" % value).strip().lower()
    if text in ("1", "true", "yes", "on", "y", "t"):
        return True
    if text in ("0", "false", "no", "off", "n", "f"):
        return False
    problems.append("%s must be a boolean" % option)
    return None


def _number(value, option, problems, minimum=None, exclusive=False, integer=False, what=None, maximum=None):
    try:
        if isinstance(value, bool):
            raise ValueError
        number = float(value)
        if math.isnan(number) or math.isinf(number):
            raise ValueError
    except (TypeError, ValueError):
        problems.append("%s must be a number%s" % (option, " (%s)" % what if what else ""))
        return None
    if integer and not number.is_integer():
        problems.append("%s must be a whole number" % option)
        return None
    if minimum is not None and (number <= minimum if exclusive else number < minimum):
        problems.append("%s must be %s %s%s; got %s" % (
            option, "greater than" if exclusive else "at least", _plain(minimum),
            " (%s)" % what if what else "", _plain(number)))
        return None
    if maximum is not None and number > maximum:
        problems.append("%s must be at most %s%s; got %s" % (
            option, _plain(maximum), " (%s)" % what if what else "", _plain(number)))
        return None
    return int(number) if integer or number.is_integer() else number


def _plain(number):
    return "%d" % number if float(number).is_integer() else "%s" % number


def is_loopback_host(host):
    """True for localhost, 127.0.0.0/8 and ::1 (the only hosts plain http:// may reach without opting in)."""
    host = (host or "").lower().rstrip(".")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _base_url(value, allow_insecure_http, validate_certs, problems, warnings):
    url = ("%s" % value).strip() if value is not None else ""
    url = url or DEFAULT_BASE_URL
    if _has_control(url) or any(c.isspace() for c in url):
        problems.append("base_url contains whitespace or a control character")
        return None
    try:
        parts = urlsplit(url)
        port = parts.port
        host = parts.hostname
    except ValueError:
        problems.append("base_url is not a valid URL (check the host and port)")
        return None
    scheme = (parts.scheme or "").lower()
    if scheme not in ("http", "https"):
        problems.append("base_url '%s' must start with https:// (for example %s)" % (_printable(url), DEFAULT_BASE_URL)
                        if "@" not in url else "base_url must start with https://")
        return None
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        problems.append("base_url must not contain a user name or password (credentials go in api_token, or in "
                        "api_email and api_key); the URL is not shown")
        return None
    if not host:
        problems.append("base_url '%s' has no host name" % _printable(url))
        return None
    if parts.query or parts.fragment:
        problems.append("base_url must not contain a query string or fragment (the URL is not shown: it may "
                        "carry a secret)")
        return None
    shown = "%s://%s%s" % (scheme, parts.netloc, parts.path)
    if scheme == "http":
        if not is_loopback_host(host):
            if not allow_insecure_http:
                problems.append("base_url %s uses plain http:// to %s, which is not a loopback address: the API "
                                "token and every request would travel unencrypted. Use https://, or set "
                                "allow_insecure_http=true for a trusted test endpoint or proxy" % (shown, host))
                return None
            warnings.append("base_url %s uses plain http:// (allow_insecure_http=true): the API token and every "
                            "request travel unencrypted to %s" % (shown, host))
    elif validate_certs is False:
        warnings.append("validate_certs=false: the TLS certificate of %s is not verified, so the connection is "
                        "unauthenticated - anyone on the network path can pose as the API and read the API token. "
                        "Use it only for a test endpoint." % host)
    path = parts.path.rstrip("/")
    if not path.endswith(API_PATH_SUFFIX):
        warnings.append("base_url %s does not end in %s, where the Cloudflare API lives (%s); requests go to "
                        "%s/accounts/... - correct it unless a proxy maps the path"
                        % (shown, API_PATH_SUFFIX, DEFAULT_BASE_URL, shown.rstrip("/")))
    return "%s://%s%s" % (scheme, parts.netloc, path)
