# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""One Cloudflare rate budget per credential, shared by every process of the controller.

Cloudflare allows 1,200 requests per 5 minutes per token (per user for the
global API key) and blocks *every* call of that token for 5 minutes once the
budget is exceeded; it also allows 200 requests per second per client IP.
Several Ansible forks (separate processes) may use one token at the same time,
so a per-process count is not enough. ``SharedRateLimiter`` keeps

* a sliding-window log of the last ``budget`` request start times per
  credential and API host (file ``<sha256>.budget``): a request may start only
  when the ``budget``-th most recent one is at least ``window`` seconds old;
* the same per API host with a 1 s window (file ``<sha256>.host``), for the
  per-IP limit, shared by every credential;
* what the API reported last (``Ratelimit``/``x-ratelimit-*`` headers: requests
  left and seconds to reset; a 429's ``Retry-After``), so that every process
  slows down when the server says the budget is nearly used up - the server
  also counts requests of other tools (dashboard, other controllers).

Each store is a small binary file (64-byte header + one 8-byte time per slot)
locked with ``fcntl.flock`` for the few microseconds a reservation takes; a
request reserves its start time, then sleeps outside the lock. Files are named
by a SHA-256 of the credential and API host (never the credential itself) and
live in a private directory (mode 0700, owned by the user): ``rate_limit_dir``
/ ``CLOUDFLARE_RATE_LIMIT_DIR`` when set, else ``$XDG_RUNTIME_DIR/cfiam.user_groups``
when ``XDG_RUNTIME_DIR`` is set, else ``<tempfile.gettempdir()>/cfiam.user_groups-<uid>``
(not Ansible's local tmp: that one is per run, and two runs at once share the budget too).
Where files cannot be locked (no ``fcntl``, unusable directory) the same
algorithm runs in memory, shared by the threads of this process only.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import math
import os
import stat
import struct
import tempfile
import threading
import time

try:
    import fcntl
    HAS_FCNTL = True
except ImportError:  # pragma: no cover - Windows
    fcntl = None
    HAS_FCNTL = False

DEFAULT_BUDGET = 1100          # requests per DEFAULT_WINDOW seconds (Cloudflare: 1,200 per 300 s)
DEFAULT_WINDOW = 300.0
DEFAULT_PER_SECOND = 100       # requests per second per API host (Cloudflare: 200 per second per IP)
DIR_ENV = "CLOUDFLARE_RATE_LIMIT_DIR"
DIR_NAME = "cfiam.user_groups"

# A stored time further in the future than window + CLOCK_JUMP means the wall clock jumped back: reset the store.
CLOCK_JUMP = 3600.0

_MAGIC = b"CFRL"
_VERSION = 1
# magic, version, reserved, capacity, head, last, srv_remaining, srv_reset_at, srv_limit, blocked_until,
# grants_since_seen, padding: 64 bytes
_HEADER = struct.Struct("<4sHHIIdddddI4x")
_SLOT = struct.Struct("<d")
_NO_VALUE = -1.0

_PROCESS_LOCK = threading.Lock()
_THREAD_LOCKS = {}
_MEMORY_BUFFERS = {}


def credential_fingerprint(host, api_token=None, api_email=None, api_key=None):
    """SHA-256 (hex) of API host and credential: names the shared store; the credential cannot be read back."""
    if api_token:
        credential = "token\0" + api_token
    else:
        credential = "key\0%s\0%s" % (api_email or "", api_key or "")
    data = "cfiam.user_groups rate budget v1\0%s\0%s" % ((host or "").lower(), credential)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def host_fingerprint(host):
    """SHA-256 (hex) of the API host: names the per-second store shared by every credential."""
    data = "cfiam.user_groups host rate v1\0%s" % (host or "").lower()
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def default_directory(environ=None):
    """Where the shared stores live unless ``rate_limit_dir`` says otherwise (see the module docstring)."""
    environ = os.environ if environ is None else environ
    if environ.get(DIR_ENV):
        return environ[DIR_ENV]
    runtime = environ.get("XDG_RUNTIME_DIR")
    if runtime and os.path.isabs(runtime) and os.path.isdir(runtime):
        return os.path.join(runtime, DIR_NAME)
    uid = os.geteuid() if hasattr(os, "geteuid") else "user"
    return os.path.join(tempfile.gettempdir(), "%s-%s" % (DIR_NAME, uid))


def private_directory(path):
    """Create ``path`` (mode 0700) if missing; None when it is a private directory of this user, else why not."""
    try:
        os.makedirs(path, 0o700)
    except OSError:
        pass  # exists already, or cannot be made: lstat says which
    try:
        info = os.lstat(path)
    except OSError as exc:
        return "cannot create %s (%s)" % (path, exc.strerror or exc)
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode):
        return "%s is not a directory (or is a symbolic link)" % path
    if hasattr(os, "geteuid") and info.st_uid != os.geteuid():
        return "%s belongs to another user" % path
    if info.st_mode & 0o022:
        return "%s is writable by other users" % path
    return None


def _thread_lock(name):
    with _PROCESS_LOCK:
        lock = _THREAD_LOCKS.get(name)
        if lock is None:
            lock = _THREAD_LOCKS[name] = threading.Lock()
        return lock


class _FileBackend(object):
    """A store file locked with flock (plus a thread lock: flock does not exclude threads sharing the file).

    Reopened after a fork: a flock belongs to the open file, which a forked child would share.
    """

    shared = True

    def __init__(self, path):
        self.path = path
        self._fd = None
        self._pid = None
        self._lock = _thread_lock("file:" + path)

    def _open(self):
        if self._fd is not None and self._pid == os.getpid():
            return self._fd
        flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
        fd = os.open(self.path, flags, 0o600)
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or (hasattr(os, "geteuid") and info.st_uid != os.geteuid()):
            os.close(fd)
            raise OSError("%s is not a regular file of this user" % self.path)
        self._fd, self._pid = fd, os.getpid()
        return fd

    def acquire(self):
        self._lock.acquire()
        try:
            fcntl.flock(self._open(), fcntl.LOCK_EX)
        except Exception:
            self._lock.release()
            raise

    def release(self):
        try:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._lock.release()

    def read(self, offset, size):
        return os.pread(self._fd, size, offset)

    def write(self, offset, data):
        os.pwrite(self._fd, data, offset)

    def size(self):
        return os.fstat(self._fd).st_size

    def truncate(self, size):
        os.ftruncate(self._fd, size)

    def close(self):
        if self._fd is not None and self._pid == os.getpid():
            os.close(self._fd)
        self._fd = None


class _MemoryBackend(object):
    """The same store in memory: shared by the threads (and clients) of this process only."""

    shared = False

    def __init__(self, name):
        self.path = name
        self._lock = _thread_lock("memory:" + name)
        with _PROCESS_LOCK:
            self._buffer = _MEMORY_BUFFERS.setdefault(name, bytearray())

    def acquire(self):
        self._lock.acquire()

    def release(self):
        self._lock.release()

    def read(self, offset, size):
        return bytes(self._buffer[offset:offset + size])

    def write(self, offset, data):
        end = offset + len(data)
        if len(self._buffer) < end:
            self._buffer.extend(b"\0" * (end - len(self._buffer)))
        self._buffer[offset:end] = data

    def size(self):
        return len(self._buffer)

    def truncate(self, size):
        del self._buffer[size:]

    def close(self):
        pass


class _Ring(object):
    """Header and ring of recent request start times of one store (used with its backend locked)."""

    def __init__(self, backend, window):
        self.backend = backend
        self.window = float(window)

    def load(self, now):
        raw = self.backend.read(0, _HEADER.size)
        fields = list(_HEADER.unpack(raw)) if len(raw) == _HEADER.size else None
        if fields is not None and (
                fields[0] != _MAGIC or fields[1] != _VERSION or (fields[3] and fields[4] >= fields[3])
                or not all(-1e15 < v < 1e15 for v in fields[5:10])):  # also false for NaN
            fields = None
        if fields is None:  # new or damaged: start afresh
            fields = [_MAGIC, _VERSION, 0, 0, 0, 0.0, _NO_VALUE, 0.0, _NO_VALUE, 0.0, 0]
            self.backend.truncate(0)
            self.backend.write(0, _HEADER.pack(*fields))
        (_magic, _version, _reserved, self.capacity, self.head, self.last, self.srv_remaining, self.srv_reset_at,
         self.srv_limit, self.blocked_until, self.grants_since_seen) = fields
        horizon = now + self.window + CLOCK_JUMP
        if max(self.last, self.blocked_until, self.srv_reset_at) > horizon:
            self.reset_times()

    def reset_times(self):
        self.last = self.blocked_until = self.srv_reset_at = 0.0
        self.srv_remaining = self.srv_limit = _NO_VALUE
        self.grants_since_seen = 0
        if self.capacity:
            self.backend.write(_HEADER.size, b"\0" * (self.capacity * _SLOT.size))

    def save(self):
        self.backend.write(0, _HEADER.pack(
            _MAGIC, _VERSION, 0, self.capacity, self.head, self.last, self.srv_remaining, self.srv_reset_at,
            self.srv_limit, self.blocked_until, self.grants_since_seen))

    def _slot(self, index):
        raw = self.backend.read(_HEADER.size + index * _SLOT.size, _SLOT.size)
        return _SLOT.unpack(raw)[0] if len(raw) == _SLOT.size else 0.0

    def ensure_capacity(self, capacity):
        """Grow the ring to at least ``capacity`` slots, keeping the recorded times (never shrinks)."""
        if capacity <= self.capacity:
            return
        old = [self._slot((self.head + i) % self.capacity) for i in range(self.capacity)]  # oldest first
        times = [0.0] * (capacity - len(old)) + old
        self.backend.write(_HEADER.size, b"".join(_SLOT.pack(t) for t in times))
        self.capacity, self.head = capacity, 0

    def nth_most_recent(self, n):
        """Start time of the n-th most recent request (1 = the last one); 0.0 if fewer were made."""
        return self._slot((self.head - n) % self.capacity)

    def push(self, when):
        if self.capacity:
            self.backend.write(_HEADER.size + self.head * _SLOT.size, _SLOT.pack(when))
            self.head = (self.head + 1) % self.capacity
        self.last = max(self.last, when)


class Grant(object):
    """What ``reserve`` decided: start in ``wait`` seconds (``reason`` says why), or ``granted`` False: refused."""

    __slots__ = ("wait", "reason", "granted", "at")

    def __init__(self, wait, reason, granted, at):
        self.wait = wait
        self.reason = reason
        self.granted = granted
        self.at = at

    def __repr__(self):
        return "Grant(wait=%.3f, granted=%s, reason=%r)" % (self.wait, self.granted, self.reason)


class SharedRateLimiter(object):
    """Request budget of one credential at one API host, shared through files (see the module docstring).

    ``budget`` requests per ``window`` seconds for the credential (0: no local
    budget, the server's reports still count), ``per_second`` requests per
    second to the API host (0: none). ``warn`` says once why the budget is
    counted in this process only, when it is.
    """

    def __init__(self, fingerprint, host_key, budget=DEFAULT_BUDGET, window=DEFAULT_WINDOW,
                 per_second=DEFAULT_PER_SECOND, directory=None, warn=None):
        self.budget = max(0, int(budget or 0))
        self.window = float(window)
        self.per_second = max(0, int(per_second or 0))
        self.directory = directory or default_directory()
        self._names = (fingerprint + ".budget", host_key + ".host")
        self._warn = warn
        self.problem = None if HAS_FCNTL else "file locking (fcntl) is not available here"
        if self.problem is None:
            self.problem = private_directory(self.directory)
        backends = None
        if self.problem is None:
            try:
                backends = [_FileBackend(os.path.join(self.directory, name)) for name in self._names]
                for backend in backends:
                    backend.acquire()
                    backend.release()
            except (OSError, IOError) as exc:
                self.problem = "cannot use %s (%s)" % (self.directory, getattr(exc, "strerror", None) or exc)
                backends = None
        if backends is None:
            backends = self._memory_backends()
        self._token = _Ring(backends[0], self.window)
        self._host = _Ring(backends[1], 1.0)

    @property
    def shared(self):
        """True when the budget is shared with other processes (files), False when counted in this process only."""
        return self._token.backend.shared

    def _memory_backends(self):
        if self._warn is not None and HAS_FCNTL:
            self._warn("The Cloudflare request budget is counted in this process only: %s. Set rate_limit_dir "
                       "(or CLOUDFLARE_RATE_LIMIT_DIR) to a private directory so that parallel forks share it."
                       % self.problem)
        return [_MemoryBackend(name) for name in self._names]

    def _locked(self, which, func, now):
        """Run ``func(ring)`` with the store locked and loaded; a file error switches to memory stores."""
        while True:
            ring = self._token if which == "token" else self._host
            backend = ring.backend
            try:
                backend.acquire()
            except (OSError, IOError) as exc:
                if not backend.shared:
                    raise
                self._give_up_files(exc)
                continue
            failure = None
            try:
                ring.load(now)
                return func(ring)
            except (OSError, IOError) as exc:
                if not backend.shared:
                    raise
                failure = exc
            finally:
                try:
                    backend.release()
                except (OSError, IOError) as exc:  # the lock goes with the file, which is closed below
                    failure = failure or exc
            self._give_up_files(failure)

    def _give_up_files(self, exc):
        self.problem = "cannot use %s (%s)" % (self.directory, getattr(exc, "strerror", None) or exc)
        old = (self._token.backend, self._host.backend)
        self._token.backend, self._host.backend = self._memory_backends()
        for backend in old:
            try:
                backend.close()
            except OSError:
                pass

    # ------------------------------------------------------------------ reservations
    def reserve(self, now=None, max_wait=None):
        """Reserve the start time of one request against the credential's budget; return a ``Grant``.

        ``wait`` is how long to sleep before sending (then call ``reserve_host``).
        When it would be longer than ``max_wait``, nothing is reserved and
        ``granted`` is False. Start times are handed out in order, so the
        ``budget``-th most recent one decides when the next may start.
        """
        now = time.time() if now is None else now

        def decide(token):
            start, reason = now, None
            if token.last > now:
                start, reason = token.last, "earlier requests of this credential are already waiting for their turn"
            if self.budget:
                token.ensure_capacity(self.budget)
                recent = token.nth_most_recent(self.budget)
                due = recent + self.window if recent > 0 else 0.0  # 0.0: a slot never used
                if due > start:
                    start, reason = due, ("the budget of %d requests per %d s for this credential is used up "
                                          "(counted across every process of this controller)"
                                          % (self.budget, self.window))
            due, why = self._server_due(token, now)
            if due > start:
                start, reason = due, why
            wait = max(0.0, start - now)
            if max_wait is not None and wait > max_wait:
                return Grant(wait, reason, False, start)
            token.push(start)
            token.grants_since_seen += 1
            token.save()
            return Grant(wait, reason if wait > 0 else None, True, start)

        return self._locked("token", decide, now)

    def reserve_host(self, now=None):
        """Reserve a start within the per-second limit of the API host; return the seconds to wait.

        Called after ``reserve``'s wait, so that a credential that must wait
        long never holds up the other credentials of the host.
        """
        if not self.per_second:
            return 0.0
        now = time.time() if now is None else now

        def decide(host):
            host.ensure_capacity(self.per_second)
            recent = host.nth_most_recent(self.per_second)
            start = max(now, host.last, recent + 1.0 if recent > 0 else 0.0)
            host.push(start)
            host.save()
            return start - now

        return self._locked("host", decide, now)

    def _server_due(self, token, now):
        """Earliest start the server's last report allows (a 429 block, or few requests left), and why."""
        due, why = 0.0, None
        if token.blocked_until > now:
            due, why = token.blocked_until, "Cloudflare answered HTTP 429 (rate limited) and asked to wait"
        if token.srv_remaining >= 0 and token.srv_reset_at > now:
            left = token.srv_remaining - token.grants_since_seen
            limit = token.srv_limit if token.srv_limit > 0 else (self.budget or 1200)
            if left <= 0:
                if token.srv_reset_at > due:
                    due, why = token.srv_reset_at, ("Cloudflare reported no requests left for this credential "
                                                    "until its rate window resets")
            elif left < max(10.0, 0.1 * limit):
                spaced = token.last + (token.srv_reset_at - now) / left
                if spaced > due:
                    due, why = spaced, ("Cloudflare reported only %d requests left for the next %d s; spreading them"
                                        % (left, math.ceil(token.srv_reset_at - now)))
        return due, why

    # ------------------------------------------------------------------ what the server said
    def observe(self, remaining=None, reset=None, limit=None, retry_after=None, now=None):
        """Record the server's view: ``remaining`` requests for ``reset`` more seconds; a 429's ``retry_after``."""
        if (remaining is None or reset is None) and retry_after is None:
            return
        now = time.time() if now is None else now

        def record(token):
            if remaining is not None and reset is not None:
                token.srv_remaining = max(0.0, float(remaining))
                token.srv_reset_at = now + max(0.0, float(reset))
                token.srv_limit = float(limit) if limit else _NO_VALUE
                token.grants_since_seen = 0
            if retry_after is not None:
                token.blocked_until = max(token.blocked_until, now + max(0.0, float(retry_after)))
            token.save()

        self._locked("token", record, now)

    def close(self):
        self._token.backend.close()
        self._host.backend.close()


def parse_rate_headers(headers, now=None):
    """(remaining, reset seconds, limit) from the rate-limit headers of a reply; Nones when absent.

    ``Ratelimit: "default";r=50;t=30`` (several policies: the one with the
    fewest requests left wins), its limit from ``Ratelimit-Policy:
    "default";q=100;w=60`` when the policy names match; the older
    ``RateLimit: limit=100, remaining=50, reset=30``; ``x-ratelimit-remaining``
    / ``-reset`` / ``-limit`` (a reset above 10^9 is a Unix time). Anything
    unparsable counts as absent: no header is relied upon.
    """
    if not headers:
        return None, None, None
    get = headers.get
    remaining = reset = limit = None
    combined = get("Ratelimit") or get("RateLimit")
    if combined:
        best = None
        for name, params in _structured_items(combined):
            r = _number(params.get("r", params.get("remaining")))
            t = _number(params.get("t", params.get("reset")))
            if r is not None and t is not None and (best is None or r < best[1]):
                best = (name, r, t, _number(params.get("limit")))
        if best is not None:
            name, remaining, reset, limit = best
            for policy_name, params in _structured_items(get("Ratelimit-Policy") or get("RateLimit-Policy") or ""):
                if policy_name == name and _number(params.get("q")) is not None:
                    limit = _number(params.get("q"))
    if remaining is None:
        for prefix in ("x-ratelimit-", "ratelimit-"):
            r = _number(get(prefix + "remaining"))
            t = _number(get(prefix + "reset"))
            if r is not None and t is not None:
                if t > 1e9:
                    t = max(0.0, t - (time.time() if now is None else now))
                remaining, reset, limit = r, t, _number(get(prefix + "limit"))
                break
    return remaining, reset, limit


def _structured_items(value):
    """``"a";r=1;t=2, "b";r=3`` -> [("a", {"r": "1", "t": "2"}), ("b", {"r": "3"})]; ``limit=1, remaining=2`` too."""
    items = []
    loose = {}
    for part in str(value).split(","):
        pieces = [p.strip() for p in part.split(";") if p.strip()]
        if not pieces:
            continue
        if "=" in pieces[0] and not pieces[0].startswith('"'):
            for piece in pieces:
                key, _sep, val = piece.partition("=")
                loose[key.strip().lower()] = val.strip().strip('"')
            continue
        params = {}
        for piece in pieces[1:]:
            key, _sep, val = piece.partition("=")
            params[key.strip().lower()] = val.strip().strip('"')
        items.append((pieces[0].strip('"'), params))
    if loose:
        items.append(("", loose))
    return items


def _number(value):
    if value is None:
        return None
    try:
        number = float(str(value).strip())
    except ValueError:
        return None
    if math.isnan(number) or math.isinf(number) or number < 0:
        return None
    return number
