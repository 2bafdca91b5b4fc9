# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The one HTTP client every module of cfiam.user_groups uses.

It owns authentication, the Cloudflare response envelope, pagination, retries
(429 with Retry-After, 5xx, dropped connections, timeouts) and error
translation. Nothing above this layer speaks HTTP.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import email.utils
import json
import random
import threading
import time

try:
    import requests
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - exercised by sanity import tests
    requests = None
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = exc

DEFAULT_BASE_URL = "https://api.cloudflare.com/client/v4"
USER_AGENT = "cfiam.user_groups/0.1.0 (+ansible)"

# Real page-size limits of each listing (see docs/api-contract notes).
PER_PAGE_USER_GROUPS = 500
PER_PAGE_GROUP_MEMBERS = 500
PER_PAGE_PERMISSION_GROUPS = 50
PER_PAGE_ACCOUNT_MEMBERS = 50
PER_PAGE_ZONES = 50

# Cloudflare allows 200 requests per second per IP; stay well below it.
MAX_CONCURRENCY = 8

RETRYABLE_STATUS = frozenset([408, 409, 429, 500, 502, 503, 504, 520, 521, 522, 523, 524])


class CloudflareError(Exception):
    """Base class of every error raised by this package."""


class CloudflareAPIError(CloudflareError):
    """An API call failed: carries HTTP status, method, path and Cloudflare's errors.

    The message never contains credentials: only the method, the path (no
    query values that could carry secrets are ever used) and the API's
    ``errors[].code``/``errors[].message``.
    """

    def __init__(self, message, status=None, method=None, path=None, errors=None, messages=None, retry_after=None):
        super(CloudflareAPIError, self).__init__(message)
        self.message = message
        self.status = status
        self.method = method
        self.path = path
        self.errors = errors or []
        self.messages = messages or []
        self.retry_after = retry_after

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


class CloudflareConfigError(CloudflareError):
    """Connection settings are missing or wrong (no request was sent)."""


def parse_retry_after(value, now=None):
    """Retry-After as seconds (float) from an integer/float or an HTTP date; None if unparsable."""
    if value is None:
        return None
    value = str(value).strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if parsed is None:
        return None
    now = time.time() if now is None else now
    return max(0.0, parsed.timestamp() - now)


def backoff_delay(attempt, base=0.5, cap=8.0, rng=random):
    """Exponential backoff with full jitter: a random delay in [base*2^attempt / 2, base*2^attempt], capped."""
    ceiling = min(cap, base * (2 ** attempt))
    return ceiling / 2.0 + rng.uniform(0, ceiling / 2.0)


