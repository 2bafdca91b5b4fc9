# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The Cloudflare endpoints the collection uses: one method per API operation, the only place that builds a path.

Layer 3 of 9, API (the layer map: docs/development.md). It may import only
``client``. Cloudflare's semantics are handled here once: a 404 on read is "absent", the member bodies are
bare JSON arrays, a POST that creates something is recovered by re-reading instead of being re-sent, a
listing's page size is the endpoint's documented maximum.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.cfiam.user_groups.plugins.module_utils.client import CloudflareNotFound

# Documented maximum page sizes (docs/cloudflare-api-notes.md, section 3).
PER_PAGE_USER_GROUPS = 500
PER_PAGE_GROUP_MEMBERS = 500
PER_PAGE_PERMISSION_GROUPS = 50
PER_PAGE_ACCOUNT_MEMBERS = 50
PER_PAGE_ZONES = 50
PER_PAGE_ACCOUNTS = 50


class AccountAPI(object):
    """The IAM endpoints of one account (``account_id``), over one ``CloudflareClient``."""

    def __init__(self, client, account_id, guard=None):
        self.client = client
        self.account_id = account_id
        # Called before every write; raises to stop one (the runtime stops writing when Ansible is gone).
        self.guard = guard or (lambda: None)

    def _path(self, suffix):
        return "/accounts/%s%s" % (self.account_id, suffix)

    def _get_or_none(self, path):
        try:
            return self.client.get(path)
        except CloudflareNotFound:
            return None

    def _delete(self, path):
        """True when this request deleted the object, False when it did not exist.

        A DELETE whose first reply was lost and whose retry answers 404 was carried out by this run: the
        client reports that as a successful delete (see ``CloudflareClient.request``), so it is True here.
        """
        try:
            self.client.delete(path)
        except CloudflareNotFound:
            return False
        return True

    # ------------------------------------------------------------------ user groups
    def list_user_groups(self, name=None, group_id=None, fuzzy_name=None):
        params = {}
        if name is not None:
            params["name"] = name
        if group_id is not None:
            params["id"] = group_id
        if fuzzy_name is not None:
            params["fuzzyName"] = fuzzy_name
        return self.client.paginate(self._path("/iam/user_groups"), params=params, per_page=PER_PAGE_USER_GROUPS)

    def get_user_group(self, group_id):
        return self._get_or_none(self._path("/iam/user_groups/%s" % group_id))

    def create_user_group(self, name, policies=None, known_ids=(), **fields):
        """POST a group (with its policy bodies when given, and its other plain ``fields``, ``model.Group.FIELDS``).

        If the POST gets no clear answer, the groups named ``name`` are listed: one whose id is not in
        ``known_ids`` (the groups of that name that existed before) is the one this POST created, so the
        POST is not sent again and no duplicate is made.
        """
        self.guard()
        body = dict((k, v) for k, v in fields.items() if v is not None)
        body["name"] = name
        if policies is not None:
            body["policies"] = policies
        known_ids = set(known_ids or ())

        def recover():
            for group in self.list_user_groups(name=name):
                if group.get("name") == name and group.get("id") not in known_ids:
                    return group
            return None

        return self.client.post(self._path("/iam/user_groups"), body=body, recover=recover)

    def update_user_group(self, group_id, name=None, policies=None, **fields):
        """PUT what changes: the name, the whole policy list, other plain ``fields`` (None: not sent)."""
        self.guard()
        body = dict((k, v) for k, v in fields.items() if v is not None)
        if name is not None:
            body["name"] = name
        if policies is not None:
            body["policies"] = policies
        return self.client.put(self._path("/iam/user_groups/%s" % group_id), body=body)

    def delete_user_group(self, group_id):
        self.guard()
        return self._delete(self._path("/iam/user_groups/%s" % group_id))

    # ------------------------------------------------------------------ user group members
    def list_group_members(self, group_id):
        return self.client.paginate(self._path("/iam/user_groups/%s/members" % group_id),
                                    per_page=PER_PAGE_GROUP_MEMBERS)

    def list_group_members_many(self, group_ids):
        """Member listings of many groups, read concurrently: ``{group_id: [members]}``."""
        group_ids = list(group_ids)
        return dict(zip(group_ids, self.client.map_concurrent(self.list_group_members, group_ids)))

    def add_group_members(self, group_id, member_ids):
        self.guard()
        # Adding a member that is already there is a no-op, so repeating this POST is harmless.
        return self.client.post(self._path("/iam/user_groups/%s/members" % group_id),
                                body=[{"id": mid} for mid in member_ids], idempotent=True)

    def replace_group_members(self, group_id, member_ids):
        self.guard()
        return self.client.put(self._path("/iam/user_groups/%s/members" % group_id),
                               body=[{"id": mid} for mid in member_ids])

    def remove_group_member(self, group_id, member_id):
        self.guard()
        return self._delete(self._path("/iam/user_groups/%s/members/%s" % (group_id, member_id)))

    # ------------------------------------------------------------------ catalogues
    def list_permission_groups(self, **filters):
        """Roles; ``filters`` are the documented query filters (``id``, ``name``, ``label``)."""
        params = dict((k, v) for k, v in filters.items() if v is not None)
        return self.client.paginate(self._path("/iam/permission_groups"), params=params,
                                    per_page=PER_PAGE_PERMISSION_GROUPS)

    def list_account_members(self):
        """Every account member (pages of 50), each with ``status``, ``user``, the legacy ``roles`` and ``policies``.

        ``policies`` carries no marker of where a policy comes from; Cloudflare's guide says the policies inherited
        from groups are included (see ``access`` for how the collection tells them apart).
        """
        return self.client.paginate(self._path("/members"), per_page=PER_PAGE_ACCOUNT_MEMBERS)

    def list_zones(self, name=None):
        params = {"account.id": self.account_id}
        if name is not None:
            params["name"] = name
        return self.client.paginate("/zones", params=params, per_page=PER_PAGE_ZONES)

    def get_account(self):
        """This account as ``GET /accounts`` lists it (``id``, ``name``, ...); None when the listing does not show it."""
        for account in list_accounts(self.client):
            if isinstance(account, dict) and account.get("id") == self.account_id:
                return account
        return None

    # ------------------------------------------------------------------ resource groups
    def list_resource_groups(self, name=None, rg_id=None):
        """Named resource groups (the listing is not paginated)."""
        params = {}
        if name is not None:
            params["name"] = name
        if rg_id is not None:
            params["id"] = rg_id
        return self.client.get(self._path("/iam/resource_groups"), params=params or None) or []

    def get_resource_group(self, rg_id):
        return self._get_or_none(self._path("/iam/resource_groups/%s" % rg_id))

    def create_resource_group(self, name, scope, known_ids=()):
        self.guard()
        known_ids = set(known_ids or ())

        def recover():
            for rg in self.list_resource_groups(name=name):
                if rg.get("name") == name and rg.get("id") not in known_ids:
                    return rg
            return None

        return self.client.post(self._path("/iam/resource_groups"), body={"name": name, "scope": scope},
                                recover=recover)

    def update_resource_group(self, rg_id, name=None, scope=None):
        self.guard()
        body = {}
        if name is not None:
            body["name"] = name
        if scope is not None:
            body["scope"] = scope
        return self.client.put(self._path("/iam/resource_groups/%s" % rg_id), body=body)

    def delete_resource_group(self, rg_id):
        self.guard()
        return self._delete(self._path("/iam/resource_groups/%s" % rg_id))


def list_accounts(client, name=None):
    """Every account the credential can reach (``GET /accounts``)."""
    params = {"name": name} if name is not None else None
    return client.paginate("/accounts", params=params, per_page=PER_PAGE_ACCOUNTS)


def first_accounts(client):
    """``(accounts, total)``: the first page of the accounts the credential reaches and how many there are in all.

    One request (``GET /accounts``), for a message that lists them; ``list_accounts`` reads every page.
    """
    envelope = client.request("GET", "/accounts", params={"page": 1, "per_page": PER_PAGE_ACCOUNTS})
    accounts = [a for a in envelope.get("result") or [] if isinstance(a, dict)]
    total = (envelope.get("result_info") or {}).get("total_count")
    return accounts, total if isinstance(total, int) and total >= len(accounts) else len(accounts)
