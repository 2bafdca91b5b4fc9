# -*- coding: utf-8 -*-
"""A real browser for the tests: headless Chromium driven over the DevTools protocol on a pipe (no extra package).

``Browser()`` starts ``chromium --headless --remote-debugging-pipe`` (fds 3 and 4: NUL-separated JSON messages), opens
one page and records every network request the page makes (``Network.requestWillBeSent``). Methods: ``open(url)``
(waits for the load event and, when asked, for ``body[data-ready]``), ``evaluate(js)``, ``click(selector)`` and
``type(selector, text)`` (real mouse and keyboard input), ``requested()`` (URLs), ``screenshot(path)``, ``close()``.

``chromium_binary()`` finds the browser: ``$CFIAM_CHROMIUM``, else ``chromium``, ``chromium-browser`` or
``google-chrome`` on PATH (Debian package ``chromium``). The flags are those that work on a machine without a
display and without outside network, as root (``--no-sandbox``).

    python tests/integration/browser.py screenshot file:///abs/page.html out.png [WIDTH HEIGHT [SELECTOR]]
"""
from __future__ import absolute_import, division, print_function

import base64
import fcntl
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-default-apps", "--disable-extensions", "--mute-audio", "--hide-scrollbars",
         "--remote-debugging-pipe"]


def chromium_binary():
    explicit = os.environ.get("CFIAM_CHROMIUM")
    if explicit:
        return explicit
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


class BrowserError(RuntimeError):
    pass


class Browser(object):
    def __init__(self, binary=None, width=1400, height=900, timeout=30):
        self.binary = binary or chromium_binary()
        if not self.binary:
            raise BrowserError("no Chromium found (Debian: apt-get install -y chromium; or set CFIAM_CHROMIUM)")
        self.timeout = timeout
        self.events = []
        self._buffer = b""
        self._next = 0
        self._profile = tempfile.mkdtemp(prefix="cfiam-chromium-")
        to_child, self._out = os.pipe()
        self._in, from_child = os.pipe()
        # Keep the child's ends away from fds 3 and 4 before moving them there.
        to_child_high = fcntl.fcntl(to_child, fcntl.F_DUPFD, 10)
        from_child_high = fcntl.fcntl(from_child, fcntl.F_DUPFD, 10)
        os.close(to_child)
        os.close(from_child)

        def child():
            os.dup2(to_child_high, 3)
            os.dup2(from_child_high, 4)

        self.proc = subprocess.Popen(
            [self.binary] + FLAGS + ["--user-data-dir=" + self._profile, "--window-size=%d,%d" % (width, height),
                                     "about:blank"],
            preexec_fn=child, close_fds=False, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        os.close(to_child_high)
        os.close(from_child_high)
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Network", "Page", "Runtime"):
            self.call(domain + ".enable", session=True)
        self.call("Emulation.setDeviceMetricsOverride", {"width": width, "height": height, "deviceScaleFactor": 1,
                                                         "mobile": False}, session=True)

    # ------------------------------------------------------------------ protocol
    def _send(self, method, params, session):
        self._next += 1
        message = {"id": self._next, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = self.session
        os.write(self._out, json.dumps(message).encode("utf-8") + b"\0")
        return self._next

    def _read(self, deadline):
        while b"\0" not in self._buffer:
            left = deadline - time.time()
            if left <= 0:
                raise BrowserError("Chromium did not answer within %s s" % self.timeout)
            ready, _w, _x = select.select([self._in], [], [], left)
            if ready:
                chunk = os.read(self._in, 1 << 20)
                if not chunk:
                    raise BrowserError("Chromium closed the DevTools pipe (exit %s)" % self.proc.poll())
                self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(raw.decode("utf-8"))

    def call(self, method, params=None, session=False):
        wanted = self._send(method, params, session)
        deadline = time.time() + self.timeout
        while True:
            message = self._read(deadline)
            if message.get("id") == wanted:
                if "error" in message:
                    raise BrowserError("%s: %s" % (method, message["error"]))
                return message.get("result") or {}
            self.events.append(message)

    def wait_event(self, method, since=0):
        deadline = time.time() + self.timeout
        while True:
            for event in self.events[since:]:
                if event.get("method") == method:
                    return event
            since = len(self.events)
            self.events.append(self._read(deadline))

    # ------------------------------------------------------------------ the page
    def open(self, url, ready_attribute=None):
        """Load ``url`` (a new document: another fragment of the page open now is loaded again, not scrolled to)."""
        if self.evaluate("location.href").split("#")[0] == url.split("#")[0] and url.startswith("file:"):
            self.open("about:blank")
        mark = len(self.events)
        self.call("Page.navigate", {"url": url}, session=True)
        self.wait_event("Page.loadEventFired", mark)
        if ready_attribute:
            deadline = time.time() + self.timeout
            while not self.evaluate("document.body && document.body.hasAttribute(%s)" % json.dumps(ready_attribute)):
                if time.time() > deadline:
                    raise BrowserError("the page never set body[%s]" % ready_attribute)
                time.sleep(0.05)

    def evaluate(self, expression):
        found = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                               "awaitPromise": True}, session=True)
        if "exceptionDetails" in found:
            raise BrowserError("script error: %s" % found["exceptionDetails"])
        return found.get("result", {}).get("value")

    def _center(self, selector):
        box = self.evaluate("(function(){var e=document.querySelector(%s); if(!e){return null;} e.scrollIntoView("
                            "{block:'center',inline:'center'}); var r=e.getBoundingClientRect();"
                            "return [r.left+r.width/2, r.top+r.height/2];})()" % json.dumps(selector))
        if box is None:
            raise BrowserError("nothing matches %s" % selector)
        return box

    def click(self, selector):
        x, y = self._center(selector)
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent", {"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1},
                      session=True)

    def type(self, selector, text):
        self.click(selector)
        self.evaluate("document.querySelector(%s).select()" % json.dumps(selector))
        self.call("Input.insertText", {"text": text}, session=True)

    def requested(self):
        """Every URL the page asked for (requests sent, and requests the browser refused to send)."""
        urls = [e["params"]["request"]["url"] for e in self.events if e.get("method") == "Network.requestWillBeSent"]
        return urls

    def screenshot(self, path, selector=None):
        params = {"format": "png"}
        if selector:
            rect = self.evaluate("(function(){var r=document.querySelector(%s).getBoundingClientRect();"
                                 "return [r.left+scrollX, r.top+scrollY, r.width, r.height];})()" % json.dumps(selector))
            params["clip"] = {"x": rect[0], "y": rect[1], "width": rect[2], "height": rect[3], "scale": 1}
            params["captureBeyondViewport"] = True
        data = self.call("Page.captureScreenshot", params, session=True)["data"]
        with open(path, "wb") as handle:
            handle.write(base64.b64decode(data))

    def close(self):
        try:
            self.call("Browser.close")
        except (BrowserError, OSError):
            pass
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
        for fd in (self._in, self._out):
            try:
                os.close(fd)
            except OSError:
                pass
        shutil.rmtree(self._profile, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def main(argv):
    if len(argv) < 3 or argv[0] != "screenshot":
        print(__doc__)
        return 2
    width, height = (int(argv[3]), int(argv[4])) if len(argv) >= 5 else (1400, 900)
    with Browser(width=width, height=height) as browser:
        browser.open(argv[1], ready_attribute="data-ready")
        browser.screenshot(argv[2], selector=argv[5] if len(argv) >= 6 else None)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
