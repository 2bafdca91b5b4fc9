# -*- coding: utf-8 -*-
"""Bad input matrix: every kind of wrong input fails with a clear message and writes nothing.

One playbook runs one failing task per case (``ignore_errors``), against the
demo account; each case names the substrings its message must contain. The
emulator's request log must show no write request at all afterwards. The role
gets its own run (every problem of a bad declaration reported at once), and
so do the connection failures that need a server of their own (TLS).
"""
from __future__ import absolute_import, division, print_function

import http.server
import os
import ssl
import subprocess
import threading

import pytest
from pytest_plugin import unused_port  # tests/emulator, on sys.path (tests/conftest.py)

NS = "cfiam.user_groups."
ROLE = "cfiam.user_groups.user_groups"
OTHER_ACCOUNT = "fedcba9876543210fedcba9876543210"
ADMIN_RO = [{"permission_groups": ["Administrator Read Only"]}]


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory):
    """An HTTPS server with a self-signed certificate (what validate_certs must refuse)."""
    tmp = tmp_path_factory.mktemp("tls")
    cert, key = str(tmp / "cert.pem"), str(tmp / "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "2", "-subj", "/CN=127.0.0.1"], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"success": true, "errors": [], "messages": [], "result": []}')

        do_POST = do_PUT = do_GET

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield "https://127.0.0.1:%d/client/v4" % server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def cases(emulator, tls_url):
    """(kind, module, args, substrings the failure message must contain)."""
    plain_url = emulator.base_url.replace("/client/v4", "")
    return [
        ("unknown role", "cf_user_group",
         {"name": "Bad role", "policies": [{"permission_groups": ["no_such_role"]}]}, ["no_such_role"]),
        ("unknown email", "cf_user_group_member",
         {"group": "Okta Contractors", "members": ["nobody@example.com"]}, ["nobody@example.com"]),
        ("unknown zone", "cf_user_group",
         {"name": "Bad zone", "policies": [{"permission_groups": ["domain_dns"], "zones": ["missing.example"]}]},
         ["missing.example"]),
        ("unknown resource group", "cf_user_group",
         {"name": "Bad rg", "policies": [{"permission_groups": ["domain_dns"], "resource_groups": ["No such rg"]}]},
         ["No such rg"]),
        ("unknown group", "cf_user_group_policy",
         {"group": "No Such Group", "policies": ADMIN_RO}, ["No Such Group"]),
        ("policies not a list of dicts", "cf_user_group", {"name": "Bad type", "policies": "admin"},
         ["dictionary requested"]),
        # A member entry is an email, an id, or {email or id, expires} (expiring access): another key is refused.
        ("member entry with an unknown key", "cf_user_group_member",
         {"group": "Okta Contractors", "members": [{"mail": "alice@example.com"}, 42]},
         ["unknown keys mail (allowed: email, id, expires)", "members items must be emails or member ids"]),
        ("empty permission groups", "cf_user_group",
         {"name": "Empty pg", "policies": [{"permission_groups": []}]}, ["permission_groups"]),
        ("permission groups missing", "cf_user_group_policy",
         {"group": "Okta Contractors", "policies": [{"access": "allow"}]}, ["permission_groups"]),
        ("bad access value", "cf_user_group",
         {"name": "Bad access", "policies": [{"access": "maybe", "permission_groups": ["admin"]}]}, ["access", "maybe"]),
        ("zone role on the account", "cf_user_group",
         {"name": "Scope mismatch", "policies": [{"permission_groups": ["domain_dns"]}]}, ["domain_dns"]),
        ("account role on a zone", "cf_user_group",
         {"name": "Scope mismatch 2", "policies": [{"permission_groups": ["admin"], "zones": ["example.com"]}]},
         ["admin"]),
        ("raw scope of another account", "cf_user_group",
         {"name": "Foreign scope", "policies": [{"permission_groups": ["domain_dns"], "scope": {
             "key": "com.cloudflare.api.account.ffffffffffffffffffffffffffffffff",
             "objects": ["com.cloudflare.api.account.zone.aad9930b9d65bfc3a47abe3e97198baf"]}}]},
         ["another account"]),
        ("raw scope of an undocumented form", "cf_user_group",
         {"name": "Odd scope", "policies": [{"permission_groups": ["admin"], "scope": {
             "key": "com.cloudflare.api.account.0123456789abcdef0123456789abcdef",
             "objects": ["com.cloudflare.api.account.wroker.0123456789abcdef0123456789abcdef"]}}]},
         ["not a form Cloudflare documents", "allow_unknown_scope"]),
        ("unknown policy key", "cf_user_group",
         {"name": "Policy key", "policies": [{"permission_groups": ["admin"], "zonez": ["example.com"]}]},
         ["zonez"]),
        ("malformed group id", "cf_user_group_member",
         {"group_id": "not-a-group-id!", "members": ["alice@example.com"]}, ["not-a-group-id!"]),
        ("unknown group id", "cf_user_group",
         {"id": "ffffffffffffffffffffffffffffffff", "policies": ADMIN_RO}, ["ffffffffffffffffffffffffffffffff"]),
        ("malformed member id", "cf_user_group_member",
         {"group": "Okta Contractors", "members": ["0123-not-a-member"]}, ["0123-not-a-member"]),
        ("empty group name", "cf_user_group", {"name": "", "policies": ADMIN_RO}, ["name"]),
        ("bad state choice", "cf_user_group", {"name": "Bad state", "state": "gone"}, ["state", "gone"]),
        ("unknown module option", "cf_user_group", {"name": "Bad option", "colour": "red"}, ["colour"]),
        ("missing token", "cf_user_group", {"name": "No token", "api_token": ""}, ["credentials", "api_token"]),
        ("missing account", "cf_user_group", {"name": "No account", "account_id": ""}, ["account_id"]),
        ("malformed account id", "cf_user_group", {"name": "Bad account", "account_id": "my-account"},
         ["my-account", "32 hexadecimal"]),
        ("email without key", "cf_user_group",
         {"name": "Half global key", "api_token": "", "api_email": "emulator@example.com"}, ["api_key"]),
        ("wrong token (401)", "cf_user_group", {"name": "Wrong token", "api_token": "wrong-token-123"},
         ["10000", "Authentication error"]),
        ("wrong global key (401)", "cf_user_group",
         {"name": "Wrong key", "api_token": "", "api_email": "emulator@example.com", "api_key": "wrong-key"},
         ["10000"]),
        ("another account's id (403)", "cf_user_group", {"name": "Other account", "account_id": OTHER_ACCOUNT},
         ["9109", OTHER_ACCOUNT]),
        ("unreachable base_url", "cf_user_group",
         {"name": "Unreachable", "base_url": "http://127.0.0.1:%d/client/v4" % unused_port(), "max_retries": 0},
         ["cannot reach", "127.0.0.1"]),
        ("base_url without the API prefix (404)", "cf_user_group",
         {"name": "Wrong prefix", "base_url": plain_url, "max_retries": 0}, ["7003"]),
        ("TLS certificate refused (validate_certs)", "cf_user_group",
         {"name": "TLS", "base_url": tls_url, "max_retries": 0}, ["TLS", "validate_certs"]),
        ("negative retry settings", "cf_user_group", {"name": "Negative", "max_retries": -1}, ["max_retries"]),
        ("timeout not a number", "cf_user_group", {"name": "Timeout", "timeout": "soon"}, ["timeout"]),
        ("timeout zero", "cf_user_group", {"name": "Timeout 0", "timeout": 0}, ["timeout must be greater than 0"]),
        ("plain http to a remote host", "cf_user_group",
         {"name": "Cleartext", "base_url": "http://api.example.com/client/v4"}, ["unencrypted", "allow_insecure_http"]),
        ("line break inside the token", "cf_user_group", {"name": "Pasted", "api_token": "first-half\nsecond-half"},
         ["api_token contains a control character", "the value is not shown"]),
        ("bad resource group scope", "cf_resource_group",
         {"name": "Bad scope", "scope": {"key": "com.cloudflare.api.account.zone.nope", "objects": []}}, ["scope"]),
        ("unknown zone in a resource group", "cf_resource_group",
         {"name": "Bad rg zones", "zones": ["missing.example"]}, ["missing.example"]),
    ]


def test_every_bad_input_fails_clearly_without_writing(emulator, run_playbook, tls_server):
    matrix = cases(emulator, tls_server)
    assert len(matrix) >= 25
    before = emulator.state()
    tasks = [{"name": kind, NS + module: args, "ignore_errors": True} for kind, module, args, _expected in matrix]
    emulator.clear_requests()
    run = run_playbook(tasks=tasks)
    problems = []
    for kind, _module, _args, expected in matrix:
        result = run.task(kind)
        msg = result.get("msg", "")
        if run.status(kind) != "failed":
            problems.append("%s: did not fail (%s)" % (kind, run.status(kind)))
            continue
        missing = [text for text in expected if text.lower() not in msg.lower()]
        if missing:
            problems.append("%s: message lacks %s: %s" % (kind, missing, msg))
        if "Traceback" in msg or "unexpected" in msg:
            problems.append("%s: not a clear message: %s" % (kind, msg))
    assert problems == [], "\n".join(problems)
    assert emulator.writes() == []
    assert emulator.state()["user_groups"] == before["user_groups"]
    assert emulator.state()["resource_groups"] == before["resource_groups"]
    assert emulator.token not in run.output
    assert "first-half" not in run.output and "second-half" not in run.output


def test_bad_declaration_fails_the_role_with_every_problem_and_no_write(emulator, run_playbook):
    declaration = [
        {"name": "Platform", "members": ["alice@example.com", "nobody@example.com"],
         "policies": [{"permission_groups": ["no_such_role"]},
                      {"access": "sometimes", "permission_groups": ["admin"]}],
         "children": [
             {"name": "Platform", "members": []},                                       # duplicate name
             {"name": "Platform DNS", "policies": [{"permission_groups": ["domain_dns"]}]},  # scope mismatch
             {"name": "Platform Zones",
              "policies": [{"permission_groups": ["domain_dns"], "zones": ["missing.example"]},
                           {"permission_groups": []}]},
             {"name": "Platform Typo", "member": ["bob@example.com"]},                 # unknown key
             {"members": ["carol@example.com"]},                                        # no name
        ]},
    ]
    emulator.clear_requests()
    run = run_playbook(tasks=[{"name": "role", "ansible.builtin.include_role": {"name": ROLE}}],
                       vars={"user_groups": declaration})
    assert run.rc != 0, run
    msg = run.failed[0]["result"]["msg"]
    for text in ("nobody@example.com", "no_such_role", "sometimes", "declared twice", "Platform DNS",
                 "missing.example", "member", "no name"):
        assert text in msg, (text, msg)
    assert emulator.writes() == []
    assert emulator.group_by_name("Platform") is None


def test_missing_environment_credentials(emulator, run_playbook):
    """No token and no account anywhere (environment emptied): one clear failure, no request at all."""
    emulator.clear_requests()
    run = run_playbook(tasks=[{"name": "no credentials", NS + "cf_user_group": {"name": "X"}},
                              ], env={"CLOUDFLARE_API_TOKEN": None, "CLOUDFLARE_ACCOUNT_ID": None})
    assert run.rc != 0
    msg = run.task("no credentials")["msg"]
    assert "CLOUDFLARE_API_TOKEN" in msg and "CLOUDFLARE_ACCOUNT_ID" in msg, msg
    assert emulator.requests() == []
    assert os.environ.get("CLOUDFLARE_API_TOKEN") is None or emulator.token not in run.output
