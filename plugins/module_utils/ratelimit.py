# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""One Cloudflare rate budget per credential, shared by every process of the controller.

Layer 1 of 9, HTTP (the layer map: docs/development.md). It imports no other file of the collection.

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

Each store is a small binary file (72-byte header + one 8-byte time per slot,
at most ``MAX_SLOTS`` slots: a header that claims more, or more than the file
holds, is damaged and the store starts afresh) locked with ``fcntl.flock`` for the few microseconds a reservation takes; a
request reserves its start time, then sleeps outside the lock. The lock is
waited for at most ``lock_wait`` seconds (10 by default): a process stopped
while holding it (Ctrl-Z, a debugger, a hung network filesystem) makes the
others count in their own process, with a warning, instead of freezing them.

The stores hold wall-clock times, and the clock can step. Each store records
when it was last written; a store written "later than now" means the clock
went back, and every time in it is moved back by that step (less 0.5 s of
tolerance for processes racing each other), so a clock stepped back by 15
minutes costs half a second per store at most, never a refusal. No stored time may lie further
ahead than Cloudflare's rules allow: a 429 block or a reported reset at most
``MAX_BLOCK`` (300 s: Cloudflare documents a 5-minute block), a reserved start
at most ``MAX_AHEAD``; longer ones are clamped, never dropped, so the store
behaves the same on both sides of every bound. A clock that steps forward
makes the stored requests look older than they are; Cloudflare's own reports
(rate-limit headers, 429) still count then. Files are named
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

# Cloudflare blocks a token for 5 minutes once its budget is used up: no stored block (429) or reported reset of the
# rate window is kept longer than this, whatever Retry-After or the headers said.
MAX_BLOCK = 300.0
# No request is granted a start further ahead than this; stored starts further ahead are clamped to it.
MAX_AHEAD = 3600.0
# A store written up to this many seconds "after now" is a race between processes, not a clock that went back.
CLOCK_SKEW = 0.5
# Longest wait for the lock of a store before this process counts on its own (with a warning).
LOCK_WAIT = 10.0
# Most slots a store may have: the largest rate_limit and rate_limit_per_second the options accept. A store that
# claims more (a damaged header) is started afresh, never walked slot by slot with its lock held.
MAX_SLOTS = 100000

_MAGIC = b"CFRL"
_VERSION = 2
# magic, version, reserved, capacity, head, last, srv_remaining, srv_reset_at, srv_limit, blocked_until,
# grants_since_seen, padding, written_at: 72 bytes
_HEADER = struct.Struct("<4sHHIIdddddI4xd")
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


def _problem(directory, exc):
    """Why the files cannot be used: a lock held too long says so itself, anything else names the directory."""
    if isinstance(exc, LockTimeout):
        return "%s" % exc
    return "cannot use %s (%s)" % (directory, getattr(exc, "strerror", None) or exc)


def _thread_lock(name):
    with _PROCESS_LOCK:
        lock = _THREAD_LOCKS.get(name)
        if lock is None:
            lock = _THREAD_LOCKS[name] = threading.Lock()
        return lock


class LockTimeout(OSError):
    """The lock of a store stayed held longer than the wait allows (its holder is stopped or hung)."""

    def __init__(self, path, wait):
        super(LockTimeout, self).__init__(
            "the lock of %s stayed held by another process for more than %s s (a process stopped or hung while "
            "holding it: Ctrl-Z, a debugger, a hung network filesystem); find it with 'fuser %s' and resume or end "
            "it, or delete the file once no other run uses this credential" % (path, _seconds(wait), path))
        self.path = path


