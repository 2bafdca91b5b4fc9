# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""connection.py: the argument spec, settings validation (every problem at once), the client factory, mask_secrets."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import shlex
from urllib.parse import quote, quote_plus

import pytest
import yaml

from ansible_collections.cfiam.user_groups.plugins.doc_fragments.connection import ModuleDocFragment
from ansible_collections.cfiam.user_groups.plugins.module_utils.client import CloudflareConfigError
from ansible_collections.cfiam.user_groups.plugins.module_utils.connection import (
    CONNECTION_KEYS,
    ConnectionSettings,
    ConnectionSettingsError,
    build_client,
    cloudflare_argument_spec,
    is_loopback_host,
    mask_secrets,
)

TOKEN = "Abc123-token_0987654321zyxwvutsrqponmlk"
ACCOUNT = "0123456789abcdef0123456789abcdef"


def params(**overrides):
    values = {"api_token": TOKEN, "account_id": ACCOUNT}
    values.update(overrides)
    return values


def problems_of(values, needs_account=True):
    with pytest.raises(ConnectionSettingsError) as info:
        ConnectionSettings.from_params(values, needs_account=needs_account)
    err = info.value
    assert isinstance(err, CloudflareConfigError)
    assert str(err) == "Invalid connection settings: %s" % "; ".join(err.problems)
    return err.problems


# =========================================================================== spec and documentation
class TestSpec(object):
    def test_every_option_is_documented_with_its_type_and_default(self):
        doc = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)["options"]
        doc.update(yaml.safe_load(ModuleDocFragment.MODULES)["options"])  # account_id: modules only
        spec = cloudflare_argument_spec()
        assert sorted(doc) == sorted(spec) == sorted(CONNECTION_KEYS)
        for name, option in spec.items():
            assert doc[name]["type"] == option["type"], name
            assert doc[name].get("default") == option.get("default"), name
            assert doc[name].get("no_log", False) is False  # documented through the spec only
            for variable in (option.get("fallback") or (None, []))[1]:
                assert "E(%s)" % variable in " ".join(doc[name]["description"]), (name, variable)

    def test_plugins_read_exactly_the_fallback_variables(self):
        """The ``env:`` entries of the fragment's plugin section are the spec's fallbacks (the account aside)."""
        env = yaml.safe_load(ModuleDocFragment.PLUGINS)["options"]
        spec = cloudflare_argument_spec()
        assert dict((name, [e["name"] for e in option["env"]]) for name, option in env.items()) == dict(
            (name, list(option["fallback"][1])) for name, option in spec.items()
            if option.get("fallback") and name != "account_id")

    def test_new_options(self):
        spec = cloudflare_argument_spec()
        assert spec["allow_insecure_http"] == {"type": "bool", "default": False}
        assert spec["max_total_wait"]["default"] == 600 and spec["max_total_wait"]["type"] == "int"
        assert spec["rate_limit"]["default"] == 1100 and spec["rate_limit_per_second"]["default"] == 100
        assert spec["rate_limit_dir"]["type"] == "path" and "default" not in spec["rate_limit_dir"]
        assert spec["api_token"]["no_log"] and spec["api_key"]["no_log"]