class CloudflareClient(object):
    """A thin, retrying Cloudflare API v4 client.

    ``warn`` is a callable used to report retries (modules pass ``module.warn``).
    ``request_log`` counts requests by method; modules return it as ``api_requests``.
    """

    def __init__(self, api_token=None, api_email=None, api_key=None, account_id=None,
                 base_url=DEFAULT_BASE_URL, timeout=30, validate_certs=True, max_retries=5,
                 max_retry_wait=300, warn=None, sleep=time.sleep, rng=None):
        if not HAS_REQUESTS:
            raise CloudflareConfigError("The Python library 'requests' is required (pip install requests).")
        if not api_token and not (api_email and api_key):
            raise CloudflareConfigError(
                "No Cloudflare credentials: set api_token (or the CLOUDFLARE_API_TOKEN environment variable), "
                "or api_email and api_key (CLOUDFLARE_EMAIL and CLOUDFLARE_API_KEY).")
        self.account_id = account_id
        self.base_url = (base_url or DEFAULT_BASE_URL).rstrip("/")
        self.timeout = timeout
        self.validate_certs = validate_certs
        self.max_retries = max(0, int(max_retries))
        self.max_retry_wait = float(max_retry_wait)
        self.warn = warn or (lambda msg: None)
        self.sleep = sleep
        self.rng = rng or random.Random()
        self._lock = threading.Lock()
        self.counts = {}
        self.retries = 0
        self._session = requests.Session()
        adapter = requests.adapters.HTTPAdapter(pool_connections=1, pool_maxsize=MAX_CONCURRENCY)
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)
        self._session.headers.update({"User-Agent": USER_AGENT, "Content-Type": "application/json",
                                      "Accept": "application/json"})
        if api_token:
            self._session.headers["Authorization"] = "Bearer %s" % api_token
        else:
            self._session.headers["X-Auth-Email"] = api_email
            self._session.headers["X-Auth-Key"] = api_key
        self._secrets = [s for s in (api_token, api_key) if s]

    # ------------------------------------------------------------------ paths
    def account_path(self, suffix=""):
        if not self.account_id:
            raise CloudflareConfigError(
                "No Cloudflare account: set account_id (or the CLOUDFLARE_ACCOUNT_ID environment variable).")
        return "/accounts/%s%s" % (self.account_id, suffix)

    # ------------------------------------------------------------------ core
    def _count(self, method):
        with self._lock:
            self.counts[method] = self.counts.get(method, 0) + 1

    def _scrub(self, text):
        text = "%s" % (text,)
        for secret in self._secrets:
            text = text.replace(secret, "********")
        return text

    def _send(self, method, path, params, body):
        self._count(method)
        data = None if body is None else json.dumps(body)
        return self._session.request(method, self.base_url + path, params=params, data=data,
                                     timeout=self.timeout, verify=self.validate_certs)

    @staticmethod
    def _envelope(response):
        try:
            payload = response.json()
        except ValueError:
            return None
        return payload if isinstance(payload, dict) else None

    def _error_from_response(self, method, path, response, payload):
        errors = []
        messages = []
        if payload is not None:
            errors = payload.get("errors") or []
            messages = payload.get("messages") or []
        if not errors:
            snippet = self._scrub((response.text or "")[:200]).strip()
            errors = [{"code": None, "message": snippet or response.reason or "HTTP %s" % response.status_code}]
        cls = CloudflareNotFound if response.status_code == 404 else CloudflareAPIError
        hint = ""
        if response.status_code in (401, 403):
            hint = (" Check that the API token is valid, belongs to account %s and has the permission "
                    "'Account Settings Read' (reads) or 'Account Settings Write' (changes)." % self.account_id)
        err = cls("Cloudflare API request failed", status=response.status_code, method=method, path=path,
                  errors=errors, messages=messages,
                  retry_after=parse_retry_after(response.headers.get("Retry-After")))
        if hint:
            err.errors = list(errors) + [{"code": None, "message": hint.strip()}]
        return err

    def request(self, method, path, params=None, body=None, recover=None, idempotent=None):
        """Send one API request, retrying what is safe to retry; return the whole envelope.

        A POST is never re-sent blindly after a reply that may have followed a
        successful write (5xx, dropped connection, timeout): ``recover`` (a
        callable) is called first to re-read the state and return the result
        the POST would have produced, or None when the POST did not happen.
        ``idempotent=True`` marks a POST whose repetition is harmless.
        """
        method = method.upper()
        if idempotent is None:
            idempotent = method != "POST"
        attempt = 0
        waited = 0.0
        while True:
            ambiguous = False
            try:
                response = self._send(method, path, params, body)
            except requests.exceptions.SSLError as exc:
                raise CloudflareAPIError(
                    "TLS verification failed", method=method, path=path,
                    errors=[{"code": None, "message": "TLS/SSL error talking to %s: %s (set validate_certs=false "
                             "only for a test endpoint)" % (self.base_url, self._scrub(exc))}])
            except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as exc:
                text = str(exc)
                connect_failed = isinstance(exc, requests.exceptions.ConnectTimeout) or any(
                    marker in text for marker in ("Connection refused", "NewConnectionError", "Failed to resolve",
                                                  "Name or service not known", "nodename nor servname"))
                ambiguous = not connect_failed
                failure = CloudflareAPIError(
                    "Cloudflare API unreachable", method=method, path=path,
                    errors=[{"code": None, "message": "cannot reach %s: %s" % (
                        self.base_url, self._scrub(exc.__class__.__name__ + ": " + str(exc))[:300])}])
                delay = backoff_delay(attempt, rng=self.rng)
            else:
                payload = self._envelope(response)
                status = response.status_code
                if status < 400 and payload is not None and payload.get("success", True) is not False:
                    return payload
                failure = self._error_from_response(method, path, response, payload)
                if status == 429:
                    delay = failure.retry_after if failure.retry_after is not None else backoff_delay(attempt, rng=self.rng)
                    if delay > self.max_retry_wait:
                        failure.errors = list(failure.errors) + [{"code": None, "message": (
                            "rate limited: Cloudflare asks to wait %d s, more than max_retry_wait=%d s"
                            % (delay, self.max_retry_wait))}]
                        raise failure
                elif status in RETRYABLE_STATUS or payload is None and status >= 500:
                    ambiguous = status >= 500
                    delay = backoff_delay(attempt, rng=self.rng)
                else:
                    raise failure
            if ambiguous and not idempotent:
                # Re-read before giving up too: the last attempt may have been the one that worked.
                if recover is None:
                    raise failure
                recovered = recover()
                if recovered is not None:
                    self.warn("%s %s got no clear answer (%s); re-reading showed the change was made, "
                              "so it was not sent again" % (method, path, failure.api_messages()))
                    return {"success": True, "errors": [], "messages": [], "result": recovered}
            if attempt >= self.max_retries:
                raise failure
            attempt += 1
            with self._lock:  # map_concurrent retries from several threads
                self.retries += 1
            waited += delay
            self.warn("Cloudflare API %s %s failed (%s); retry %d of %d in %.1f s"
                      % (method, path, failure.api_messages(), attempt, self.max_retries, delay))
            self.sleep(delay)

    def get(self, path, params=None):
        return self.request("GET", path, params=params).get("result")

    def post(self, path, body=None, recover=None, idempotent=None):
        return self.request("POST", path, body=body, recover=recover, idempotent=idempotent).get("result")

    def put(self, path, body=None):
        return self.request("PUT", path, body=body).get("result")

    def delete(self, path):
        return self.request("DELETE", path).get("result")

    def paginate(self, path, params=None, per_page=50):
        """Every item of a paginated listing.

        Stops on an empty or short page; never relies on ``total_pages``
        (missing in some responses) and accepts ``result: null``.
        """
        items = []
        page = 1
        while True:
            query = dict(params or {})
            query.update({"page": page, "per_page": per_page})
            payload = self.request("GET", path, params=query)
            result = payload.get("result") or []
            items.extend(result)
            info = payload.get("result_info") or {}
            total = info.get("total_count")
            if len(result) < per_page or (isinstance(total, int) and len(items) >= total):
                return items
            page += 1

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
        counts = dict(self.counts)
        counts["total"] = sum(self.counts.values())
        counts["retries"] = self.retries
        return counts
