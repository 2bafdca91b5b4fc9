# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    # The deprecated option of cf_user_group, cf_user_group_member and cf_user_group_policy
    # (its argument spec: VERIFY_IDS_OPTION in plugins/plugin_utils/action.py).
    DOCUMENTATION = r"""
options:
  verify_ids:
    description:
      - Deprecated, and ignored; it will be removed in version 1.0.0 of the collection. Remove it from your tasks.
      - Names and ids are resolved once per task (and once per loop), so trusting ids saved nothing.
    type: bool
"""
