# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    """The option of every module whose entries may carry ``expires`` (docs/expiring-access.md)."""

    DOCUMENTATION = r"""
options:
  expiry_warning_days:
    description:
      - The return value C(expiring) lists the entries whose C(expires) date is at most this many days away; V(0)
        lists none. The entries whose date has come are listed under C(expired) whatever this says.
      - Today is taken in UTC. An entry expires at the start of its day, so an entry with C(expires=2026-12-07) is
        removed by a run on 2026-12-07 and shows 1 day left on 2026-12-06.
    type: int
    default: 14
"""
