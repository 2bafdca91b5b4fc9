# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The one HTTP client every module of cfiam.user_groups uses.

Layer 1 of 9, HTTP (the layer map: docs/development.md). It may import only ``ratelimit``.

It owns authentication, the Cloudflare response envelope, pagination, retries
(429 with Retry-After, 5xx, dropped connections, timeouts), the request budget
shared with the other processes of the controller (``ratelimit``) and error
translation. Nothing above this layer speaks HTTP. Connection settings are
validated once, before a client is made, by ``connection.ConnectionSettings``.

Every text the client produces (errors, warnings) has the credentials masked
in every form they can take (``mask_secrets``); redirects are never followed,
so credentials and request bodies only ever go to ``base_url``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import email.utils
import functools
import heapq
import json
import math
import os
import random
import re
import shlex
import socket
import ssl
import threading
import time
import warnings

from urllib.parse import quote, quote_plus, urlsplit

try:
    import requests
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - exercised by sanity import tests
    requests = None
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = exc

from ansible_collections.cfiam.user_groups.plugins.module_utils.ratelimit import (
    DEFAULT_BUDGET,
    DEFAULT_PER_SECOND,
    DEFAULT_WINDOW,
    SharedRateLimiter,
    credential_fingerprint,
    host_fingerprint,
    parse_rate_headers,
)

DEFAULT_BASE_URL = "https://api.cloudflare.com/client/v4"
API_PATH_SUFFIX = "/client/v4"
USER_AGENT = "cfiam.user_groups/0.2.0 (+ansible)"  # the version in galaxy.yml (a unit test keeps them equal)

# Cloudflare allows 200 requests per second per IP; stay well below it.
MAX_CONCURRENCY = 8

RETRYABLE_STATUS = frozenset([408, 409, 429, 500, 502, 503, 504, 520, 521, 522, 523, 524])

DEFAULT_MAX_TOTAL_WAIT = 600
# Waits for the rate budget shorter than this are not worth a warning.
WARN_WAIT = 1.0
# A listing longer than this many pages is taken as a server that ignores ``page``.
MAX_PAGES = 10000
# A reply larger than this is refused without being read whole (a page of 500 groups with their policies is well
# under 2 MB): a broken or hostile server cannot fill the controller's memory.
MAX_REPLY_BYTES = 16 * 1024 * 1024
_READ_CHUNK = 65536
# Pages of a listing read concurrently at most, once page 1 said how many there are (never past an empty or short
# page, so a server that lies about total_pages costs at most this many extra requests).
PREFETCH_WINDOW = MAX_CONCURRENCY
# A 429 is retried after at least this many seconds, whatever its Retry-After says (Cloudflare's are whole seconds).
MIN_RATE_LIMITED_WAIT = 1.0
# A Retry-After longer than this (infinity, 1e400) counts as this long: more than any max_retry_wait in use.
RETRY_AFTER_CAP = 1e9

MASK = "********"


# =========================================================================== secrets
def _secret_forms(secret):
    """Every form a secret can take in a text: raw, escaped (repr, JSON, shell), URL-encoded, nested once."""
    first = [
        secret,
        repr(secret)[1:-1],
        ascii(secret)[1:-1],
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        secret.encode("unicode_escape").decode("ascii"),
        repr(secret.encode("utf-8"))[2:-1],
        shlex.quote(secret),
        secret.replace("\\", "\\\\").replace('"', '\\"'),
        secret.replace("'", "''"),
        secret.encode("utf-8").decode("latin-1"),  # UTF-8 read as Latin-1 (a reply without charset)
    ]
    for safe in ("", "/"):
        first.append(quote(secret, safe=safe))
        first.append(quote_plus(secret, safe=safe))
    forms = set()
    for form in first:
        forms.add(form)
        forms.add(re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), form))
        # one more level: a JSON or repr dump of a text that already held the secret
        forms.add(json.dumps(form)[1:-1])
        forms.add(repr(form)[1:-1])
        forms.add(quote(form, safe=""))
    return forms


@functools.lru_cache(maxsize=64)
def _secret_pattern(secrets):
    variants = set()
    for secret in secrets:
        for base in (secret, secret.strip()):
            if not base.strip():
                continue
            for form in _secret_forms(base):
                for text in (form, form.strip()):
                    if text.strip():
                        variants.add(text)
    if not variants:
        return None
    ordered = sorted(variants, key=lambda v: (-len(v), v))  # longest first: a longer form is masked whole
    return re.compile("|".join(re.escape(v) for v in ordered))


def _normalize_secrets(secrets):
    if secrets is None:
        return ()
    if isinstance(secrets, (str, bytes)):
        secrets = [secrets]
    out = set()
    for secret in secrets:
        if isinstance(secret, bytes):
            secret = secret.decode("utf-8", "surrogateescape")
        if secret is not None and not isinstance(secret, str):
            secret = str(secret)
        if secret and secret.strip():
            out.add(secret)
    return tuple(sorted(out))


def mask_secrets(value, secrets, mask=MASK):
    """``value`` with every secret replaced by ``mask``, in every form a secret can take.

    The last line of defence for anything shown to the user: results,
    warnings, failure messages. ``value`` may be a str, bytes or any nesting
    of dicts (keys and values), lists, tuples and sets; other values are
    returned as they are. Each secret (and its whitespace-stripped variant) is
    masked raw, repr/ascii-escaped, JSON-escaped (also with non-ASCII kept),
    shell-quoted, backslash- and SQL-quote-escaped, URL-encoded (``quote`` and
    ``quote_plus``, with upper- and lower-case hex), and each of those once
    more JSON-, repr- or URL-encoded; so also inside a header dump
    (``Authorization: Bearer <token>``). Whitespace-only secrets are ignored;
    very short secrets are masked wherever they occur. Returns a new object;
    ``value`` is not modified.
    """
    pattern = _secret_pattern(_normalize_secrets(secrets))
    if pattern is None:
        return value
    return _mask(value, pattern, mask, {})