# =========================================================================== valid settings
class TestValidSettings(object):
    def test_defaults(self):
        settings = ConnectionSettings.from_params(params())
        assert settings.base_url == "https://api.cloudflare.com/client/v4"
        assert (settings.timeout, settings.max_retries, settings.max_retry_wait, settings.max_total_wait) == (
            30, 5, 300, 600)
        assert (settings.rate_limit, settings.rate_limit_per_second, settings.rate_limit_dir) == (1100, 100, None)
        assert settings.validate_certs is True and settings.allow_insecure_http is False
        assert settings.warnings == []
        assert settings.secrets == (TOKEN,)

    def test_surrounding_whitespace_is_stripped(self):
        settings = ConnectionSettings.from_params(params(api_token="  %s\n" % TOKEN, account_id=" %s\t" % ACCOUNT))
        assert settings.api_token == TOKEN and settings.account_id == ACCOUNT
        assert set(settings.secrets) == {TOKEN, "  %s\n" % TOKEN}

    def test_global_key(self):
        settings = ConnectionSettings.from_params(params(api_token=None, api_email=" me@example.com ",
                                                         api_key=" 0123456789abcdef0123456789abcdef01234 "))
        assert settings.api_email == "me@example.com" and settings.api_key == "0123456789abcdef0123456789abcdef01234"
        assert settings.api_token is None

    def test_token_and_key_together_warn(self):
        settings = ConnectionSettings.from_params(params(api_email="me@example.com", api_key="k" * 37))
        assert settings.warnings == ["Both api_token and the global API key (api_email/api_key) are set; "
                                     "api_token is used."]

    def test_account_is_optional_when_not_needed(self):
        assert ConnectionSettings.from_params(params(account_id=None), needs_account=False).account_id is None

    def test_upper_case_account_id(self):
        assert ConnectionSettings.from_params(params(account_id=ACCOUNT.upper())).account_id == ACCOUNT.upper()

    @pytest.mark.parametrize("url", ["http://127.0.0.1:8080/client/v4", "http://127.9.8.7/client/v4",
                                     "http://localhost:1/client/v4", "http://LOCALHOST/client/v4",
                                     "http://[::1]:9000/client/v4"])
    def test_plain_http_to_loopback(self, url):
        settings = ConnectionSettings.from_params(params(base_url=url))
        assert settings.base_url == url and settings.warnings == []

    def test_trailing_slash_is_dropped(self):
        settings = ConnectionSettings.from_params(params(base_url="https://api.cloudflare.com/client/v4/"))
        assert settings.base_url == "https://api.cloudflare.com/client/v4" and settings.warnings == []

    def test_insecure_http_when_allowed_warns(self):
        settings = ConnectionSettings.from_params(params(base_url="http://proxy.internal/client/v4",
                                                         allow_insecure_http=True))
        assert settings.base_url == "http://proxy.internal/client/v4"
        assert settings.warnings == ["base_url http://proxy.internal/client/v4 uses plain http:// "
                                     "(allow_insecure_http=true): the API token and every request travel "
                                     "unencrypted to proxy.internal"]

    def test_unverified_tls_warns(self):
        settings = ConnectionSettings.from_params(params(validate_certs=False))
        assert settings.validate_certs is False
        assert settings.warnings == [
            "validate_certs=false: the TLS certificate of api.cloudflare.com is not verified, so the connection "
            "is unauthenticated - anyone on the network path can pose as the API and read the API token. Use it "
            "only for a test endpoint."]

    def test_base_url_path_hint(self):
        settings = ConnectionSettings.from_params(params(base_url="https://proxy.example.com/cf"))
        assert settings.base_url == "https://proxy.example.com/cf"
        assert settings.warnings == [
            "base_url https://proxy.example.com/cf does not end in /client/v4, where the Cloudflare API lives "
            "(https://api.cloudflare.com/client/v4); requests go to https://proxy.example.com/cf/accounts/... - "
            "correct it unless a proxy maps the path"]

    def test_fractional_timeout_and_zero_retries(self):
        settings = ConnectionSettings.from_params(params(timeout=0.5, max_retries=0, max_retry_wait=0,
                                                         max_total_wait=0, rate_limit=0, rate_limit_per_second=0))
        assert (settings.timeout, settings.max_retries, settings.max_total_wait, settings.rate_limit) == (0.5, 0, 0, 0)

    def test_budgets_above_cloudflares_warn(self):
        settings = ConnectionSettings.from_params(params(rate_limit=1500, rate_limit_per_second=250))
        assert settings.warnings == [
            "rate_limit=1500 is more than Cloudflare's 1200 requests per 5 minutes per token: the requests of this "
            "controller may get the token blocked for 5 minutes",
            "rate_limit_per_second=250 is more than Cloudflare's 200 requests per second per IP"]

    def test_budgets_are_bounded_by_the_stores_size(self):
        """A rate budget store holds at most MAX_SLOTS request times: a larger budget is refused before any request."""
        problems = problems_of(params(rate_limit=100001, rate_limit_per_second=10 ** 9))
        assert problems == ["rate_limit must be at most 100000; got 100001",
                            "rate_limit_per_second must be at most 100000; got 1000000000"]
        assert ConnectionSettings.from_params(params(rate_limit=100000)).rate_limit == 100000

    def test_repr_shows_no_credential(self):
        settings = ConnectionSettings.from_params(params(api_email="me@example.com", api_key="secret-key-xyz"))
        text = repr(settings)
        assert TOKEN not in text and "secret-key-xyz" not in text
        assert "credentials=api_token+api_email+api_key" in text


