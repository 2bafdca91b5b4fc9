# -*- coding: utf-8 -*-
"""The commands written in the docs and in playbook headers, extracted as they are written (test_doc_commands.py).

Where commands are found:

* Markdown (``README.md``, ``docs/*.md``, ``roles/*/README.md``, ``playbooks/**/README.md``): every fenced block
  whose language is ``console``, ``bash``, ``sh`` or ``shell``. A block holds commands and ``#`` comments only
  (no prompt, no output); a command continues on the next line after a trailing ``\\`` or inside an open quote.
* Playbooks (``playbooks/**/*.yml``): the comment lines at the top of the file. A command is a comment line whose
  text, indented, starts with a command word (``ansible-playbook``, ``ansible-inventory``, ``make``, ``cd``,
  ``mkdir`` ...); it continues after a trailing ``\\``. A header that names ``ansible-playbook`` or
  ``ansible-inventory`` anywhere else is refused: write the command on a line of its own.

Conventions (docs/development.md, "Commands in the docs are run"):

* Every command runs against the emulator (``make emulator SEED=<seed>``, ``. .build/emulator.env``), the block's
  seed being the one a ``make emulator SEED=<name>`` names anywhere in it (a command or a comment: "to try it: make
  emulator SEED=acme"), else ``demo``. A command ``make emulator ...`` itself starts that emulator in the
  background, as a second terminal would.
* A command that cannot run here (the real Cloudflare API, an AWX server, a container engine, the test run itself)
  carries ``not run by tests: <reason>`` in a comment on its last line; the test lists them as skipped.
* Markdown commands run from the repository root; header commands too, unless the playbook's directory has an
  ``ansible.cfg`` (a self-contained example such as ``playbooks/multi_account``): then from that directory.
"""
from __future__ import absolute_import, division, print_function

