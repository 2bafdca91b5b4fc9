# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: accounts
short_description: Every Cloudflare account a credential reaches, as inventory hosts
version_added: 0.2.0
author:
  - cfiam.user_groups maintainers (@cfiam)
description:
  - Lists every Cloudflare account the API token (or global API key) can reach (C(GET /accounts), every page) and
    makes each one a host, so that one C(ansible-playbook) run manages many accounts in parallel (C(--forks),
    AWX job slicing). Key each account's declaration by its id, never by the host name, which follows the account's
    name. An O(keyed_groups) entry with key V(cloudflare_account_id) and prefix V(account) puts the host in the
    group C(account_<id>), whose C(group_vars/account_<id>.yml) holds the declaration (see the collection's
    C(playbooks/multi_account)).
  - Each host has the variables C(account_id), C(account_name), C(account_type), C(cloudflare_account_id) (the
    account every module of the collection uses when the task gives no C(account_id)),
    C(ansible_connection=local) and C(ansible_python_interpreter={{ ansible_playbook_python }}). Every host is in
    the group C(cloudflare_accounts); O(keyed_groups), O(groups) and O(compose) add more.
  - "The host name is the account name made safe: accents are dropped (C(Zürich) becomes C(zurich)), letters are
    lower-cased, and every run of characters other than C(a-z) and C(0-9) becomes one C(_), without a C(_) at
    either end: C(Acme Corp / EU) becomes C(acme_corp_eu). A name with no such character left becomes
    C(account_<first 8 characters of the id>)."
  - When several accounts give the same host name (the same name, or names that differ only in case, accents or
    punctuation), each of them gets C(_<first 8 characters of its id>) appended (more if needed to tell them apart),
    and a warning names the accounts and their host names; nothing else changes.
  - "A host name is never the name of a group of the inventory (C(all), C(ungrouped), C(cloudflare_accounts), the
    groups O(keyed_groups), O(groups) and O(compose) make), nor C(localhost), nor the name of a host or group that
    the inventory already holds when this source is read (a static file or another plugin given before it with
    C(-i), an earlier file of an inventory directory, whose files are read in alphabetical order): such an account
    gets the same suffix, with a warning. This source never sets a variable on a host or group it did not make, so
    an account named like a server or a group of servers never gives them its variables (its
    C(ansible_connection=local) would run their tasks on the controller)."
  - Two sources of this plugin that reach the same account (the same id) make one host for it; two accounts of the
    same name reached by two sources (two tokens) get two hosts, the second one suffixed.
  - "A source read B(after) this one cannot be checked: a host or group it defines with the name of an account host
    merges with that host (Ansible's rule for names defined twice). List this source last, or set
    O(host_name_prefix) (for example V(cf_), a prefix the other sources do not use) so that no account host can have
    the name of a host of another source.
    Tools that read each source on its own and merge hosts by name (AWX imports each source of an inventory
    separately) need O(host_name_prefix) for the same reason."
  - "A group C(cloudflare_accounts) that a source read before this one made is the same group (Ansible merges groups
    by name): when it holds hosts that are no account (servers), a warning names them, since a play on
    C(hosts: cloudflare_accounts) runs on them too; their variables are left alone."
  - Bad input fails the inventory source before a host is added, naming the accounts or entries concerned, with
    suggestions for near misses. Bad input is a credential that reaches no account, an entry of O(include_names),
    O(exclude_names), O(account_ids) or O(exclude_account_ids) that matches no account the credential reaches, or
    filters that leave no account; every problem is listed at once. Set C(ANSIBLE_INVENTORY_UNPARSED_FAILED=true)
    (AWX does) so that such a failure stops C(ansible-playbook) instead of leaving it with no host.
  - The credential is never written to a host variable, the inventory cache or any message. The connection
    options are the modules' own (same environment variables, same checks before any request is sent). A user
    API token reaches the accounts its policies include, the global API key every account of the user. Templates
    in the connection options of the inventory file (such as a C(lookup)) are evaluated.
  - Requests count toward the same shared rate budget as the modules (O(rate_limit), O(rate_limit_dir)).