# =========================================================================== problems
class TestProblems(object):
    def test_every_problem_at_once(self):
        problems = problems_of(params(api_token="abc\ndef", account_id="my-account", timeout=0, max_retries=-1,
                                      max_retry_wait=-2, max_total_wait=-3, rate_limit=-4, rate_limit_per_second=-5,
                                      base_url="http://api.example.com/client/v4"))
        assert problems == [
            "api_token contains a control character (such as a line break, tab or NUL) inside it, which Cloudflare "
            "tokens and keys never do; check how the value was pasted, stored or templated (the value is not shown)",
            "account_id 'my-account' is not a Cloudflare account id (32 hexadecimal characters)",
            "base_url http://api.example.com/client/v4 uses plain http:// to api.example.com, which is not a "
            "loopback address: the API token and every request would travel unencrypted. Use https://, or set "
            "allow_insecure_http=true for a trusted test endpoint or proxy",
            "timeout must be greater than 0 (seconds each whole reply may take); got 0",
            "max_retries must be at least 0; got -1",
            "max_retry_wait must be at least 0; got -2",
            "max_total_wait must be at least 0; got -3",
            "rate_limit must be at least 0; got -4",
            "rate_limit_per_second must be at least 0; got -5",
        ]

    def test_no_credentials_and_no_account(self):
        credentials, account = problems_of({"api_token": "", "account_id": ""})
        # every way to give them is named, the role's variables and the inventory's host variable included
        for way in ("api_token", "module_defaults", "CLOUDFLARE_API_TOKEN", "user_groups_api_token", "api_email",
                    "api_key", "CLOUDFLARE_EMAIL", "CLOUDFLARE_API_KEY"):
            assert way in credentials, way
        # without an inventory host: the fix first, short, no inventory advice
        assert account.startswith("no Cloudflare account: set CLOUDFLARE_ACCOUNT_ID or account_id"), account
        for way in ("module_defaults", "user_groups_account_id"):
            assert way in account, way
        assert "inventory" not in account and len(account) < 160, account
        for host in ("localhost", "127.0.0.1"):
            with pytest.raises(ConnectionSettingsError) as info:
                ConnectionSettings.from_params({"api_token": TOKEN, "account_id": ""}, host=host)
            assert info.value.problems == [account]

    def test_no_account_names_the_inventory_host(self):
        with pytest.raises(ConnectionSettingsError) as info:
            ConnectionSettings.from_params({"api_token": TOKEN, "account_id": " "}, host="web1")
        [problem] = info.value.problems
        assert problem.startswith("no Cloudflare account for host 'web1': run the play on the account hosts of the "
                                  "cfiam.user_groups.accounts inventory (hosts: cloudflare_accounts)")
        for way in ("cloudflare_account_id", "host_vars/web1.yml", "module_defaults", "CLOUDFLARE_ACCOUNT_ID",
                    "user_groups_account_id"):
            assert way in problem, way
        # a host name is shown printable, and an account given makes the host irrelevant
        with pytest.raises(ConnectionSettingsError) as info:
            ConnectionSettings.from_params({"api_token": TOKEN}, host="odd\nhost")
        assert "for host 'odd\\nhost'" in info.value.problems[0]
        assert ConnectionSettings.from_params(params(), host="web1").account_id == ACCOUNT

    def test_whitespace_only_token_is_no_token(self):
        assert problems_of(params(api_token=" \n\t "))[0].startswith("no Cloudflare credentials")

    def test_half_a_global_key(self):
        assert problems_of(params(api_token=None, api_email="me@example.com")) == [
            "api_email is set but api_key is not: the global API key needs both (or set api_token instead)"]
        assert problems_of(params(api_token=None, api_key="k" * 37)) == [
            "api_key is set but api_email is not: the global API key needs both (or set api_token instead)"]

    @pytest.mark.parametrize("inner, kind", [
        ("\n", "a control character (such as a line break, tab or NUL)"),
        ("\r\n", "a control character (such as a line break, tab or NUL)"),
        ("\t", "a control character (such as a line break, tab or NUL)"),
        ("\0", "a control character (such as a line break, tab or NUL)"),
        ("\x7f", "a control character (such as a line break, tab or NUL)"),
        ("\u2028", "a control character (such as a line break, tab or NUL)"),
        ("\u200b", "a control character (such as a line break, tab or NUL)"),
        (" ", "whitespace"),
        ("\u00a0", "whitespace"),
        ("\u00fc", "a character outside printable ASCII"),
    ])
    @pytest.mark.parametrize("option", ["api_token", "api_key"])
    def test_inner_bad_character_is_refused_without_echo(self, option, inner, kind):
        secret = "FirstHalfOfSecret" + inner + "SecondHalfOfSecret"
        values = params() if option == "api_token" else params(api_token=None, api_email="me@example.com")
        values[option] = " " + secret + "\n"
        (problem,) = problems_of(values)
        assert problem.startswith("%s contains %s inside it, which Cloudflare tokens and keys never do" % (option, kind))
        for fragment in ("FirstHalf", "SecondHalf", "OfSecret", repr(secret), json.dumps(secret)):
            assert fragment not in problem

    def test_email_with_control_character(self):
        (problem,) = problems_of(params(api_token=None, api_email="me@exa\nmple.com", api_key="k" * 37))
        assert problem.startswith("api_email contains a control character") and "mple" not in problem

    @pytest.mark.parametrize("url, problem", [
        ("ftp://api.cloudflare.com/client/v4",
         "base_url 'ftp://api.cloudflare.com/client/v4' must start with https:// (for example "
         "https://api.cloudflare.com/client/v4)"),
        ("api.cloudflare.com/client/v4",
         "base_url 'api.cloudflare.com/client/v4' must start with https:// (for example "
         "https://api.cloudflare.com/client/v4)"),
        ("https:///client/v4", "base_url 'https:///client/v4' has no host name"),
        ("https://host:99999/client/v4", "base_url is not a valid URL (check the host and port)"),
        ("https://user:hunter2@api.cloudflare.com/client/v4",
         "base_url must not contain a user name or password (credentials go in api_token, or in api_email and "
         "api_key); the URL is not shown"),
        ("https://api.cloudflare.com/client/v4?token=hunter2",
         "base_url must not contain a query string or fragment (the URL is not shown: it may carry a secret)"),
        ("https://api.cloud flare.com/client/v4", "base_url contains whitespace or a control character"),
        ("http://127.0.0.1.nip.io/client/v4",
         "base_url http://127.0.0.1.nip.io/client/v4 uses plain http:// to 127.0.0.1.nip.io, which is not a "
         "loopback address: the API token and every request would travel unencrypted. Use https://, or set "
         "allow_insecure_http=true for a trusted test endpoint or proxy"),
    ])
    def test_bad_base_url(self, url, problem):
        assert problems_of(params(base_url=url)) == [problem]
        assert "hunter2" not in problem

    @pytest.mark.parametrize("key, value, problem", [
        ("timeout", "soon", "timeout must be a number (seconds each whole reply may take)"),
        ("timeout", -1, "timeout must be greater than 0 (seconds each whole reply may take); got -1"),
        ("max_retries", 1.5, "max_retries must be a whole number"),
        ("max_retry_wait", True, "max_retry_wait must be a number"),
        ("validate_certs", "maybe", "validate_certs must be a boolean"),
        ("allow_insecure_http", "perhaps", "allow_insecure_http must be a boolean"),
    ])
    def test_bad_numbers_and_booleans(self, key, value, problem):
        assert problems_of(params(**{key: value})) == [problem]

    def test_no_problem_text_holds_a_credential(self):
        secret = "Sec\nret-TOKEN-value"
        problems = problems_of({"api_token": secret, "api_key": secret + "\0", "api_email": "x@example.com",
                                "account_id": secret})
        text = repr(problems)
        for fragment in ("Sec", "ret-TOKEN", "TOKEN-value"):
            assert fragment not in text, text