def _mask(value, pattern, mask, seen):
    if isinstance(value, str):
        return pattern.sub(mask, value)
    if isinstance(value, bytes):
        return pattern.sub(mask, value.decode("utf-8", "surrogateescape")).encode("utf-8", "surrogateescape")
    if isinstance(value, (dict, list, tuple, set, frozenset)):
        if id(value) in seen:
            return seen[id(value)]
        if isinstance(value, dict):
            out = {}
            seen[id(value)] = out
            for key, item in value.items():
                out[_mask(key, pattern, mask, seen)] = _mask(item, pattern, mask, seen)
            if value.__class__ is not dict:  # a subclass (OrderedDict, DeletedOnRetry) keeps its type
                try:
                    out = type(value)(out)
                except (TypeError, ValueError):
                    pass
            return out
        if isinstance(value, list):
            items = []
            seen[id(value)] = items
            items.extend(_mask(item, pattern, mask, seen) for item in value)
            return items
        items = [_mask(item, pattern, mask, seen) for item in value]
        try:
            return type(value)(items)
        except TypeError:
            return tuple(items)
    return value


# =========================================================================== errors
class CloudflareError(Exception):
    """Base class of every error raised by this package."""


class CloudflareAPIError(CloudflareError):
    """An API call failed: carries HTTP status, method, path and Cloudflare's errors.

    The message never contains credentials: only the method, the path (no
    query values that could carry secrets are ever used) and the API's
    ``errors[].code``/``errors[].message`` (masked too). ``retries`` and
    ``waited`` (seconds) say how much this request retried and waited before
    it gave up.
    """

    def __init__(self, message, status=None, method=None, path=None, errors=None, retry_after=None, retries=0,
                 waited=0.0):
        super(CloudflareAPIError, self).__init__(message)
        self.message = message
        self.status = status
        self.method = method
        self.path = path
        self.errors = errors or []
        self.retry_after = retry_after
        self.retries = retries
        self.waited = waited

    @property
    def codes(self):
        return [e.get("code") for e in self.errors if isinstance(e, dict) and e.get("code") is not None]

    def api_messages(self):
        """Cloudflare's errors as one readable string: ``[1006] invalid permission group; ...``."""
        parts = []
        for err in self.errors:
            if isinstance(err, dict):
                code = err.get("code")
                text = err.get("message") or ""
                if err.get("documentation_url"):
                    text = "%s (see %s)" % (text, err["documentation_url"])
                parts.append("[%s] %s" % (code, text) if code is not None else text)
                for chained in err.get("error_chain") or []:
                    if isinstance(chained, dict):
                        parts.append("[%s] %s" % (chained.get("code"), chained.get("message")))
            else:
                parts.append(str(err))
        return "; ".join(p for p in parts if p) or self.message

    def describe(self):
        where = "%s %s" % (self.method, self.path) if self.method else ""
        status = "HTTP %s" % self.status if self.status is not None else "no HTTP response"
        return "%s (%s%s)" % (self.api_messages(), status, ", " + where if where else "")

    def __str__(self):
        return self.describe()

    def to_dict(self):
        return {
            "status": self.status,
            "method": self.method,
            "path": self.path,
            "errors": self.errors,
            "error_codes": self.codes,
        }


class CloudflareNotFound(CloudflareAPIError):
    """HTTP 404."""


class CloudflareRedirectError(CloudflareAPIError):
    """The API answered with a redirect (3xx), which is never followed; ``location`` is where it pointed (scrubbed)."""

    def __init__(self, message, location=None, **kwargs):
        super(CloudflareRedirectError, self).__init__(message, **kwargs)
        self.location = location


class CloudflareInconsistentListing(CloudflareAPIError):
    """A paged listing whose pages contradict each other (counts, duplicates); never returned partially."""


class CloudflareConfigError(CloudflareError):
    """Connection settings are missing or wrong (no request was sent)."""


class DeletedOnRetry(dict):
    """Result of a DELETE that this run made although its reply was lost.

    An attempt got no clear answer (dropped connection, timeout, 5xx) and a
    retry was answered 404: the object is gone, and nothing but this request
    was deleting it, so the first attempt did. Callers report ``changed``. It
    is a dict ``{"id": <last path segment>}`` (truthy, like the real result)
    with ``deleted_on_retry = True``; see ``was_deleted_on_retry``.
    """

    deleted_on_retry = True


def was_deleted_on_retry(value):
    """True for the result (or envelope) of a DELETE whose lost reply was confirmed by a 404 on retry."""
    if isinstance(value, DeletedOnRetry):
        return True
    return isinstance(value, dict) and value.get("deleted_on_retry") is True


# =========================================================================== helpers
def parse_retry_after(value, now=None):
    """Retry-After as seconds (float) from an integer/float or an HTTP date; None if unparsable.

    Negative values and dates in the past give 0.0; NaN gives None (unparsable); infinity and values beyond
    ``RETRY_AFTER_CAP`` give ``RETRY_AFTER_CAP`` (more than any wait the client would make)."""
    if value is None:
        return None
    value = str(value).strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        seconds = None
    if seconds is not None:
        if math.isnan(seconds):
            return None
        return min(RETRY_AFTER_CAP, max(0.0, seconds))
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if parsed is None:
        return None
    now = time.time() if now is None else now
    return min(RETRY_AFTER_CAP, max(0.0, parsed.timestamp() - now))


def rate_limited_wait(retry_after, attempt, rng=random):
    """How long to wait before retrying a 429: its ``retry_after`` (seconds, None when it gave none), never less than
    the backoff of this attempt nor ``MIN_RATE_LIMITED_WAIT``: a Retry-After of 0, a negative one or a date in the
    past does not send the retries back to back into a server that just said it is rate limiting."""
    backoff = backoff_delay(attempt, rng=rng)
    if retry_after is None:
        return backoff
    return max(retry_after, backoff, MIN_RATE_LIMITED_WAIT)


def backoff_delay(attempt, base=0.5, cap=8.0, rng=random):
    """Exponential backoff with full jitter: a random delay in [base*2^attempt / 2, base*2^attempt], capped."""
    ceiling = min(cap, base * (2 ** attempt))
    return ceiling / 2.0 + rng.uniform(0, ceiling / 2.0)


