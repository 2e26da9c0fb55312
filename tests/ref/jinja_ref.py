#!/usr/bin/env python3
"""Independent reference for the chat-template engine (src/template/): Python's jinja2.

Renders every tests/data/chat_templates/*.jinja over every conversation in
tests/data/chat_templates/conversations.json (with and without the generation prompt), and every
small template in tests/data/chat_templates/expressions.json, exactly the way Hugging Face
transformers' apply_chat_template does:
  jinja2.sandbox.ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
      extensions=[<generation tag>, jinja2.ext.loopcontrols])
  filters["tojson"] = json.dumps(x, ensure_ascii=False, indent=..., sort_keys=...)
  globals raise_exception(msg) -> TemplateError, strftime_now(fmt)
  render(messages=..., tools=None, documents=None, add_generation_prompt=..., bos_token, eos_token,
         **extra variables)
strftime_now sees a fixed instant (FIXED_NOW, local time) so the fixture is reproducible; the
C++ test passes the same instant.

Regenerate the fixture (Debian python3-jinja2):
  /usr/bin/python3 tests/ref/jinja_ref.py > tests/data/chat_templates/expected.json
Check that the committed fixture is current (ctest runs this):
  /usr/bin/python3 tests/ref/jinja_ref.py --check
"""
import datetime
import json
import os
import sys

import jinja2
import jinja2.ext
import jinja2.nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "data", "chat_templates")
FIXED_NOW = 1721995200  # 2024-07-26 12:00:00 UTC
BOS, EOS = "<s>", "</s>"


class GenerationTag(jinja2.ext.Extension):
    """transformers' AssistantTracker tag, rendered transparently."""

    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(["name:endgeneration"], drop_needle=True)
        return jinja2.nodes.CallBlock(self.call_method("_render", []), [], [], body).set_lineno(lineno)

    def _render(self, caller):
        return caller()


class RaisedByTemplate(Exception):
    pass


def make_env():
    def raise_exception(message):
        raise RaisedByTemplate(message)

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

    def strftime_now(fmt):
        return datetime.datetime.fromtimestamp(FIXED_NOW).strftime(fmt)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                        extensions=[GenerationTag, jinja2.ext.loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env


def render(env, source, variables):
    """{"output": str} or {"raise": message} or {"error": exception type}."""
    try:
        return {"output": env.from_string(source).render(**variables)}
    except RaisedByTemplate as e:
        return {"raise": str(e)}
    except Exception as e:  # noqa: BLE001 - any jinja/python error is "the template fails"
        return {"error": type(e).__name__}


def build():
    env = make_env()
    conversations = json.load(open(os.path.join(DATA, "conversations.json"), encoding="utf-8"))
    renders = []
    for fname in sorted(os.listdir(DATA)):
        if not fname.endswith(".jinja"):
            continue
        source = open(os.path.join(DATA, fname), encoding="utf-8").read()
        for conv in conversations:
            for agp in (True, False):
                variables = {"messages": conv["messages"], "tools": None, "documents": None,
                             "add_generation_prompt": agp, "bos_token": BOS, "eos_token": EOS}
                variables.update(conv.get("extra", {}))
                entry = {"template": fname, "conversation": conv["name"], "add_generation_prompt": agp}
                entry.update(render(env, source, variables))
                renders.append(entry)
    expressions = []
    for case in json.load(open(os.path.join(DATA, "expressions.json"), encoding="utf-8")):
        entry = {"source": case["source"], "context": case.get("context", {})}
        entry.update(render(env, case["source"], case.get("context", {})))
        expressions.append(entry)
    return {"generator": "tests/ref/jinja_ref.py", "bos_token": BOS,
            "eos_token": EOS, "now": FIXED_NOW, "renders": renders, "expressions": expressions}


def dump(obj):
    return json.dumps(obj, ensure_ascii=False, indent=1) + "\n"


def main():
    text = dump(build())
    if len(sys.argv) > 1 and sys.argv[1] == "--check":
        committed = open(os.path.join(DATA, "expected.json"), encoding="utf-8").read()
        if committed != text:
            sys.stderr.write("tests/data/chat_templates/expected.json is stale: regenerate it with\n"
                             "  /usr/bin/python3 tests/ref/jinja_ref.py > tests/data/chat_templates/expected.json\n")
            return 1
        print("expected.json is current")
        return 0
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