# =========================================================================== factory
class TestFactory(object):
    def test_build_client_passes_every_setting(self, tmp_path):
        settings = ConnectionSettings.from_params(params(
            base_url="http://127.0.0.1:9/client/v4", timeout=7, max_retries=2, max_retry_wait=40, max_total_wait=90,
            rate_limit=500, rate_limit_per_second=20, rate_limit_dir=str(tmp_path / "rl"), validate_certs=False))
        warnings = []
        client = build_client(settings, warn=warnings.append)
        assert (client.base_url, client.timeout, client.max_retries, client.max_retry_wait, client.max_total_wait) == (
            "http://127.0.0.1:9/client/v4", 7, 2, 40.0, 90.0)
        assert client.validate_certs is False and client.account_id == ACCOUNT
        assert client._limiter.budget == 500 and client._limiter.per_second == 20
        assert client._limiter.directory == str(tmp_path / "rl") and client._limiter.shared
        assert client._session.headers["Authorization"] == "Bearer " + TOKEN
        client.warn("the token is %s" % TOKEN)
        assert warnings == ["the token is ********"]

    def test_client_masks_the_unstripped_value_too(self, tmp_path):
        raw = " %s \n" % TOKEN
        settings = ConnectionSettings.from_params(params(api_token=raw, rate_limit_dir=str(tmp_path)))
        client = build_client(settings)
        masked = client.mask("a %r b" % raw)
        assert masked in ("a '********' b", "a ******** b") and TOKEN not in masked

    def test_settings_carry_their_warnings(self, tmp_path):
        settings = ConnectionSettings.from_params(params(validate_certs=False, rate_limit_dir=str(tmp_path)))
        assert build_client(settings).validate_certs is False
        assert len(settings.warnings) == 1 and settings.warnings[0].startswith("validate_certs=false")

    def test_unusable_directory_falls_back_with_a_warning(self, tmp_path):
        target = tmp_path / "shared"
        target.mkdir()
        os.chmod(str(target), 0o777)
        warnings = []
        client = build_client(ConnectionSettings.from_params(params(rate_limit_dir=str(target))),
                              warn=warnings.append)
        assert client._limiter.shared is False
        assert warnings == ["The Cloudflare request budget is counted in this process only: %s is writable by "
                            "other users. Set rate_limit_dir (or CLOUDFLARE_RATE_LIMIT_DIR) to a private directory "
                            "so that parallel forks share it." % target]

    @pytest.mark.parametrize("host, loopback", [("127.0.0.1", True), ("127.255.0.1", True), ("::1", True),
                                                ("localhost", True), ("localhost.", True), ("10.0.0.1", False),
                                                ("::ffff:7f00:1", False), ("example.com", False), ("", False)])
    def test_is_loopback_host(self, host, loopback):
        assert is_loopback_host(host) is loopback