# Object descriptions urllib3 puts before the cause: "HTTPConnection(host='h', port=1): ", "<... at 0x7f>: ".
_OBJECT_PREFIX = re.compile(r"^\s*(?:<[^<>]*>|[A-Za-z_][\w.]*\([^()]*\))\s*:\s*")
# Kinds of network failure a retry cannot fix: not retried.
FATAL_NETWORK_FAILURES = frozenset(["dns", "refused", "tls", "invalid"])
# Kinds where the request never left: nothing can have been written.
UNSENT_NETWORK_FAILURES = frozenset(["dns", "refused", "tls", "invalid", "connect", "connect_timeout"])
_NETWORK_LABELS = {
    "dns": "the host name does not resolve",
    "refused": "connection refused",
    "tls": "TLS error",
    "invalid": "invalid request",
    "connect": "cannot connect",
    "connect_timeout": "connecting timed out",
    "timeout": "no reply in time",
    "dropped": "the connection was dropped",
}


def _strip_object_prefix(text):
    previous = None
    while previous != text:
        previous = text
        text = _OBJECT_PREFIX.sub("", text, count=1)
    return text.strip()


def exception_chain(exc):
    """``exc`` and its causes, outermost first (urllib3 ``reason``, wrapped ``args``, ``__cause__``, ``__context__``)."""
    chain = []
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        chain.append(exc)
        nxt = getattr(exc, "reason", None)
        if not isinstance(nxt, BaseException):
            nxt = next((a for a in getattr(exc, "args", ()) if isinstance(a, BaseException)), None)
        exc = nxt or exc.__cause__ or exc.__context__
    return chain


def describe_network_error(exc):
    """(kind, detail) of a failed connection: the innermost cause kept whole, wrappers shortened.

    ``kind``: dns, refused, tls, invalid (not retried: a retry cannot fix
    them), connect, connect_timeout (nothing was sent), timeout, dropped (the
    request may have been processed).
    """
    chain = exception_chain(exc)
    names = set(type(e).__name__ for e in chain)
    texts = " ".join(str(e) for e in chain)
    if any(isinstance(e, socket.gaierror) for e in chain) or "NameResolutionError" in names:
        kind = "dns"
    elif any(isinstance(e, ConnectionRefusedError) for e in chain):
        kind = "refused"
    elif (any(isinstance(e, ssl.SSLError) for e in chain) or isinstance(exc, requests.exceptions.SSLError)
          or "CERTIFICATE_VERIFY_FAILED" in texts):
        kind = "tls"
    elif isinstance(exc, requests.exceptions.ConnectTimeout):
        kind = "connect_timeout"
    elif isinstance(exc, requests.exceptions.Timeout) or "ReadTimeoutError" in names:
        kind = "timeout"  # requests raises a ConnectionError for a read that timed out within the body
    elif "NewConnectionError" in names:
        kind = "connect"
    elif isinstance(exc, (requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError,
                          requests.exceptions.ContentDecodingError)):
        kind = "dropped"
    else:
        kind = "invalid"
    inner = chain[-1]
    inner_text = _strip_object_prefix(str(inner)) or type(inner).__name__
    described = None
    for link in reversed(chain[:-1]):
        text = _strip_object_prefix(str(link))
        if text and "Max retries exceeded" not in text:
            described = text
            break
    if described and inner_text in described:
        detail = described
    elif described:
        detail = "%s: %s" % (described, inner_text)
    else:
        detail = inner_text
    if len(detail) > 500:  # shorten the wrapper's words, never the cause
        head = detail[:len(detail) - len(inner_text)] if detail.endswith(inner_text) else detail
        detail = "%s ... %s" % (head[:200].rsplit(" ", 1)[0], inner_text)
    return kind, "%s: %s" % (type(inner).__name__, detail) if inner is not exc else detail


