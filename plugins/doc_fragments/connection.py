# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    """The connection options, written once (their argument spec: ``module_utils/connection.py``).

    Every module extends ``cfiam.user_groups.connection`` and ``cfiam.user_groups.connection.modules`` (the account
    and how the modules run); the ``cfiam.user_groups.accounts`` inventory extends ``cfiam.user_groups.connection``
    and ``cfiam.user_groups.connection.plugins`` (the environment variables, which a plugin's options read through
    ``env:`` and a module's through its argument spec's fallbacks).
    """

    # The options every module and the accounts inventory take.
    DOCUMENTATION = r"""
options:
  api_token:
    description:
      - "Cloudflare API token, sent as C(Authorization: Bearer)."
      - The token needs C(Account Settings Read) to read and C(Account Settings Write) to change user groups,
        members and resource groups; C(Zone Read) to resolve zone names.
      - If not set, the value of the E(CLOUDFLARE_API_TOKEN) environment variable is used.
      - Give either O(api_token) or O(api_email) and O(api_key).
    type: str
  api_email:
    description:
      - Email of the Cloudflare user, for the legacy global API key authentication (C(X-Auth-Email)).
      - If not set, the value of the E(CLOUDFLARE_EMAIL) environment variable is used.
    type: str
  api_key:
    description:
      - Legacy global API key (C(X-Auth-Key)); prefer O(api_token).
      - If not set, the value of the E(CLOUDFLARE_API_KEY) environment variable is used.
    type: str
  base_url:
    description:
      - Base URL of the Cloudflare API v4.
      - If not set, the value of the E(CLOUDFLARE_BASE_URL) environment variable is used, and if that is not
        set either, V(https://api.cloudflare.com/client/v4).
      - Must be C(https://), or C(http://) to a loopback address (V(localhost), C(127.0.0.0/8), V(::1)); plain
        C(http://) to any other host needs O(allow_insecure_http). A path that does not end in C(/client/v4)
        gives a warning.
      - Redirects are never followed (credentials and request bodies only go to this address); a redirect fails
        the task (or the inventory source) and names where it pointed.
    type: str
  allow_insecure_http:
    description:
      - Allow a plain C(http://) O(base_url) to a host that is not a loopback address. The API token (or key)
        and every request then travel unencrypted; use it only for a trusted test endpoint or proxy.
    type: bool
    default: false
  timeout:
    description:
      - Seconds each API reply may take as a whole, from connecting to the last byte of its body (not per read
        of the network, so a reply trickling in byte by byte fails too); must be greater than V(0). A reply that
        takes longer fails like a lost one (retried, see O(max_retries); a create is re-read first, never sent
        again blindly).
      - A reply larger than 16 MiB is refused without being read whole (a page of Cloudflare's listings is far
        smaller); a listing then fails, a write answered so counts as answered without a readable body.
    type: int
    default: 30
  validate_certs:
    description:
      - Verify the API's TLS certificate. Set to V(false) only for a test endpoint; the connection is then
        unauthenticated and a warning says so.
    type: bool
    default: true
  max_retries:
    description:
      - How many times a failed request is retried. Requests are retried on HTTP 429 (waiting as Cloudflare's
        C(Retry-After) header says), on HTTP 408, 409, 500, 502, 503, 504 and 520 to 524 (any 5xx whose reply is
        not Cloudflare's JSON), timeouts and dropped connections (exponential backoff with jitter). V(0) disables
        retries. Errors a retry cannot fix (unknown host name, refused connection, TLS errors) fail at once.
      - A create (POST) whose reply is lost, or answered 2xx with a body that is not the API's JSON (a proxy's
        page), is never sent again blindly; the state is re-read first.
      - A delete whose reply is lost and whose retry finds the object gone (HTTP 404) counts as done by this run.
    type: int
    default: 5
  max_retry_wait:
    description:
      - Longest single wait, in seconds, for a C(Retry-After) or for the rate budget (see O(rate_limit)).
        Cloudflare blocks every call for up to 300 s once 1,200 requests were made within 5 minutes; a longer
        wait fails the request with a clear message.
    type: int
    default: 300
  max_total_wait:
    description:
      - Longest time, in seconds, one API request may spend waiting in total (rate budget, C(Retry-After) and
        backoff between retries together). When the next wait would pass it, the request fails and says how
        long it waited.
      - It also bounds how long a task that may write waits for another C(ansible-playbook) run that holds the
        same account and uses the same O(rate_limit_dir) (see there); the task then fails before sending
        anything, naming that run.
      - If not set, the value of the E(CLOUDFLARE_MAX_TOTAL_WAIT) environment variable is used.
    type: int
    default: 600
  rate_limit:
    description:
      - Most requests per 300 seconds sent with one credential to one API host, counted across every process
        that uses the same O(rate_limit_dir) (parallel forks, other playbook runs of the same user; see there
        for when runs share it). Requests beyond it wait for
        their turn instead of getting the token blocked by Cloudflare (1,200 per 5 minutes per token).
      - Independently of this budget, the requests left that Cloudflare reports in its C(Ratelimit) or
        C(x-ratelimit-*) reply headers are spread out before they run out, and a HTTP 429 makes every process
        using the credential wait.
      - V(0) turns the local budget off (the server's reports still count). At most V(100000).
      - If not set, the value of the E(CLOUDFLARE_RATE_LIMIT) environment variable is used.
    type: int
    default: 1100
  rate_limit_per_second:
    description:
      - Most requests per second to one API host, across every credential and process that uses the same
        O(rate_limit_dir)
        (Cloudflare allows 200 per second per IP). V(0) turns it off. At most V(100000).
      - If not set, the value of the E(CLOUDFLARE_RATE_LIMIT_PER_SECOND) environment variable is used.
    type: int
    default: 100
  rate_limit_dir:
    description:
      - Private directory (mode C(0700), owned by the user running Ansible; created if missing) holding the
        shared request budgets of O(rate_limit) and O(rate_limit_per_second). The files are named by a SHA-256
        of the API host and credential and hold request times only, never a credential.
      - If not set, the value of the E(CLOUDFLARE_RATE_LIMIT_DIR) environment variable is used, else
        C($XDG_RUNTIME_DIR/cfiam.user_groups) when E(XDG_RUNTIME_DIR) is set, else
        C(cfiam.user_groups-<uid>) in the system's temporary directory.
      - If the directory cannot be used (another owner, writable by others, no file locking), the budget is
        counted per process only and a warning says why. So it is when the lock of a budget file stays held
        more than 10 seconds (a process stopped or hung while holding it); the warning names the file.
      - "The directory also holds one lease per account (C(<sha256>.run)) by which runs take turns on an account.
        The first task of a run that may write to the account (not in check mode) takes it for its
        C(ansible-playbook) process, until that process ends; a task of another run waits for it, at most
        O(max_total_wait) seconds. Two runs that wait for each other (each holds an account the other waits for)
        are found at once: the one that started last fails its task before sending anything. A task whose
        C(ansible-playbook) process was killed takes no lease and writes nothing more."
      - "Only runs that use the same directory share the budget and take turns: by default the runs of one Unix
        user on one machine, when all of them have the same E(XDG_RUNTIME_DIR) (or none). Two users, a login
        shell and a cron job or service without E(XDG_RUNTIME_DIR), two containers (AWX jobs) or two machines
        use different directories; set the same O(rate_limit_dir) for the runs of one user that should share
        it. A directory of another user is never used."
    type: path
requirements:
  - requests
"""

    # Modules only: the account they act on, and how they run.
    MODULES = r"""
options:
  account_id:
    description:
      - Id of the Cloudflare account (32 hexadecimal characters).
      - If not set, the host variable C(cloudflare_account_id) is used (the P(cfiam.user_groups.accounts#inventory)
        inventory sets it on each account's host), then the value of the E(CLOUDFLARE_ACCOUNT_ID) environment
        variable.
    type: str
notes:
  - "Every module runs in the Ansible controller process (or execution environment), whatever the host of the play;
    run the plays on C(localhost), or on the account hosts of the P(cfiam.user_groups.accounts#inventory)
    inventory."
  - "Set the connection options once per play with
    C(module_defaults: {group/cfiam.user_groups.cloudflare: {...}})."
"""

    # Plugins only (the accounts inventory): each option is also read from its environment variable.
    PLUGINS = r"""
options:
  api_token:
    env:
      - name: CLOUDFLARE_API_TOKEN
  api_email:
    env:
      - name: CLOUDFLARE_EMAIL
  api_key:
    env:
      - name: CLOUDFLARE_API_KEY
  base_url:
    env:
      - name: CLOUDFLARE_BASE_URL
  max_total_wait:
    env:
      - name: CLOUDFLARE_MAX_TOTAL_WAIT
  rate_limit:
    env:
      - name: CLOUDFLARE_RATE_LIMIT
  rate_limit_per_second:
    env:
      - name: CLOUDFLARE_RATE_LIMIT_PER_SECOND
  rate_limit_dir:
    env:
      - name: CLOUDFLARE_RATE_LIMIT_DIR
"""