notes:
  - The inventory file must be named C(*.cloudflare_accounts.yml), C(*.cloudflare_accounts.yaml), C(*.cfiam.yml) or
    C(*.cfiam.yaml).
  - Give the credential through the environment (E(CLOUDFLARE_API_TOKEN)), as the AWX credential type of the
    collection does, rather than in the inventory file.
  - Account names are data from Cloudflare; C(account_name) and C(account_type) are never evaluated as templates.
extends_documentation_fragment:
  - cfiam.user_groups.connection
  - cfiam.user_groups.connection.plugins
  - constructed
  - inventory_cache
seealso:
  - module: cfiam.user_groups.cf_user_group_info
  - name: Many accounts in one run
    description: The multi-account layout and playbooks of the collection (README).
    link: https://github.com/cfiam/user_groups#many-accounts-in-one-run
options:
  plugin:
    description: The name of this plugin; the inventory file is read by it only when this is set.
    type: str
    required: true
    choices: [cfiam.user_groups.accounts]
  include_names:
    description:
      - Only the accounts whose name matches an entry (or whose id is in O(account_ids)); every account when neither
        is set.
      - An entry matches a name when it equals it, or when, as a regular expression, it matches the whole name
        (C(re.fullmatch)); V(Acme) matches only C(Acme), V(Acme .*) every name starting with C(Acme ). Matching is
        case-sensitive; start an entry with the inline flag C(?i) to ignore case.
      - An entry that matches no account the credential reaches fails the inventory (with close names suggested).
    type: list
    elements: str
    default: []
  exclude_names:
    description:
      - Leave out the accounts whose name matches an entry (as in O(include_names)); applied after the includes.
      - An entry that matches no account the credential reaches fails the inventory.
    type: list
    elements: str
    default: []
  account_ids:
    description:
      - Only these accounts (32 hexadecimal characters each), besides those O(include_names) selects.
      - An id the credential does not reach fails the inventory.
    type: list
    elements: str
    default: []
  exclude_account_ids:
    description:
      - Leave out these accounts; applied after the includes. An id the credential does not reach fails the inventory.
    type: list
    elements: str
    default: []
  host_name_prefix:
    description:
      - Put this in front of every host name this source makes (V(cf_) makes C(cf_acme_corp_eu) of C(Acme Corp / EU)),
        before the checks for names already in use, so that account hosts keep apart from the hosts and groups of
        other inventory sources, including those read after this one.
      - Lower-case letters, digits and C(_), starting with a letter; anything else fails the inventory source.
      - An account that an earlier source of this plugin already made a host for keeps that host.
    type: str
    default: ''
"""

EXAMPLES = r"""
# Three inventory files (three YAML documents).
# acme.cloudflare_accounts.yml: every account of the token in CLOUDFLARE_API_TOKEN
plugin: cfiam.user_groups.accounts

---
# Only the production accounts, not the sandbox; groups by account type (type_enterprise, type_standard)
plugin: cfiam.user_groups.accounts
include_names:
  - 'Acme .*'
  - Platform Shared
exclude_names:
  - 'Acme Sandbox'
keyed_groups:
  - key: account_type
    prefix: type
groups:
  eu_accounts: account_name is search('EU')
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: ~/.cache/cfiam-accounts
cache_timeout: 3600

---
# Every account but two, by id; host names start with cf_ (cf_acme_production), apart from the hosts of other
# inventory sources (a static file of servers, an AWX inventory with several sources)
plugin: cfiam.user_groups.accounts
host_name_prefix: cf_
exclude_account_ids:
  - 0123456789abcdef0123456789abcdef
  - 1f2e3d4c5b6a79881f2e3d4c5b6a7988

