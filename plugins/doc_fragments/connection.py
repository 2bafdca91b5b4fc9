# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

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
  account_id:
    description:
      - Id of the Cloudflare account (32 hexadecimal characters).
      - If not set, the value of the E(CLOUDFLARE_ACCOUNT_ID) environment variable is used.
    type: str
  base_url:
    description:
      - Base URL of the Cloudflare API v4.
      - If not set, the value of the E(CLOUDFLARE_BASE_URL) environment variable is used, and if that is not
        set either, V(https://api.cloudflare.com/client/v4).
    type: str
  timeout:
    description:
      - Seconds to wait for each API reply.
    type: int
    default: 30
  validate_certs:
    description:
      - Verify the API's TLS certificate. Set to V(false) only for a test endpoint.
    type: bool
    default: true
  max_retries:
    description:
      - How many times a failed request is retried. Requests are retried on HTTP 429 (waiting as Cloudflare's
        C(Retry-After) header says), on HTTP 5xx, timeouts and dropped connections (exponential backoff with
        jitter). V(0) disables retries.
      - A create (POST) whose reply is lost is never sent again blindly; the state is re-read first.
    type: int
    default: 5
  max_retry_wait:
    description:
      - Longest C(Retry-After) wait, in seconds, that is honoured. Cloudflare blocks every call for up to 300 s
        once 1,200 requests were made within 5 minutes; a longer wait fails the task with a clear message.
    type: int
    default: 300
notes:
  - "The modules talk to the Cloudflare API from the controller (or execution environment); run them with
    C(hosts: localhost) or C(delegate_to: localhost)."
  - "Set the connection options once per play with
    C(module_defaults: {group/cfiam.user_groups.cloudflare: {...}})."
requirements:
  - requests
"""
