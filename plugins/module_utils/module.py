# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
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

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.cfiam.user_groups.plugins.module_utils.client import (
    HAS_REQUESTS,
    REQUESTS_IMPORT_ERROR,
    CloudflareAPIError,
    CloudflareConfigError,
)
from ansible_collections.cfiam.user_groups.plugins.module_utils.connection import (
    CONNECTION_KEYS as CONNECTION_OPTIONS,
    ConnectionSettings,
    ConnectionSettingsError,
    build_client,
    cloudflare_argument_spec,
)
from ansible_collections.cfiam.user_groups.plugins.module_utils.lookups import Lookups, ResolutionError
from ansible_collections.cfiam.user_groups.plugins.module_utils.services import (
    ResourceGroupService,
    UserGroupService,
)

# The names of the connection options (defined in connection.py; kept here for this module's callers).
CONNECTION_KEYS = CONNECTION_OPTIONS


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
            try:
                settings = ConnectionSettings.from_params(self.params, needs_account=self.needs_account)
                for warning in settings.warnings:
                    self.module.warn(warning)
                self._client = build_client(settings, warn=self.module.warn)
            except ConnectionSettingsError as exc:
                self.module.fail_json(msg=str(exc), problems=exc.problems)
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
