# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The action plugins' base class takes its connection options from module_utils, unchanged."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.cfiam.user_groups.plugins.module_utils.connection import (
    CONNECTION_KEYS,
    cloudflare_argument_spec,
)
from ansible_collections.cfiam.user_groups.plugins.plugin_utils.action import CloudflareAction


def test_actions_use_the_connection_spec():
    spec = CloudflareAction.argument_spec()
    assert dict((k, spec[k]) for k in CONNECTION_KEYS) == cloudflare_argument_spec()
