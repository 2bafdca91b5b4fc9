# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    # Modules that change things.
    DOCUMENTATION = r"""
attributes:
  action:
    description: Indicates this has a corresponding action plugin so some parts of the options can be executed on the controller.
    support: full
    details:
      - The whole task runs in the Ansible controller process (no module is copied to or started on a host), so the
        controller's Python needs C(requests). C(delegate_to), C(become) and the interpreter settings have no effect.
  async:
    description: Supports being used with the C(async) keyword.
    support: none
  check_mode:
    description: Can run in C(check_mode) and return changed status prediction without modifying target.
    support: full
    details:
      - Check mode reads the current state and resolves every name exactly as a real run, sends no write
        request, and returns the predicted result.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in C(check_mode)), when in diff mode.
    support: full
    details:
      - The diff shows the normalised object before and after, with role names and scopes, never secrets.
"""

    # Read-only modules.
    INFO_MODULE = r"""
attributes:
  action:
    description: Indicates this has a corresponding action plugin so some parts of the options can be executed on the controller.
    support: full
    details:
      - The whole task runs in the Ansible controller process (no module is copied to or started on a host), so the
        controller's Python needs C(requests). C(delegate_to), C(become) and the interpreter settings have no effect.
  async:
    description: Supports being used with the C(async) keyword.
    support: none
  check_mode:
    description: Can run in C(check_mode) and return changed status prediction without modifying target.
    support: full
    details:
      - This module never changes anything.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in C(check_mode)), when in diff mode.
    support: N/A
    details:
      - This module never changes anything.
"""

    # The planner: reads only, but shows the planned change.
    PLAN = r"""
attributes:
  action:
    description: Indicates this has a corresponding action plugin so some parts of the options can be executed on the controller.
    support: full
    details:
      - The whole task runs in the Ansible controller process; the controller's Python needs C(requests).
  async:
    description: Supports being used with the C(async) keyword.
    support: none
  check_mode:
    description: Can run in C(check_mode) and return changed status prediction without modifying target.
    support: full
    details:
      - This module never changes anything; it reports whether applying the plan would.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in C(check_mode)), when in diff mode.
    support: full
    details:
      - One diff section per group that would be created, updated or deleted.
"""

    ACTIONGROUP = r"""
attributes:
  action_group:
    description: Use C(group/cfiam.user_groups.cloudflare) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - cfiam.user_groups.cloudflare
"""