# Then, for example:
#   ansible-inventory -i acme.cloudflare_accounts.yml --graph
#   ansible-playbook -i acme.cloudflare_accounts.yml site.yml --forks 10
"""

import re
import unicodedata
import weakref

from ansible.errors import AnsibleError, AnsibleParserError
from ansible.inventory.data import InventoryData
from ansible.module_utils.common.text.converters import to_native
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable
from ansible.utils.unsafe_proxy import wrap_var

try:
    from ansible.template import trust_as_template  # ansible-core 2.19 and later
except ImportError:  # ansible-core 2.16 to 2.18: every inventory string is a template
    def trust_as_template(value):
        return value

from ansible_collections.cfiam.user_groups.plugins.module_utils.api import list_accounts
from ansible_collections.cfiam.user_groups.plugins.module_utils.client import (
    HAS_REQUESTS,
    CloudflareError,
    mask_secrets,
)
from ansible_collections.cfiam.user_groups.plugins.module_utils.common import ResolutionError, is_id, suggest
from ansible_collections.cfiam.user_groups.plugins.module_utils.connection import (
    CONNECTION_KEYS,
    ConnectionSettings,
    ConnectionSettingsError,
    build_client,
)
from ansible_collections.cfiam.user_groups.plugins.module_utils.ratelimit import credential_fingerprint

NAME = "cfiam.user_groups.accounts"
GROUP = "cloudflare_accounts"
# Names a host must never take: a host named so would stand for the group in hosts: patterns (or be localhost).
ALWAYS_RESERVED = ("all", "ungrouped", "localhost", GROUP)
FILE_SUFFIXES = (".cloudflare_accounts.yml", ".cloudflare_accounts.yaml", ".cfiam.yml", ".cfiam.yaml")
SUFFIX_LENGTH = 8
_PREFIX = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
# The hosts each plugin source made, per inventory: {InventoryData: {host name: account id}}. Sources of this plugin
# that reach the same account agree on one host; a host or group this plugin did not make is never written to.
_MADE = weakref.WeakKeyDictionary()


# --------------------------------------------------------------------------- pure parts
def safe_hostname(name):
    """The host name of an account name: ASCII letters (accents dropped) lower-cased, digits, single ``_`` between.

    ``"Acme Corp (EU)"`` -> ``"acme_corp_eu"``, ``"Zürich--Prod"`` -> ``"zurich_prod"``; ``""`` when nothing is left.
    """
    text = unicodedata.normalize("NFKD", "%s" % (name or ""))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")


def _base_hostname(account, prefix=""):
    return prefix + (safe_hostname(account["name"]) or "account_%s" % account["id"][:SUFFIX_LENGTH].lower())


def reserved_names(groups=()):
    """The names no account host may take: Ansible's own (``all``, ``ungrouped``, ``localhost``), this plugin's
    group, and ``groups`` (the groups the inventory config makes); lower-cased (host names are lower case)."""
    return frozenset(("%s" % name).lower() for name in tuple(ALWAYS_RESERVED) + tuple(groups or ()))


def assign_hostnames(accounts, reserved=None, taken=(), existing=None, prefix=""):
    """``({account id: host name}, warnings)``: unique host names for ``accounts`` (dicts with ``id`` and ``name``).

    Accounts whose names give the same host name all get ``_<start of the id>`` appended: 8 characters, more when
    8 do not tell them apart, or when a suffixed name equals another account's host name. A host name that equals
    a name of ``reserved`` (see ``reserved_names``; the default holds Ansible's own names and this plugin's group)
    or of ``taken`` (the hosts and groups the inventory already holds, from the sources read before this one) gets
    the same suffix, even for a single account: a host named like a group would stand for that group in ``hosts:``
    patterns and take its variables, and one named like another source's host would merge into it.
    ``existing`` (``{account id: host name}``): accounts that an earlier source of this plugin already made a host
    for keep that host (one account, one host), whatever ``prefix`` (prepended to every other host name) says.
    """
    reserved = reserved_names() if reserved is None else frozenset(n.lower() for n in reserved)
    existing = dict((k.lower(), v) for k, v in (existing or {}).items())
    taken = frozenset(n.lower() for n in taken) | frozenset(existing.values())
    fixed = dict((a["id"], existing[a["id"].lower()]) for a in accounts
                 if existing.get(a["id"].lower()) and existing[a["id"].lower()] not in reserved)
    rest = [a for a in accounts if a["id"] not in fixed]
    blocked = reserved | taken
    base = dict((a["id"], _base_hostname(a, prefix)) for a in rest)
    by_base = {}
    for account in rest:
        by_base.setdefault(base[account["id"]], []).append(account)
    suffix = dict((a["id"], SUFFIX_LENGTH if len(by_base[base[a["id"]]]) > 1 or base[a["id"]] in blocked else 0)
                  for a in rest)

    def name_of(account_id):
        n = suffix[account_id]
        return base[account_id] if not n else "%s_%s" % (base[account_id], account_id[:n].lower())

    for _round in range(64):
        names = dict((a["id"], name_of(a["id"])) for a in rest)
        seen = {}
        for account_id, host in names.items():
            seen.setdefault(host, []).append(account_id)
        clashing = [i for host, ids in seen.items() if len(ids) > 1 or host in blocked for i in ids]
        if not clashing:
            break
        for account_id in clashing:
            suffix[account_id] = min(len(account_id), max(SUFFIX_LENGTH, suffix[account_id] + 4))
    else:  # pragma: no cover - ids are unique, so full-id suffixes always differ
        raise ResolutionError(["cannot give unique host names to the accounts %s" % sorted(base)])
    names.update(fixed)
    return names, _renaming_warnings(by_base, suffix, names, reserved, taken)


def _accounts_text(group):
    return ", ".join("'%s' (%s)" % (a["name"], a["id"]) for a in group)


def _renaming_warnings(by_base, suffix, names, reserved, taken):
    warnings = []
    advice = ("host names follow account names: key declarations by account id, e.g. keyed_groups on "
              "cloudflare_account_id")
    for host in sorted(by_base):
        group = by_base[host]
        several = len(group) > 1
        renamed = ", ".join(names[a["id"]] for a in group)
        if host in reserved:
            warnings.append(
                "%s: the host name '%s' of the account%s %s is a group or reserved name of this inventory (all, "
                "ungrouped, localhost, %s, and the groups that keyed_groups, groups and compose make); %s with the "
                "start of the account id instead: %s (%s)"
                % (NAME, host, "s" if several else "", _accounts_text(group), GROUP,
                   "they end" if several else "it ends", renamed, advice))
        elif host in taken:
            warnings.append(
                "%s: the host name '%s' of the account%s %s is already a host or group of the inventory (made by an "
                "inventory source read before this one); this inventory never sets variables on a host or group it "
                "did not make, so %s with the start of the account id instead: %s (%s; set host_name_prefix, e.g. "
                "cf_, to keep account hosts apart from the hosts of other sources)"
                % (NAME, host, "s" if several else "", _accounts_text(group), "they end" if several else "it ends",
                   renamed, advice))
        elif several or any(suffix[a["id"]] for a in group):
            warnings.append(
                "%s: the accounts %s give the same host name '%s'; their host names end with the start of the account "
                "id instead: %s (%s)" % (NAME, _accounts_text(group), host, renamed, advice))
    return warnings


def name_matches(entry, name):
    """True when ``entry`` equals ``name`` or, as a regular expression, matches all of it."""
    if entry == name:
        return True
    try:
        return re.fullmatch(entry, name) is not None
    except re.error:
        return False


def _strings(option, values, problems):
    out = []
    for value in values or []:
        if not isinstance(value, str) or not value.strip():
            problems.append("%s: every entry must be a non-empty string, got %r" % (option, value))
            continue
        out.append(value.strip() if option.endswith("ids") else value)
    return out


def select_accounts(accounts, include_names=(), exclude_names=(), account_ids=(), exclude_account_ids=()):
    """The accounts the filters keep, in the order given; ``ResolutionError`` lists every problem.

    ``accounts``: dicts with ``id`` and ``name``. An account is kept when no include filter is set, or when its
    name matches an entry of ``include_names`` or its id is in ``account_ids``; then the accounts matching
    ``exclude_names`` or ``exclude_account_ids`` are left out. Every entry must match an account the credential
    reaches, and at least one account must be left.
    """
    problems = []
    include_names = _strings("include_names", include_names, problems)
    exclude_names = _strings("exclude_names", exclude_names, problems)
    account_ids = _strings("account_ids", account_ids, problems)
    exclude_account_ids = _strings("exclude_account_ids", exclude_account_ids, problems)
    names = [a["name"] for a in accounts]
    ids = dict((a["id"].lower(), a) for a in accounts)
    for option, entries in (("include_names", include_names), ("exclude_names", exclude_names)):
        for entry in entries:
            if not any(name_matches(entry, name) for name in names):
                problems.append("%s: '%s' matches no account the credential reaches%s"
                                % (option, entry, suggest(entry, names) or _known(names)))
    for option, entries in (("account_ids", account_ids), ("exclude_account_ids", exclude_account_ids)):
        for entry in entries:
            if not is_id(entry):
                problems.append("%s: '%s' is not a Cloudflare account id (32 hexadecimal characters)%s"
                                % (option, entry, suggest(entry, list(ids))))
            elif entry.lower() not in ids:
                problems.append("%s: the credential does not reach account %s (it does not exist, or the token's "
                                "policies do not include it)%s" % (option, entry, suggest(entry.lower(), list(ids))))
    if problems:
        raise ResolutionError(problems)
    wanted = set(i.lower() for i in account_ids)
    unwanted = set(i.lower() for i in exclude_account_ids)
    selected = []
    for account in accounts:
        if (include_names or wanted) and not (account["id"].lower() in wanted
                                              or any(name_matches(e, account["name"]) for e in include_names)):
            continue
        if account["id"].lower() in unwanted or any(name_matches(e, account["name"]) for e in exclude_names):
            continue
        selected.append(account)
    if not selected:
        raise ResolutionError([
            "the filters leave no account: the credential reaches %s, and include_names, account_ids, exclude_names "
            "and exclude_account_ids leave out every one" % _listing(accounts)])
    return selected


def _known(names, limit=10):
    shown = sorted(set(names))
    more = " and %d more" % (len(shown) - limit) if len(shown) > limit else ""
    return " (the accounts are %s%s)" % (", ".join("'%s'" % n for n in shown[:limit]), more)


def _listing(accounts, limit=10):
    shown = ["'%s' (%s)" % (a["name"], a["id"]) for a in accounts[:limit]]
    more = " and %d more" % (len(accounts) - limit) if len(accounts) > limit else ""
    return ", ".join(shown) + more


def normalize_accounts(listing):
    """The fields this inventory keeps of ``GET /accounts`` items (what the cache holds): id, name, type."""
    problems = []
    accounts = []
    seen = set()
    for index, item in enumerate(listing or []):
        account_id = item.get("id") if isinstance(item, dict) else None
        if not is_id(account_id):
            problems.append("Cloudflare listed an account without a valid id (item %d of GET /accounts)" % index)
            continue
        if account_id.lower() in seen:
            continue
        seen.add(account_id.lower())
        name = item.get("name")
        accounts.append({"id": account_id, "name": name if isinstance(name, str) else "",
                         "type": item.get("type") if isinstance(item.get("type"), str) else None})
    if problems:
        raise ResolutionError(problems)
    return accounts


def plan_hosts(accounts, include_names=(), exclude_names=(), account_ids=(), exclude_account_ids=(), groups_of=None,
               taken=(), existing=None, prefix=""):
    """``([(host name, account)], warnings)`` in host-name order, or ``ResolutionError`` (every problem).

    ``groups_of(selected accounts)``: the names of the groups the inventory config makes for them (no host may be
    named like one of them, nor like Ansible's own names and this plugin's group). ``taken``, ``existing`` and
    ``prefix``: see ``assign_hostnames``.
    """
    if not accounts:
        raise ResolutionError([
            "the credential reaches no Cloudflare account (GET /accounts listed none): check that the API token's "
            "policies include the accounts (Account Resources) with at least Account Settings Read"])
    selected = select_accounts(accounts, include_names, exclude_names, account_ids, exclude_account_ids)
    names, warnings = assign_hostnames(selected, reserved_names(groups_of(selected) if groups_of else ()),
                                       taken=taken, existing=existing, prefix=prefix)
    hosts = sorted(((names[a["id"]], a) for a in selected), key=lambda pair: pair[0])
    return hosts, warnings


def host_name_prefix_problems(prefix):
    """Why ``prefix`` cannot start host names (a list, empty when it can)."""
    if prefix is None or prefix == "":
        return []
    if not isinstance(prefix, str) or not _PREFIX.match(prefix):
        return ["host_name_prefix must be lower-case letters a-z, digits and _, starting with a letter (such as "
                "cf_), got %r" % (prefix,)]
    return []


def host_variables(account):
    """The variables of one account host (values read from Cloudflare are never templates)."""
    return {
        "account_id": wrap_var(account["id"]),
        "account_name": wrap_var(account["name"]),
        "account_type": wrap_var(account.get("type")),
        "cloudflare_account_id": wrap_var(account["id"]),
        "ansible_connection": "local",
        "ansible_python_interpreter": trust_as_template("{{ ansible_playbook_python }}"),
    }


# --------------------------------------------------------------------------- the plugin
class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):
    """Every Cloudflare account the credential reaches, one host each (see DOCUMENTATION)."""

    NAME = NAME

    def verify_file(self, path):
        if super(InventoryModule, self).verify_file(path):
            return path.endswith(FILE_SUFFIXES)
        return False

    def _connection_params(self):
        params = {}
        for key in CONNECTION_KEYS:
            if key == "account_id":
                continue
            value = self.get_option(key)
            if isinstance(value, str) and self.templar.is_template(value):
                value = self.templar.template(value)
            params[key] = value
        return params

    @staticmethod
    def _error(path, problems, secrets=()):
        """The one failure of the inventory source: every problem, no secret."""
        problems = mask_secrets(list(problems), secrets)
        return AnsibleParserError("%s: %s in %s, no host added: %s" % (
            NAME, "a problem" if len(problems) == 1 else "%d problems" % len(problems), path,
            "; ".join("(%d) %s" % (n, p) for n, p in enumerate(problems, 1)) if len(problems) > 1 else problems[0]))

    def _fetch(self, settings):
        client = build_client(settings, warn=self.display.warning)
        try:
            return normalize_accounts(list_accounts(client))
        finally:
            close = getattr(getattr(client, "_session", None), "close", None)
            if close is not None:
                close()

    def parse(self, inventory, loader, path, cache=True):
        super(InventoryModule, self).parse(inventory, loader, path, cache=cache)
        if not HAS_REQUESTS:
            raise AnsibleError("%s needs the Python library 'requests' in the controller's Python (pip install "
                               "requests)" % NAME)
        self._read_config_data(path)
        prefix = self.get_option("host_name_prefix") or ""
        problems = host_name_prefix_problems(prefix)
        try:
            settings = ConnectionSettings.from_params(self._connection_params(), needs_account=False)
        except ConnectionSettingsError as exc:
            raise self._error(path, list(exc.problems) + problems)
        if problems:
            raise self._error(path, problems, settings.secrets)
        for warning in settings.warnings:
            self.display.warning("%s: %s" % (NAME, warning))

        # The cache holds the account listing only (id, name, type); its key includes a digest of the API host and
        # credential, so another credential never reads this one's listing.
        digest = credential_fingerprint(settings.base_url, api_token=settings.api_token, api_email=settings.api_email,
                                        api_key=settings.api_key)
        cache_key = "%s_%s" % (self.get_cache_key(path), digest[:16])
        use_cache = bool(self.get_option("cache"))
        accounts = None
        if use_cache and cache:
            try:
                accounts = normalize_accounts(self._cache[cache_key])
            except KeyError:
                accounts = None
            except ResolutionError:
                accounts = None
        if accounts is None:
            try:
                accounts = self._fetch(settings)
            except ResolutionError as exc:
                raise self._error(path, exc.problems, settings.secrets)
            except CloudflareError as exc:
                raise self._error(path, ["cannot list the accounts of the credential: %s" % to_native(exc)],
                                  settings.secrets)
            if use_cache:
                self._cache[cache_key] = [dict(a) for a in accounts]

        # Every host and group the inventory holds already (the sources read before this one) is a taken name; the
        # accounts an earlier source of this plugin made a host for keep it.
        made = _MADE.setdefault(self.inventory, {})
        try:
            hosts, warnings = plan_hosts(accounts, self.get_option("include_names"), self.get_option("exclude_names"),
                                         self.get_option("account_ids"), self.get_option("exclude_account_ids"),
                                         groups_of=self._config_groups,
                                         taken=list(self.inventory.groups) + list(self.inventory.hosts),
                                         existing=dict((i, h) for h, i in made.items()), prefix=prefix)
        except ResolutionError as exc:
            raise self._error(path, exc.problems, settings.secrets)
        for warning in warnings:
            self.display.warning(mask_secrets(warning, settings.secrets))
        self._populate(hosts, made)
        self._warn_foreign_members(made)

    def _warn_foreign_members(self, made):
        """Warn when the plugin's group also holds hosts no source of this plugin made (another source read before
        this one put servers in a group of that name): ``hosts: cloudflare_accounts`` would run on them too."""
        group = self.inventory.groups.get(GROUP)
        foreign = sorted(set(h.name for h in group.get_hosts() if h.name not in made)) if group else []
        if foreign:
            self.display.warning(
                "%s: the group %s also holds %d host(s) that are no Cloudflare account (%s%s), put there by another "
                "inventory source: a play on hosts: %s runs on them too. Rename that group in the other source, or "
                "target the account hosts by a keyed group of this source (keyed_groups)"
                % (NAME, GROUP, len(foreign), ", ".join(foreign[:10]), ", ..." if len(foreign) > 10 else "", GROUP))

    def _config_groups(self, accounts):
        """The names of the groups that compose, groups and keyed_groups make for ``accounts``.

        Found by building them in a scratch inventory with the same code as ``_populate`` (so sanitised group names
        come out exactly as they will), under placeholder host names; every name of ``groups`` counts, also one
        that no account joins.
        """
        real = self.inventory
        self.inventory = InventoryData()
        try:
            for index, account in enumerate(accounts):
                self._add_account(" cfiam scratch %d " % index, account, group=None)
            made = set(self.inventory.groups)
        finally:
            self.inventory = real
        made.discard("all")
        made.discard("ungrouped")
        made.update(self.get_option("groups") or {})
        return made

    def _add_account(self, host, account, group=GROUP):
        strict = self.get_option("strict")
        self.inventory.add_host(host, group=group)
        variables = host_variables(account)
        for key, value in variables.items():
            self.inventory.set_variable(host, key, value)
        self._set_composite_vars(self.get_option("compose"), variables, host, strict=strict)
        self._add_host_to_composed_groups(self.get_option("groups"), variables, host, strict=strict)
        self._add_host_to_keyed_groups(self.get_option("keyed_groups"), variables, host, strict=strict)

    def _populate(self, hosts, made):
        """Add the account hosts; never one that would set variables on a host or group this plugin did not make
        (``assign_hostnames`` already keeps such names apart: this check only makes sure, before any host is added)."""
        foreign = [host for host, account in hosts if host in self.inventory.groups or (
            host in self.inventory.hosts and made.get(host, "").lower() != account["id"].lower())]
        if foreign:  # pragma: no cover - assign_hostnames never gives such a name
            raise AnsibleParserError("%s: no host added: %s would take over a host or group of another inventory "
                                     "source" % (NAME, ", ".join(sorted(foreign))))
        self.inventory.add_group(GROUP)
        for host, account in hosts:
            made[host] = account["id"]
            self._add_account(host, account)