# =========================================================================== mask_secrets
ODD_SECRETS = [
    "tok\nen-with-newline",
    'quo"te\'s-token',
    "back\\slash\\token",
    "per%cent%41-token",
    "plus+sign+token",
    "spa ce token",
    "\u00fcn\u00efc\u00f8d\u00e9-\u20ac-token",
    "  padded-token\n",
    "tab\tand\0nul",
]


def encodings(secret):
    """Every way a text can carry ``secret``."""
    stripped = secret.strip()
    forms = []
    for value in (secret, stripped):
        forms += [
            value,
            repr(value),
            ascii(value),
            json.dumps(value),
            json.dumps(value, ensure_ascii=False),
            '"%s"' % value,
            "'%s'" % value,
            quote(value),
            quote(value, safe=""),
            quote_plus(value),
            quote(value, safe="").lower(),
            shlex.quote(value),
            "Authorization: Bearer %s" % value,
            repr({"Authorization": "Bearer %s" % value}),
            json.dumps({"headers": {"Authorization": "Bearer %s" % value}}),
            json.dumps(json.dumps(value)),
            repr(value.encode("utf-8")),
            value.encode("utf-8").decode("latin-1"),
            "https://x.example/?token=%s" % quote_plus(value),
        ]
    return forms


def leaked(text, secret):
    """Recognisable pieces of ``secret`` still in ``text`` (anything of 6+ characters)."""
    core = secret.strip()
    pieces = [core[i:i + 6] for i in range(0, max(1, len(core) - 5))]
    return [p for p in pieces if len(p) >= 6 and p.strip() == p and p in text]


