# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The base every cfiam.user_groups module is built on.

``CloudflareModule`` merges the shared connection options into the module's
argument spec, builds the one API client and its services lazily, runs the
module's logic with a single failure path (every message names the object,
carries Cloudflare's error codes and never a secret) and adds diff output only
when diff mode is on.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import traceback

from ansible.module_utils.basic import AnsibleModule, env_fallback, missing_required_lib

from ansible_collections.cfiam.user_groups.plugins.module_utils.client import (
    DEFAULT_BASE_URL,
    HAS_REQUESTS,
    REQUESTS_IMPORT_ERROR,
    CloudflareAPIError,
    CloudflareClient,
    CloudflareConfigError,
)
from ansible_collections.cfiam.user_groups.plugins.module_utils.lookups import Lookups, ResolutionError
from ansible_collections.cfiam.user_groups.plugins.module_utils.services import (
    ResourceGroupService,
    UserGroupService,
)


def cloudflare_argument_spec():
    """Connection options shared by every module (documented in the ``cfiam.user_groups.connection`` fragment)."""
    return dict(
        api_token=dict(type="str", no_log=True, fallback=(env_fallback, ["CLOUDFLARE_API_TOKEN"])),
        api_email=dict(type="str", fallback=(env_fallback, ["CLOUDFLARE_EMAIL"])),
        api_key=dict(type="str", no_log=True, fallback=(env_fallback, ["CLOUDFLARE_API_KEY"])),
        account_id=dict(type="str", fallback=(env_fallback, ["CLOUDFLARE_ACCOUNT_ID"])),
        base_url=dict(type="str", fallback=(env_fallback, ["CLOUDFLARE_BASE_URL"])),
        timeout=dict(type="int", default=30),
        validate_certs=dict(type="bool", default=True),
        max_retries=dict(type="int", default=5),
        max_retry_wait=dict(type="int", default=300),
    )


CONNECTION_KEYS = tuple(cloudflare_argument_spec())


class CloudflareModule(object):
    """Composition around AnsibleModule: options -> services -> result."""

    def __init__(self, argument_spec, supports_check_mode=True, needs_account=True, **kwargs):
        spec = cloudflare_argument_spec()
        spec.update(argument_spec)
        required_together = list(kwargs.pop("required_together", None) or []) + [["api_email", "api_key"]]
        self.module = AnsibleModule(argument_spec=spec, supports_check_mode=supports_check_mode,
                                    required_together=required_together, **kwargs)
        self.params = self.module.params
        self.check_mode = self.module.check_mode
        self.diff_mode = bool(getattr(self.module, "_diff", False))
        self.needs_account = needs_account
        self.action = "run %s" % self.module._name
        self._client = None
        self._lookups = None
        if not HAS_REQUESTS:
            self.module.fail_json(msg=missing_required_lib("requests"), exception=str(REQUESTS_IMPORT_ERROR))

    # ------------------------------------------------------------------ services
    @property
    def client(self):
        if self._client is None:
            p = self.params
            problems = []
            if not p.get("api_token") and not (p.get("api_email") and p.get("api_key")):
                problems.append("no Cloudflare credentials: set api_token (or the CLOUDFLARE_API_TOKEN environment "
                                "variable), or api_email and api_key (CLOUDFLARE_EMAIL and CLOUDFLARE_API_KEY)")
            account_id = p.get("account_id")
            if self.needs_account and not account_id:
                problems.append("no Cloudflare account: set account_id (or the CLOUDFLARE_ACCOUNT_ID environment variable)")
            elif account_id and (len(account_id) != 32 or any(c not in "0123456789abcdefABCDEF" for c in account_id)):
                problems.append("account_id '%s' is not a Cloudflare account id (32 hexadecimal characters)" % account_id)
            for key in ("timeout", "max_retries", "max_retry_wait"):
                if p.get(key) is not None and p[key] < 0:
                    problems.append("%s must not be negative" % key)
            if problems:
                self.module.fail_json(msg="Invalid connection settings: %s" % "; ".join(problems), problems=problems)
            try:
                self._client = CloudflareClient(
                    api_token=p.get("api_token"), api_email=p.get("api_email"), api_key=p.get("api_key"),
                    account_id=account_id, base_url=p.get("base_url") or DEFAULT_BASE_URL,
                    timeout=p.get("timeout"), validate_certs=p.get("validate_certs"),
                    max_retries=p.get("max_retries"), max_retry_wait=p.get("max_retry_wait"),
                    warn=self.module.warn)
            except CloudflareConfigError as exc:
                self.module.fail_json(msg=str(exc))
        return self._client

    @property
    def lookups(self):
        if self._lookups is None:
            self._lookups = Lookups(self.client)
        return self._lookups

    @property
    def groups(self):
        return UserGroupService(self.client, self.lookups)

    @property
    def resource_groups(self):
        return ResourceGroupService(self.client, self.lookups)

    # ------------------------------------------------------------------ flow
    def doing(self, action):
        """Name what the module is about to do; failures say 'Failed to <action>: ...'."""
        self.action = action

    def run(self, func):
        """Run ``func(self)`` with the collection's one failure path."""
        try:
            func(self)
        except ResolutionError as exc:
            self.fail("Failed to %s: %s" % (self.action, "; ".join(exc.problems)), problems=exc.problems)
        except CloudflareAPIError as exc:
            self.fail("Failed to %s: %s" % (self.action, exc.describe()), **exc.to_dict())
        except CloudflareConfigError as exc:
            self.fail("Failed to %s: %s" % (self.action, exc))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            self.fail("Failed to %s: unexpected %s: %s" % (self.action, exc.__class__.__name__, exc),
                      exception=traceback.format_exc())

    def _counts(self):
        return self._client.request_counts() if self._client is not None else {"total": 0, "retries": 0}

    def fail(self, msg, **kwargs):
        kwargs.setdefault("api_requests", self._counts())
        self.module.fail_json(msg=msg, **kwargs)

    def exit(self, changed=False, diff=None, **result):
        result["api_requests"] = self._counts()
        if self.diff_mode and diff is not None:
            result["diff"] = diff
        self.module.exit_json(changed=changed, **result)

    def warn(self, msg):
        self.module.warn(msg)