# =========================================================================== client
class CloudflareClient(object):
    """A thin, retrying Cloudflare API v4 client.

    Takes settings that ``connection.ConnectionSettings`` validated (it checks
    nothing itself). ``warn`` is a callable used to report retries and waits
    (modules pass ``module.warn``); ``request_counts()`` counts requests by
    method, retries and seconds waited. ``sleep`` and ``clock`` are
    injectable: after an injected sleep the client's notion of "now" moves on
    by the time slept, so tests need no real waiting.

    Rate limiting: ``rate_limit`` requests per ``rate_limit_window`` seconds
    per credential and ``rate_limit_per_second`` per API host, shared by every
    process of the controller through files in ``rate_limit_dir`` (see
    ``ratelimit``); ``limiter=False`` turns all of it off (tests), a
    ``SharedRateLimiter`` may be passed in. ``secrets``: more values to mask
    in every text (e.g. credentials as given, before whitespace was stripped).
    """

    def __init__(self, api_token=None, api_email=None, api_key=None, account_id=None,
                 base_url=DEFAULT_BASE_URL, timeout=30, validate_certs=True, max_retries=5,
                 max_retry_wait=300, warn=None, sleep=time.sleep, rng=None,
                 max_total_wait=DEFAULT_MAX_TOTAL_WAIT, rate_limit=DEFAULT_BUDGET,
                 rate_limit_per_second=DEFAULT_PER_SECOND, rate_limit_dir=None, rate_limit_window=DEFAULT_WINDOW,
                 limiter=None, clock=time.time, secrets=(), max_reply_bytes=MAX_REPLY_BYTES):
        if not HAS_REQUESTS:
            raise CloudflareConfigError("The Python library 'requests' is required (pip install requests).")
        self.account_id = account_id
        self.base_url = (base_url or DEFAULT_BASE_URL).rstrip("/")
        self.timeout = timeout
        self.validate_certs = validate_certs
        self.max_retries = max(0, int(max_retries))
        self.max_retry_wait = float(max_retry_wait)
        self.max_total_wait = float(max_total_wait if max_total_wait is not None else DEFAULT_MAX_TOTAL_WAIT)
        self._secrets = _normalize_secrets([api_token, api_key] + list(secrets or ()))
        self._warn = warn or (lambda msg: None)
        self.sleep = sleep
        self.clock = clock
        self.rng = rng or random.Random()
        self._lock = threading.Lock()
        self._local = threading.local()
        self.counts = {}
        self.retries = 0
        self.waited = 0.0
        self.max_reply_bytes = int(max_reply_bytes)
        self._session = requests.Session()
        adapter = _DeadlineAdapter(pool_connections=1, pool_maxsize=MAX_CONCURRENCY)
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)
        self._session.headers.update({"User-Agent": USER_AGENT, "Content-Type": "application/json",
                                      "Accept": "application/json"})
        if api_token:
            self._session.headers["Authorization"] = "Bearer %s" % api_token
        elif api_email or api_key:
            self._session.headers["X-Auth-Email"] = api_email
            self._session.headers["X-Auth-Key"] = api_key
        if not validate_certs:
            _quiet_insecure_request_warnings()  # connection.ConnectionSettings warned once, in words
        if limiter is None:
            host = urlsplit(self.base_url).netloc
            limiter = SharedRateLimiter(
                credential_fingerprint(host, api_token=api_token, api_email=api_email, api_key=api_key),
                host_fingerprint(host), budget=rate_limit, window=rate_limit_window,
                per_second=rate_limit_per_second, directory=rate_limit_dir, warn=self.warn)
        self._limiter = limiter or None

    # ------------------------------------------------------------------ texts, time
    def mask(self, value):
        """``mask_secrets`` with this client's credentials."""
        return mask_secrets(value, self._secrets)

    def _scrub(self, text):
        return self.mask("%s" % (text,))

    def warn(self, msg):
        self._warn(self._scrub(msg))

    def _now(self):
        now = self.clock()
        floor = getattr(self._local, "floor", 0.0)
        return floor if floor > now else now

    def _sleep(self, seconds):
        if seconds <= 0:
            return
        self._local.floor = self._now() + seconds
        with self._lock:
            self.waited += seconds
        self.sleep(seconds)

    def _scrub_url(self, url):
        """A URL fit to show: no user info, no query or fragment, secrets masked."""
        try:
            parts = urlsplit(str(url).strip())
            host = parts.hostname or ""
            if ":" in host:
                host = "[%s]" % host
            if parts.port:
                host = "%s:%s" % (host, parts.port)
        except ValueError:
            return "(an unparsable address)"
        shown = "%s://%s%s" % (parts.scheme, host, parts.path) if parts.scheme else parts.path
        if parts.query or parts.fragment:
            shown += " (query removed)"
        return self._scrub(shown)

    # ------------------------------------------------------------------ core
    def _count(self, method):
        with self._lock:
            self.counts[method] = self.counts.get(method, 0) + 1

    def _send(self, method, path, params, body):
        """One attempt; the whole reply (connecting, headers, body) must come within ``timeout`` seconds.

        ``requests`` applies its timeout to each socket read only, so a body trickling in a byte at a time would
        never time out: a watchdog shuts the attempt's socket down when the deadline passes (``_Deadline``), and
        the body is read in chunks, checked against the deadline and against ``max_reply_bytes`` (a larger reply is
        not read: ``_Reply.oversized``). A passed deadline raises ``requests.exceptions.ReadTimeout``.
        """
        self._count(method)
        data = None if body is None else json.dumps(body)
        deadline = _Deadline(self.timeout)
        _ATTEMPT.deadline = deadline
        response = content = None
        try:
            response = self._session.request(method, self.base_url + path, params=params, data=data,
                                             timeout=(self.timeout, self.timeout), verify=self.validate_certs,
                                             allow_redirects=False, stream=True)
            content = _read_body(response, self.max_reply_bytes, deadline)
        except requests.exceptions.RequestException:
            if not deadline.expired:
                raise
            response = None  # what the cut socket said is not the cause: the deadline is (raised below, unchained)
        finally:
            _ATTEMPT.deadline = None
            deadline.cancel()
            if response is not None and hasattr(response, "close"):
                response.close()
        if response is None:
            raise deadline.timeout()
        return _Reply(response, content)

    @staticmethod
    def _envelope(reply):
        if reply.content is None:
            return None
        try:
            payload = json.loads(reply.content)
        except ValueError:
            return None
        return payload if isinstance(payload, dict) else None

    def _observe(self, response):
        """Tell the shared limiter what the reply's rate-limit headers say (if anything)."""
        if self._limiter is None:
            return
        try:
            remaining, reset, limit = parse_rate_headers(getattr(response, "headers", None))
        except (AttributeError, TypeError, ValueError):
            return
        if remaining is not None:
            self._limiter.observe(remaining=remaining, reset=reset, limit=limit, now=self._now())

    def _throttle(self, method, path, waited, retries):
        """Wait for this request's turn in the shared budget; return the seconds waited."""
        if self._limiter is None:
            return 0.0
        left = max(0.0, self.max_total_wait - waited)
        max_wait = min(self.max_retry_wait, left)
        grant = self._limiter.reserve(now=self._now(), max_wait=max_wait)
        if not grant.granted:
            bound = ("max_retry_wait=%d s" % self.max_retry_wait if max_wait == self.max_retry_wait else
                     "the %.0f s left of max_total_wait=%d s" % (left, self.max_total_wait))
            failure = CloudflareAPIError("Cloudflare API request not sent", method=method, path=path, errors=[{
                "code": None, "message": "not sent: %s; its turn comes in %.0f s, later than %s allows; the turns "
                "are kept in %s" % (grant.reason, grant.wait, bound, self._limiter.store)}])
            raise self._final(failure, retries, waited)
        total = 0.0
        if grant.wait > 0:
            if grant.wait >= WARN_WAIT:
                self.warn("Cloudflare API %s %s waits %.1f s before it is sent: %s"
                          % (method, path, grant.wait, grant.reason))
            self._sleep(grant.wait)
            total += grant.wait
        host_wait = self._limiter.reserve_host(now=self._now())
        if host_wait > 0:
            self._sleep(host_wait)
            total += host_wait
        return total

    def _final(self, failure, retries, waited):
        """The failure to raise: says how many retries and how much waiting came before it."""
        failure.retries, failure.waited = retries, waited
        if retries or waited:
            failure.errors = list(failure.errors) + [{"code": None, "message": "gave up after %d %s and %.1f s of "
                                                      "waiting in total" % (retries, "retry" if retries == 1
                                                                            else "retries", waited)}]
        return failure

    def _error_from_response(self, method, path, response, payload):
        errors = []
        if payload is not None:
            errors = self.mask(payload.get("errors") or [])
            if not isinstance(errors, list):
                errors = [errors]
        if not errors and getattr(response, "oversized", False):
            errors = [{"code": None, "message": "the reply is larger than %d bytes; it was not read (a listing page "
                                                "of Cloudflare's is far smaller: check base_url and any proxy)"
                                                % self.max_reply_bytes}]
        if not errors:
            content = getattr(response, "content", None)
            text = content.decode("utf-8", "replace") if isinstance(content, bytes) else (response.text or "")
            snippet = self._scrub(text).strip()  # masked before it is cut: no half secret
            if len(snippet) > 200:
                snippet = snippet[:200].rsplit(" ", 1)[0] + " ..."
            errors = [{"code": None, "message": snippet or response.reason or "HTTP %s" % response.status_code}]
        cls = CloudflareNotFound if response.status_code == 404 else CloudflareAPIError
        err = cls("Cloudflare API request failed", status=response.status_code, method=method, path=path,
                  errors=errors,
                  retry_after=parse_retry_after(response.headers.get("Retry-After")))
        hints = []
        account = _account_of_path(path) or self.account_id
        if response.status_code == 403 and 9109 in err.codes and account:
            hints.append("Cloudflare answers 9109 when the credential cannot see account %s: a wrong account id, a "
                         "token that lost access to it (its policies no longer include the account, or the token was "
                         "replaced), or an account that no longer exists" % account)
        elif response.status_code in (401, 403) and account:
            hints.append("Check that the API token is valid, belongs to account %s and has the permission "
                         "'Account Settings Read' (reads) or 'Account Settings Write' (changes)." % account)
        elif response.status_code in (401, 403):
            hints.append("Check that the API token is valid and has the permission 'Account Settings Read' on the "
                         "accounts it should reach.")
        if response.status_code == 404 and 7003 in err.codes and not self.base_url.endswith(API_PATH_SUFFIX):
            hints.append("base_url %s does not end in %s: the Cloudflare API lives at %s (check base_url)."
                         % (self._scrub_url(self.base_url), API_PATH_SUFFIX, DEFAULT_BASE_URL))
        if hints:
            err.errors = list(errors) + [{"code": None, "message": hint} for hint in hints]
        return err

    def _redirect_error(self, method, path, response):
        location = response.headers.get("Location")
        shown = self._scrub_url(location) if location else "(no Location header)"
        hint = "set base_url to the address of the API itself"
        if location and self.base_url.startswith("http://") and str(location).strip().lower().startswith("https://"):
            hint = "the server wants HTTPS: set base_url to its https:// address"
        return CloudflareRedirectError(
            "Cloudflare API answered with a redirect", location=shown, status=response.status_code, method=method,
            path=path, errors=[{"code": None, "message": "HTTP %s redirect to %s was not followed (credentials and "
                                "request bodies go to base_url only); %s, e.g. %s"
                                % (response.status_code, shown, hint, DEFAULT_BASE_URL)}])

    def _network_failure(self, method, path, exc):
        kind, detail = describe_network_error(exc)
        message = "cannot reach %s: %s (%s)" % (self._scrub_url(self.base_url), _NETWORK_LABELS[kind], detail)
        if kind == "tls":
            message += "; set validate_certs=false only for a test endpoint"
        if kind in FATAL_NETWORK_FAILURES:
            message += "; not retried: a retry cannot fix this"
        title = "TLS verification failed" if kind == "tls" else "Cloudflare API unreachable"
        return kind, CloudflareAPIError(title, method=method, path=path,
                                        errors=[{"code": None, "message": self._scrub(message)}])

    def request(self, method, path, params=None, body=None, recover=None, idempotent=None):
        """Send one API request, retrying what is safe to retry; return the whole envelope.

        A POST is never re-sent blindly after a reply that may have followed a
        successful write (5xx, dropped connection, timeout, a 2xx whose body is
        not the API's JSON): ``recover`` (a callable) is called first to re-read
        the state and return the result the POST would have produced, or None
        when the POST did not happen. ``idempotent=True`` marks a POST whose
        repetition is harmless.

        A PUT, DELETE or idempotent POST answered 2xx with a body that cannot be
        read (a proxy's HTML page, a reply over ``max_reply_bytes``) counts as
        done: the status says the write was accepted, and a warning says the
        reply was unreadable (the envelope has ``"unreadable_reply": True``).

        A DELETE whose attempt got no clear answer and whose retry is answered
        404 was carried out by this request: the envelope then has
        ``"deleted_on_retry": True`` and its result is a ``DeletedOnRetry``
        (``{"id": <last path segment>}``), and a warning says so. A 404 on the
        first attempt is ``CloudflareNotFound`` as before.

        Redirects are not followed (``CloudflareRedirectError``). Name
        resolution failures, refused connections and TLS errors are not
        retried. Every wait (rate budget, Retry-After, backoff) counts toward
        ``max_total_wait``; a failure after retries says how many and how long
        it waited in total.
        """
        run = _Attempts(method.upper(), path, method.upper() != "POST" if idempotent is None else idempotent)
        while True:
            run.waited += self._throttle(run.method, path, run.waited, run.attempt)
            payload, failure, delay, ambiguous = self._attempt(run, params, body)
            if payload is not None:
                return payload
            run.maybe_applied = run.maybe_applied or ambiguous
            if ambiguous and not run.idempotent:
                # Re-read before giving up too: the last attempt may have been the one that worked.
                recovered = self._recover(run, failure, recover)
                if recovered is not None:
                    return recovered
            self._before_retry(run, failure, delay)

    def _attempt(self, run, params, body):
        """One try: ``(envelope, None, None, False)`` when done, else ``(None, failure, delay before a retry,
        ambiguous)`` for what may be retried (ambiguous: the write may have been made); raises what may not."""
        method, path = run.method, run.path
        try:
            reply = self._send(method, path, params, body)
        except requests.exceptions.RequestException as exc:
            kind, failure = self._network_failure(method, path, exc)
            if kind in FATAL_NETWORK_FAILURES:
                raise self._final(failure, run.attempt, run.waited)
            return None, failure, backoff_delay(run.attempt, rng=self.rng), kind not in UNSENT_NETWORK_FAILURES
        self._observe(reply)
        payload = self._envelope(reply)
        status = reply.status_code
        if 300 <= status < 400:
            raise self._final(self._redirect_error(method, path, reply), run.attempt, run.waited)
        if status < 300 and payload is None and method != "GET":
            return self._unreadable_write(run, reply)
        if status < 400 and payload is not None and payload.get("success", True) is not False:
            return payload, None, None, False
        if status == 404 and method == "DELETE" and run.maybe_applied:
            self.warn("%s %s got no clear answer at first and the retry found it gone (HTTP 404): "
                      "it was deleted by this run" % (method, path))
            return ({"success": True, "errors": [], "messages": [], "deleted_on_retry": True,
                     "result": DeletedOnRetry(id=path.rstrip("/").rsplit("/", 1)[-1])}, None, None, False)
        failure = self._error_from_response(method, path, reply, payload)
        if status == 429:
            return None, failure, self._rate_limited_delay(run, failure), False
        if status in RETRYABLE_STATUS or payload is None and status >= 500:
            return None, failure, backoff_delay(run.attempt, rng=self.rng), status >= 500
        raise self._final(failure, run.attempt, run.waited)

    def _unreadable_write(self, run, reply):
        """A write answered 2xx with a body that is not the API's JSON: done (idempotent), else ambiguous."""
        what = ("a reply larger than %d bytes" % self.max_reply_bytes if reply.oversized else
                "a %s reply that is not the API's JSON" % (reply.headers.get("Content-Type") or "body-less"))
        if run.idempotent:
            self.warn("%s %s was answered HTTP %d with %s; the status says the write was accepted, so it counts as "
                      "made (results are computed from the plan, not read from replies)"
                      % (run.method, run.path, reply.status_code, what))
            return ({"success": True, "errors": [], "messages": [], "result": None, "unreadable_reply": True},
                    None, None, False)
        failure = CloudflareAPIError("Cloudflare API reply unreadable", status=reply.status_code, method=run.method,
                                     path=run.path, errors=[{"code": None, "message": (
                                         "answered HTTP %d with %s: the write may have been made"
                                         % (reply.status_code, what))}])
        return None, failure, backoff_delay(run.attempt, rng=self.rng), True

    def _rate_limited_delay(self, run, failure):
        """How long a 429 asks to wait (every process of the controller waits too); raises beyond max_retry_wait."""
        delay = rate_limited_wait(failure.retry_after, run.attempt, rng=self.rng)
        if self._limiter is not None:
            self._limiter.observe(retry_after=delay, now=self._now())
        if delay > self.max_retry_wait:
            failure.errors = list(failure.errors) + [{"code": None, "message": (
                "rate limited: Cloudflare asks to wait %s s, more than max_retry_wait=%d s"
                % ("over %d" % RETRY_AFTER_CAP if delay >= RETRY_AFTER_CAP else "%d" % delay, self.max_retry_wait))}]
            raise self._final(failure, run.attempt, run.waited)
        return delay

    def _recover(self, run, failure, recover):
        """The envelope of a POST that re-reading shows was made, None when it was not; raises without ``recover``."""
        if recover is None:
            raise self._final(failure, run.attempt, run.waited)
        recovered = recover()
        if recovered is None:
            return None
        self.warn("%s %s got no clear answer (%s); re-reading showed the change was made, so it was not sent again"
                  % (run.method, run.path, failure.api_messages()))
        return {"success": True, "errors": [], "messages": [], "result": recovered}

    def _before_retry(self, run, failure, delay):
        """Count, announce and wait out the next retry; raises when no retry or no time is left."""
        if run.attempt >= self.max_retries:
            raise self._final(failure, run.attempt, run.waited)
        if run.waited + delay > self.max_total_wait:
            failure.errors = list(failure.errors) + [{"code": None, "message": (
                "the next retry would wait %.1f s more, beyond max_total_wait=%d s" % (delay, self.max_total_wait))}]
            raise self._final(failure, run.attempt, run.waited)
        run.attempt += 1
        with self._lock:  # map_concurrent retries from several threads
            self.retries += 1
        if failure.status == 429:
            self.warn("Cloudflare API %s %s was rate limited (%s); waiting %.1f s %s, then retry %d of %d"
                      % (run.method, run.path, failure.api_messages(), delay,
                         "(backoff)" if failure.retry_after is None else "as its Retry-After asks"
                         if delay <= failure.retry_after else "(its Retry-After asked for %s s: at least the backoff)"
                         % _plain_number(failure.retry_after),
                         run.attempt, self.max_retries))
        else:
            self.warn("Cloudflare API %s %s failed (%s); retry %d of %d in %.1f s"
                      % (run.method, run.path, failure.api_messages(), run.attempt, self.max_retries, delay))
        self._sleep(delay)
        run.waited += delay

    def get(self, path, params=None):
        return self.request("GET", path, params=params).get("result")

    def post(self, path, body=None, recover=None, idempotent=None):
        return self.request("POST", path, body=body, recover=recover, idempotent=idempotent).get("result")

    def put(self, path, body=None):
        return self.request("PUT", path, body=body).get("result")

    def delete(self, path):
        """DELETE; the result, or a ``DeletedOnRetry`` when a lost reply was confirmed by a 404 (see ``request``)."""
        return self.request("DELETE", path).get("result")

    # ------------------------------------------------------------------ pagination
    def paginate(self, path, params=None, per_page=50):
        """Every item of a paged listing, or ``CloudflareInconsistentListing``; never a known-partial listing.

        Follows what the server says it applied (``result_info``): a smaller
        ``per_page`` than asked only means more pages. The listing ends when
        the items reach ``total_count``, or a page is empty (``result: null``
        counts as empty); without ``total_count`` a page shorter than the
        server's ``per_page`` ends it too. ``total_pages`` never ends it: a
        full page is the last only when ``total_count`` says so, else the next
        page is read (a server that says ``total_pages: 1`` under a full page
        has more, or an empty page 2). Without any ``result_info`` only an
        empty page ends it (a short page may be a server limit). Contradictions raise
        (see ``_Listing.add``). When page 1 says how many pages there are, the
        next pages are read concurrently, at most ``PREFETCH_WINDOW`` at a time
        and never past an empty or short page: a server that claims 10,000 pages
        costs one window of requests, not 10,000.
        """
        listing = _Listing(path)
        query = dict(params or {})
        query["per_page"] = per_page
        fetched = {}
        page = 1
        while True:
            if page > MAX_PAGES:
                raise listing.inconsistent("more than %d pages (is the page parameter ignored?)" % MAX_PAGES)
            payload = fetched.pop(page) if page in fetched else self.request(
                "GET", path, params=dict(query, page=page))
            if listing.add(page, payload):
                return listing.items
            if page + 1 not in fetched and not listing.short:
                fetched = self._prefetch_window(path, query, page + 1, listing.last_page())
            page += 1

    def _prefetch_window(self, path, query, first, last):
        """Pages ``first`` .. at most ``first + PREFETCH_WINDOW - 1`` (not past ``last``) read concurrently.

        Only when page 1 said how many pages there are (``last``); ``paginate`` checks each page in order and
        asks for the next window only after every page of this one was full.
        """
        if last is None or first > last or last - first < 1:
            return {}
        numbers = list(range(first, min(last, first + PREFETCH_WINDOW - 1, MAX_PAGES) + 1))
        payloads = self.map_concurrent(
            lambda number: self.request("GET", path, params=dict(query, page=number)), numbers)
        return dict(zip(numbers, payloads))

    def map_concurrent(self, func, items, concurrency=MAX_CONCURRENCY):
        """Apply ``func`` to each item with a small thread pool; results in input order.

        Used for independent GETs (member listings of many groups). The first
        exception raised by any call is re-raised.
        """
        items = list(items)
        if len(items) <= 1 or concurrency <= 1:
            return [func(item) for item in items]
        from concurrent.futures import ThreadPoolExecutor
        with ThreadPoolExecutor(max_workers=min(concurrency, len(items))) as pool:
            return list(pool.map(func, items))

    def request_counts(self):
        """Requests by method, ``total``, ``retries`` and ``waited`` (seconds slept: rate budget, Retry-After, backoff)."""
        with self._lock:
            counts = dict(self.counts)
            counts["total"] = sum(self.counts.values())
            counts["retries"] = self.retries
            counts["waited"] = round(self.waited, 3)
        return counts