class TestMaskSecrets(object):
    @pytest.mark.parametrize("secret", ODD_SECRETS)
    def test_every_form_is_masked(self, secret):
        for text in encodings(secret):
            masked = mask_secrets("before %s after" % text, [secret])
            assert masked.startswith("before ") and masked.endswith(" after"), (text, masked)
            assert "********" in masked, (text, masked)
            assert leaked(masked, secret) == [], (text, masked)

    def test_nested_structures(self):
        secret = ODD_SECRETS[0]
        value = {"msg": "failed with %s" % secret, secret: [secret, ("x", secret), {secret}],
                 "bytes": secret.encode("utf-8"), "n": 3, "flag": True, "none": None}
        original = json.loads(json.dumps(value, default=repr))
        masked = mask_secrets(value, [secret, None, ""])
        assert masked == {"msg": "failed with ********", "********": ["********", ("x", "********"), {"********"}],
                          "bytes": b"********", "n": 3, "flag": True, "none": None}
        assert json.loads(json.dumps(value, default=repr)) == original  # not modified in place

    def test_dict_subclass_keeps_its_type(self):
        from collections import OrderedDict
        masked = mask_secrets(OrderedDict([("a", "x" + TOKEN)]), TOKEN)
        assert isinstance(masked, OrderedDict) and masked == OrderedDict([("a", "x********")])

    def test_nothing_to_mask(self):
        value = {"a": ["b"]}
        assert mask_secrets(value, []) is value
        assert mask_secrets(value, [None, "", "  \n"]) is value

    def test_longest_form_wins(self):
        secret = "ab+cd"
        assert mask_secrets("ab+cd ab%2Bcd ab%2bcd ab+cd+", [secret]) == "******** ******** ******** ********+"

    def test_cycles_do_not_recurse_forever(self):
        value = ["x" + TOKEN]
        value.append(value)
        masked = mask_secrets(value, [TOKEN])
        assert masked[0] == "x********" and masked[1] is masked

    def test_several_secrets(self):
        assert mask_secrets("%s and %s" % (TOKEN, "key-123456"), [TOKEN, "key-123456"]) == "******** and ********"
