# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fixtures of the layer tests: a real client talking to the emulator, its AccountAPI and a Catalogue; a private
directory for run leases."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest


@pytest.fixture
def client(make_client):
    return make_client()


@pytest.fixture
def api(client):
    from ansible_collections.cfiam.user_groups.plugins.module_utils.api import AccountAPI
    return AccountAPI(client, client.account_id)


@pytest.fixture
def catalogue(api):
    from ansible_collections.cfiam.user_groups.plugins.module_utils.catalogue import Catalogue
    return Catalogue(api)


@pytest.fixture
def log(emulator):
    """``log(method=None, suffix=None)``: the emulator's request-log entries, optionally filtered."""
    def entries(method=None, suffix=None):
        return [e for e in emulator.requests()
                if (method is None or e["method"] == method) and (suffix is None or e["path"].endswith(suffix))]
    return entries


@pytest.fixture
def lease_dir(tmp_path):
    path = tmp_path / "leases"
    path.mkdir(mode=0o700)
    return str(path)