def _quiet_insecure_request_warnings():
    """No urllib3 InsecureRequestWarning per request (on stderr, or the controller's console)."""
    try:
        from urllib3.exceptions import InsecureRequestWarning
    except ImportError:  # pragma: no cover
        return
    warnings.filterwarnings("ignore", category=InsecureRequestWarning)


_ACCOUNT_PATH = re.compile(r"^/accounts/([0-9A-Fa-f]{32})(?:/|$)")


def _account_of_path(path):
    """The account id of an ``/accounts/<id>/...`` path, else None."""
    match = _ACCOUNT_PATH.match(path or "")
    return match.group(1) if match else None


def _count_field(info, key):
    """A non-negative integer field of ``result_info``, or None when missing or not a number."""
    value = info.get(key)
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and value >= 0:
        return value
    return None


class _Listing(object):
    """The pages of one listing read so far, checked as each one comes (``paginate``)."""

    def __init__(self, path):
        self.path = path
        self.items = []
        self.seen = {}
        self.total = None   # total_count of page 1
        self.pages = None   # total_pages of page 1
        self.size = None    # per_page the server applied on page 1
        self.short = False  # a page shorter than its per_page came: nothing more is read ahead

    def inconsistent(self, reason):
        return CloudflareInconsistentListing(
            "Cloudflare API listing is inconsistent", status=200, method="GET", path=self.path, errors=[{
                "code": None, "message": "listing of GET %s is inconsistent: %s; not using a partial listing "
                "(run again: the listing may have changed while it was read)" % (self.path, reason)}])

    def last_page(self):
        """The number of pages page 1 announced (the smaller of ``total_pages`` and ``total_count`` over the page
        size), or None when it said neither."""
        known = [n for n in (self.pages, (self.total + self.size - 1) // self.size if self.total is not None and
                             self.size else None) if n is not None]
        return min(known) if known else None

    def add(self, page, payload):
        """Check one page and keep its items; True when the listing is complete, raise when it contradicts itself."""
        result = payload.get("result")
        result = [] if result is None else result
        if not isinstance(result, list):
            raise self.inconsistent("page %d has a %s as result, not a list" % (page, type(result).__name__))
        info = payload.get("result_info")
        info = info if isinstance(info, dict) else {}
        applied, count = _count_field(info, "per_page"), _count_field(info, "count")
        total, pages = _count_field(info, "total_count"), _count_field(info, "total_pages")
        if page == 1:
            self.total, self.pages, self.size = total, pages, applied
        if applied and len(result) > applied:
            raise self.inconsistent("page %d has %d items, more than its per_page=%d" % (page, len(result), applied))
        if count is not None and count != len(result):
            raise self.inconsistent("page %d has %d items but says count=%d" % (page, len(result), count))
        if total is not None and self.total is not None and total != self.total:
            raise self.inconsistent("total_count changed from %d to %d between pages" % (self.total, total))
        for item in result:
            key = item.get("id") if isinstance(item, dict) else None
            if key is not None:
                if key in self.seen:
                    raise self.inconsistent("item %s is on page %d and again on page %d" % (key, self.seen[key], page))
                self.seen[key] = page
        self.items.extend(result)
        self.short = self.short or not result or bool((applied or self.size) and len(result) < (applied or self.size))
        return self._complete(page, result, applied)

    def _complete(self, page, result, applied):
        got = len(self.items)
        if self.total is not None and got > self.total:
            raise self.inconsistent("total_count says %d but %d items came" % (self.total, got))
        if not result:
            if self.total is not None and got < self.total:
                raise self.inconsistent("total_count says %d but the pages ran out at %d items (page %d was empty)"
                                        % (self.total, got, page))
            if self.pages is not None and page <= self.pages:
                raise self.inconsistent("total_pages says %d but page %d was empty" % (self.pages, page))
            return True
        if self.total is not None:
            if got == self.total:
                return True
            if self.pages is not None and page >= self.pages:
                raise self.inconsistent("total_count says %d but total_pages=%d pages gave %d items"
                                        % (self.total, self.pages, got))
            return False
        short = self._short(result, applied)
        if self.pages is not None and page < self.pages and short:
            raise self.inconsistent("total_pages says %d but page %d has %d items, fewer than its per_page=%d"
                                    % (self.pages, page, len(result), applied))
        # Without total_count, only a short page ends the listing: total_pages alone never proves that a full page is
        # the last (a server that says total_pages: 1 under a full page has more; the next page, empty or not, says).
        return short

    def _short(self, result, applied):
        """True when the page is shorter than the page size the server applied (its own, else page 1's)."""
        size = applied or self.size
        return bool(size and len(result) < size)


