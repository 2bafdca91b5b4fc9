# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Connection options: their argument spec, their validation (once, every problem at once), the client factory.

Interim version (the hardened one replaces it): same names, the checks module.py made.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.basic import env_fallback

from ansible_collections.cfiam.user_groups.plugins.module_utils.client import (
    DEFAULT_BASE_URL,
    CloudflareClient,
    CloudflareConfigError,
)


def connection_argument_spec():
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


CONNECTION_REQUIRED_TOGETHER = [["api_email", "api_key"]]


def connection_settings(params, needs_account=True):
    """``(settings, warnings)`` from the task's options; CloudflareConfigError listing every problem."""
    problems = []
    if not params.get("api_token") and not (params.get("api_email") and params.get("api_key")):
        problems.append("no Cloudflare credentials: set api_token (the task option, module_defaults for "
                        "group/cfiam.user_groups.cloudflare, the CLOUDFLARE_API_TOKEN environment variable, or "
                        "user_groups_api_token for the user_groups role), or api_email and api_key "
                        "(CLOUDFLARE_EMAIL and CLOUDFLARE_API_KEY; user_groups_api_email and user_groups_api_key)")
    account_id = params.get("account_id")
    if needs_account and not account_id:
        problems.append("no Cloudflare account: set account_id (the task option, module_defaults, the "
                        "CLOUDFLARE_ACCOUNT_ID environment variable, or user_groups_account_id for the role)")
    elif account_id and (len(account_id) != 32 or any(c not in "0123456789abcdefABCDEF" for c in account_id)):
        problems.append("account_id '%s' is not a Cloudflare account id (32 hexadecimal characters)" % account_id)
    for key in ("timeout", "max_retries", "max_retry_wait"):
        if params.get(key) is not None and params[key] < 0:
            problems.append("%s must not be negative" % key)
    if problems:
        raise CloudflareConfigError("Invalid connection settings: %s" % "; ".join(problems))
    settings = dict((k, params.get(k)) for k in connection_argument_spec())
    settings["base_url"] = settings.get("base_url") or DEFAULT_BASE_URL
    return settings, []


def build_client(settings, warn):
    return CloudflareClient(
        api_token=settings.get("api_token"), api_email=settings.get("api_email"), api_key=settings.get("api_key"),
        account_id=settings.get("account_id"), base_url=settings.get("base_url"), timeout=settings.get("timeout"),
        validate_certs=settings.get("validate_certs"), max_retries=settings.get("max_retries"),
        max_retry_wait=settings.get("max_retry_wait"), warn=warn)


def mask_secrets(value, secrets):
    """``value`` (str, or dicts and lists of them) with every secret replaced by ``********``."""
    secrets = sorted(set(s for s in secrets if s), key=len, reverse=True)
    if not secrets:
        return value
    if isinstance(value, str):
        for secret in secrets:
            value = value.replace(secret, "********")
        return value
    if isinstance(value, dict):
        return dict((k, mask_secrets(v, secrets)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return [mask_secrets(v, secrets) for v in value]
    return value