import glob
import os
import re
import shlex

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHELL_LANGUAGES = ("console", "bash", "sh", "shell")
FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`\s]*)")
COMMAND_WORDS = ("ansible-playbook", "ansible-inventory", "ansible-doc", "ansible-galaxy", "ansible-builder",
                 "ansible", "make", "cd", "mkdir", "export", "pip", "python", "python3", "curl", "scripts/", ".")
HEADER_COMMAND = re.compile(r"^\s{2,}(%s)(\s|$)" % "|".join(re.escape(w) for w in COMMAND_WORDS))
SKIP = re.compile(r"#.*\bnot run by tests:\s*(?P<reason>.*?)\)?\s*$")
SEED = re.compile(r"\bmake emulator\b[^\n#]*?\bSEED=(?P<seed>[A-Za-z0-9_-]+)")
EMULATOR_COMMAND = re.compile(r"^make\s+emulator(\s|$)")


class Command(object):
    """One command as written: ``text`` (its lines, joined by newlines), where it is, why it is not run."""

    def __init__(self, source, line, text):
        self.source = source
        self.line = line
        self.text = text
        found = SKIP.search(text.splitlines()[-1])
        self.skip = found.group("reason").strip() if found else None
        self.starts_emulator = bool(EMULATOR_COMMAND.match(text.strip()))

    @property
    def where(self):
        return "%s:%d" % (self.source, self.line)

    def __repr__(self):
        return "Command(%s: %s)" % (self.where, self.text)


class Block(object):
    """Commands that run one after another in one shell: a fenced block, or a playbook's header."""

    def __init__(self, source, line, text, commands, cwd):
        self.source = source
        self.line = line
        self.text = text
        self.commands = commands
        self.cwd = cwd  # relative to the repository root

    @property
    def seed(self):
        found = SEED.search(self.text)
        return found.group("seed") if found else None


def _complete(text):
    """True when ``text`` is a whole shell command: no trailing backslash, no open quote."""
    if text.rstrip().endswith("\\"):
        return False
    try:
        shlex.split(text, comments=True)
    except ValueError:
        return False
    return True


def split_commands(source, first_line, lines):
    """The commands of a block's lines (comment and blank lines between commands are skipped)."""
    commands, buf, start = [], [], None
    for number, line in enumerate(lines, first_line):
        if not buf:
            stripped = line.strip()
            if not stripped or stripped.startswith("#"):
                continue
            if stripped.startswith("$ "):
                raise ValueError("%s:%d: write the command without a prompt: %s" % (source, number, line))
            start = number
        buf.append(line)
        if _complete("\n".join(buf)):
            commands.append(Command(source, start, "\n".join(buf)))
            buf = []
    if buf:
        raise ValueError("%s:%d: the command never ends (a trailing backslash or an open quote)" % (source, start))
    return commands


def markdown_blocks(path):
    """(blocks, problems) of one Markdown file: its shell blocks, and fences that do not say what they hold."""
    source = os.path.relpath(path, REPO)
    with open(path) as handle:
        lines = handle.read().splitlines()
    blocks, problems, index = [], [], 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if not opening:
            index += 1
            continue
        fence, indent, info = opening.group("fence"), opening.group("indent"), opening.group("info").lower()
        body, index = [], index + 1
        start = index + 1  # 1-based number of the block's first line
        while index < len(lines) and not lines[index].strip().startswith(fence):
            body.append(lines[index][len(indent):] if lines[index].startswith(indent) else lines[index])
            index += 1
        index += 1
        if not info:
            problems.append("%s:%d: a fenced block without a language (console, yaml, text ...)" % (source, start - 1))
        elif info in SHELL_LANGUAGES:
            blocks.append(Block(source, start, "\n".join(body), split_commands(source, start, body), "."))
        elif info == "text" and body and HEADER_COMMAND.match("  " + body[0]):
            problems.append("%s:%d: a command in a text block is never run: use a console block" % (source, start))
    return blocks, problems


def header_block(path):
    """(block or None, problems): the commands of a YAML file's leading comment lines."""
    source = os.path.relpath(path, REPO)
    with open(path) as handle:
        lines = handle.read().splitlines()
    commands, problems, text, buf, start = [], [], [], [], None
    for number, line in enumerate(lines, 1):
        if line.strip() in ("---", ""):
            continue
        if not line.startswith("#"):
            break
        content = line[1:]
        text.append(content)
        if buf or HEADER_COMMAND.match(content):
            if not buf:
                start = number
            buf.append(content.strip())
            if _complete("\n".join(buf)):
                commands.append(Command(source, start, "\n".join(buf)))
                buf = []
        elif re.search(r"\bansible-(playbook|inventory)\s", content):
            problems.append("%s:%d: a command inside a sentence is never run: write it on a comment line of its own, "
                            "indented: %s" % (source, number, content.strip()))
    if buf:
        problems.append("%s:%d: the command never ends (a trailing backslash or an open quote)" % (source, start))
    if not commands:
        return None, problems
    directory = os.path.dirname(source)
    cwd = directory if os.path.exists(os.path.join(REPO, directory, "ansible.cfg")) else "."
    return Block(source, commands[0].line, "\n".join(text), commands, cwd), problems


def markdown_files():
    patterns = ["README.md", "docs/*.md", "roles/*/README.md", "playbooks/**/README.md"]
    found = set()
    for pattern in patterns:
        found.update(glob.glob(os.path.join(REPO, pattern), recursive=True))
    return sorted(found)


def playbook_files():
    return sorted(glob.glob(os.path.join(REPO, "playbooks", "**", "*.yml"), recursive=True))


def every_source():
    """{source: [blocks]} of every file with commands, and the problems that make a command impossible to run."""
    sources, problems = {}, []
    for path in markdown_files():
        blocks, found = markdown_blocks(path)
        problems += found
        if any(block.commands for block in blocks):
            sources[os.path.relpath(path, REPO)] = blocks
    for path in playbook_files():
        block, found = header_block(path)
        problems += found
        if block is not None:
            sources[block.source] = [block]
    return sources, problems