class _Attempts(object):
    """The state of one ``request`` across its attempts."""

    __slots__ = ("method", "path", "idempotent", "attempt", "waited", "maybe_applied")

    def __init__(self, method, path, idempotent):
        self.method, self.path, self.idempotent = method, path, idempotent
        self.attempt, self.waited, self.maybe_applied = 0, 0.0, False


# =========================================================================== whole-reply deadline
class _Reply(object):
    """What ``_send`` read: status, headers, reason and the body (``content`` None when ``oversized``)."""

    def __init__(self, response, content):
        self.status_code = response.status_code
        self.headers = response.headers if response.headers is not None else {}
        self.reason = getattr(response, "reason", None)
        self.content = content
        self.oversized = content is None

    @property
    def text(self):
        return (self.content or b"").decode("utf-8", "replace")


_ATTEMPT = threading.local()


class _Deadline(object):
    """The end of one attempt: when ``seconds`` have passed, the attempt's sockets are shut down (a blocked read
    then returns at once) and ``expired`` is set. The sockets are registered by ``_DeadlineAdapter``'s connections
    when they connect or start reading a reply in the thread of the attempt; one watchdog thread per process
    (``_Watchdog``) ends the attempts whose time is up."""

    def __init__(self, seconds):
        self.seconds = seconds
        self.end = time.monotonic() + seconds
        self.expired = False
        self.done = False
        self._sockets = []
        self._lock = threading.Lock()
        _watchdog().add(self)

    def watch(self, sock):
        if sock is None:
            return
        with self._lock:
            if sock not in self._sockets:
                self._sockets.append(sock)
            expired = self.expired
        if expired:
            _shut(sock)

    def expire(self):
        with self._lock:
            if self.done:
                return
            self.expired = True
            sockets = list(self._sockets)
        for sock in sockets:
            _shut(sock)

    def cancel(self):
        with self._lock:
            self.done = True

    def timeout(self):
        return requests.exceptions.ReadTimeout(
            "timed out: the whole reply did not arrive within timeout=%s s (the timeout bounds each reply, from "
            "connecting to its last byte)" % _plain_number(self.seconds))