def _seconds(value):
    return "%d" % value if float(value).is_integer() else "%.1f" % value


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

    def acquire(self, wait=LOCK_WAIT):
        """Lock the store, waiting at most ``wait`` seconds; ``LockTimeout`` (an OSError) names the store then."""
        deadline = time.monotonic() + wait
        if not self._lock.acquire(timeout=max(0.0, wait)):
            raise LockTimeout(self.path, wait)
        try:
            fd = self._open()
            pause = 0.001
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    return
                except (BlockingIOError, InterruptedError):
                    left = deadline - time.monotonic()
                    if left <= 0:
                        raise LockTimeout(self.path, wait)
                    time.sleep(min(pause, left))
                    pause = min(pause * 2, 0.05)
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

    def acquire(self, wait=None):
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

    def load(self, now, waited=0.0):
        raw = self.backend.read(0, _HEADER.size)
        fields = list(_HEADER.unpack(raw)) if len(raw) == _HEADER.size else None
        if fields is not None and (
                fields[0] != _MAGIC or fields[1] != _VERSION or (fields[3] and fields[4] >= fields[3])
                or fields[3] > MAX_SLOTS or self.backend.size() < _HEADER.size + fields[3] * _SLOT.size
                or not all(-1e15 < v < 1e15 for v in fields[5:10] + fields[11:12])):  # also false for NaN
            fields = None
        if fields is None:  # new, damaged or of another version: start afresh
            fields = [_MAGIC, _VERSION, 0, 0, 0, 0.0, _NO_VALUE, 0.0, _NO_VALUE, 0.0, 0, now]
            self.backend.truncate(0)
            self.backend.write(0, _HEADER.pack(*fields))
        (_magic, _version, _reserved, self.capacity, self.head, self.last, self.srv_remaining, self.srv_reset_at,
         self.srv_limit, self.blocked_until, self.grants_since_seen, self.written_at) = fields
        # Written "after now": the wall clock went back. The times move back by the step beyond what a race between
        # processes explains (so a step of 0.6 s and one of 0.4 s cost the same, and 15 minutes costs 0.5 s at most).
        step = self.written_at - now - CLOCK_SKEW - waited
        if step > 0:
            self.shift(-step)
        self.clamp(now)

    def shift(self, delta):
        """Move every stored time by ``delta`` seconds (the clock stepped); unused slots stay unused."""
        self.last = self.last + delta if self.last else 0.0
        self.blocked_until = self.blocked_until + delta if self.blocked_until else 0.0
        self.srv_reset_at = self.srv_reset_at + delta if self.srv_reset_at else 0.0
        if self.capacity:
            times = [self._slot(i) for i in range(self.capacity)]
            self.backend.write(_HEADER.size, b"".join(_SLOT.pack(t + delta if t else 0.0) for t in times))

    def clamp(self, now):
        """No block or reported reset beyond ``MAX_BLOCK`` from now, no reserved start beyond ``MAX_AHEAD``."""
        self.blocked_until = min(self.blocked_until, now + MAX_BLOCK)
        self.srv_reset_at = min(self.srv_reset_at, now + MAX_BLOCK)
        if self.last > now + MAX_AHEAD:  # last is the latest slot: only then can a slot be too far ahead
            self.last = now + MAX_AHEAD
            if self.capacity:
                times = [self._slot(i) for i in range(self.capacity)]
                self.backend.write(_HEADER.size, b"".join(_SLOT.pack(min(t, self.last)) for t in times))

    def save(self, now):
        self.written_at = now
        self.backend.write(0, _HEADER.pack(
            _MAGIC, _VERSION, 0, self.capacity, self.head, self.last, self.srv_remaining, self.srv_reset_at,
            self.srv_limit, self.blocked_until, self.grants_since_seen, self.written_at))

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
                 per_second=DEFAULT_PER_SECOND, directory=None, warn=None, lock_wait=LOCK_WAIT):
        self.budget = min(MAX_SLOTS, max(0, int(budget or 0)))
        self.window = float(window)
        self.per_second = min(MAX_SLOTS, max(0, int(per_second or 0)))
        self.directory = directory or default_directory()
        self.lock_wait = float(lock_wait)
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
                    backend.acquire(self.lock_wait)
                    backend.release()
            except (OSError, IOError) as exc:
                self.problem = _problem(self.directory, exc)
                backends = None
        if backends is None:
            backends = self._memory_backends()
        self._token = _Ring(backends[0], self.window)
        self._host = _Ring(backends[1], 1.0)

    @property
    def shared(self):
        """True when the budget is shared with other processes (files), False when counted in this process only."""
        return self._token.backend.shared

    @property
    def store(self):
        """Where the credential's budget is kept, and how to clear it: for messages."""
        if self.shared:
            return ("the rate budget store %s (shared by every process of this controller that uses this credential; "
                    "delete that file to clear it, once no other run uses the credential)" % self._token.backend.path)
        return "the rate budget counted in this process (cleared when the task ends)"

    def _memory_backends(self):
        if self._warn is not None and HAS_FCNTL:
            advice = ("" if self.problem and "stayed held" in self.problem else
                      " Set rate_limit_dir (or CLOUDFLARE_RATE_LIMIT_DIR) to a private directory so that parallel "
                      "forks share it.")
            self._warn("The Cloudflare request budget is counted in this process only: %s.%s"
                       % (self.problem, advice))
        return [_MemoryBackend(name) for name in self._names]

    def _locked(self, which, func, now):
        """Run ``func(ring, now)`` with the store locked and loaded; a file error switches to memory stores.

        The time spent waiting for the lock counts when the store looks for a clock that went back (others may
        have written it meanwhile).
        """
        while True:
            ring = self._token if which == "token" else self._host
            backend = ring.backend
            began = time.monotonic()
            try:
                backend.acquire(self.lock_wait)
            except (OSError, IOError) as exc:
                if not backend.shared:
                    raise
                self._give_up_files(exc)
                continue
            failure = None
            try:
                ring.load(now, waited=max(0.0, time.monotonic() - began))
                return func(ring, now)
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
        self.problem = _problem(self.directory, exc)
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

        def decide(token, now):
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
            if wait > MAX_AHEAD or max_wait is not None and wait > max_wait:
                return Grant(wait, reason, False, start)
            token.push(start)
            token.grants_since_seen += 1
            token.save(now)
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

        def decide(host, now):
            host.ensure_capacity(self.per_second)
            recent = host.nth_most_recent(self.per_second)
            start = max(now, host.last, recent + 1.0 if recent > 0 else 0.0)
            host.push(start)
            host.save(now)
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

        def record(token, now):
            if remaining is not None and reset is not None:
                token.srv_remaining = max(0.0, float(remaining))
                token.srv_reset_at = now + min(MAX_BLOCK, max(0.0, float(reset)))
                token.srv_limit = float(limit) if limit else _NO_VALUE
                token.grants_since_seen = 0
            if retry_after is not None:
                token.blocked_until = max(token.blocked_until, now + min(MAX_BLOCK, max(0.0, float(retry_after))))
            token.save(now)

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