class _Watchdog(object):
    """One thread that expires the deadlines of this process's attempts, earliest first."""

    def __init__(self):
        self._cond = threading.Condition(threading.Lock())
        self._heap = []
        self._seq = 0
        thread = threading.Thread(target=self._run, name="cfiam-reply-deadline")
        thread.daemon = True
        thread.start()

    def add(self, deadline):
        with self._cond:
            self._seq += 1
            heapq.heappush(self._heap, (deadline.end, self._seq, deadline))
            self._cond.notify()

    def _run(self):
        while True:
            due = []
            with self._cond:
                now = time.monotonic()
                while self._heap and (self._heap[0][2].done or self._heap[0][0] <= now):
                    due.append(heapq.heappop(self._heap)[2])
                if not due:
                    self._cond.wait(self._heap[0][0] - now if self._heap else None)
            for deadline in due:
                deadline.expire()


_WATCHDOGS = {}


def _watchdog():
    """This process's watchdog (a forked child starts its own: threads do not survive a fork)."""
    watchdog = _WATCHDOGS.get(os.getpid())
    if watchdog is None:
        watchdog = _WATCHDOGS[os.getpid()] = _Watchdog()
    return watchdog


def _plain_number(value):
    return "%d" % value if float(value).is_integer() else "%s" % value


def _shut(sock):
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except (OSError, ValueError):
        pass


def _watch_connection(connection):
    deadline = getattr(_ATTEMPT, "deadline", None)
    if deadline is not None:
        deadline.watch(getattr(connection, "sock", None))


def _content_length(headers):
    try:
        value = int((headers or {}).get("Content-Length"))
    except (TypeError, ValueError):
        return None
    return value if value >= 0 else None


def _read_body(response, limit, deadline):
    """The body, read in chunks: None when it is larger than ``limit`` (never read whole); raises ``ReadTimeout``
    once ``deadline`` has passed, unless the body is known to be complete."""
    length = _content_length(response.headers)
    if length is not None and length > limit:
        return None
    chunks, size = [], 0
    for chunk in response.iter_content(_READ_CHUNK):
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if deadline.expired:
            raise deadline.timeout()
    if deadline.expired:  # a shut-down socket reads as the end of the body: complete only if its length says so
        raw = getattr(response, "raw", None)
        pulled = raw.tell() if hasattr(raw, "tell") else None
        if length is None or pulled != length:
            raise deadline.timeout()
    return b"".join(chunks)


def _watched_pool_classes():
    """urllib3's connection pools whose connections register their socket with the attempt's ``_Deadline``."""
    from urllib3.connection import HTTPConnection, HTTPSConnection  # pylint: disable=import-outside-toplevel
    from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool  # pylint: disable=import-outside-toplevel

    class Watched(object):
        def connect(self):
            super(Watched, self).connect()
            _watch_connection(self)

        def getresponse(self, *args, **kwargs):
            _watch_connection(self)
            return super(Watched, self).getresponse(*args, **kwargs)

    class WatchedHTTPConnection(Watched, HTTPConnection):
        pass

    class WatchedHTTPSConnection(Watched, HTTPSConnection):
        pass

    class WatchedHTTPConnectionPool(HTTPConnectionPool):
        ConnectionCls = WatchedHTTPConnection

    class WatchedHTTPSConnectionPool(HTTPSConnectionPool):
        ConnectionCls = WatchedHTTPSConnection

    return {"http": WatchedHTTPConnectionPool, "https": WatchedHTTPSConnectionPool}


if HAS_REQUESTS:
    class _DeadlineAdapter(requests.adapters.HTTPAdapter):
        """requests' adapter whose connections (direct or through an HTTP proxy) the attempt's deadline can cut."""

        def init_poolmanager(self, *args, **kwargs):
            super(_DeadlineAdapter, self).init_poolmanager(*args, **kwargs)
            _watch_pools(self.poolmanager)

        def proxy_manager_for(self, proxy, **proxy_kwargs):
            manager = super(_DeadlineAdapter, self).proxy_manager_for(proxy, **proxy_kwargs)
            _watch_pools(manager)
            return manager


def _watch_pools(manager):
    """Give ``manager`` the watched pools, unless it uses pools of its own (a SOCKS proxy's: left alone, its replies
    are then bounded between reads only)."""
    from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool  # pylint: disable=import-outside-toplevel

    pools = getattr(manager, "pool_classes_by_scheme", None)
    if isinstance(pools, dict) and pools.get("http") is HTTPConnectionPool and pools.get("https") is HTTPSConnectionPool:
        manager.pool_classes_by_scheme = _watched_pool_classes()
