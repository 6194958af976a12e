#!/usr/bin/env python3
"""A reference server for Gantry's environment protocol (docs/environment-protocol.md).

Serves one Python environment over JSON-RPC 2.0, on stdio (the default: one message per line)
or over HTTP (``--http PORT``, on 127.0.0.1 only; ``--http 0`` picks a free port). Only the
standard library is used.

    python3 server.py                                  # stdio, the toy environment
    python3 server.py --http 8765                      # HTTP on http://127.0.0.1:8765/
    python3 server.py --env adapters:make_textworld --option games=./tw_games
                                                       # another environment (see adapters.py)

An environment is any object with:

    name: str                      # what `initialize` reports
    task_types: list[str] | None   # optional
    reset(task_id=None, seed=None) -> dict   # {observation, goal, admissibleActions, info}
    step(action: str) -> dict      # {observation, reward, terminated, truncated, admissibleActions, info}
    close() -> None

``reset`` and ``step`` raise an exception class named ``EpisodeNotActive`` for a step outside an
episode (error -32000), and one named ``InvalidParams`` for parameters they cannot use, such as
an unknown task id (error -32602). Any other exception is error -32603, with its traceback on
stderr. (Matching by name lets an environment module define its own classes without importing
this file.)

On stdio, the protocol owns the real stdout: before the environment is loaded, file descriptor
1 is pointed at stderr, so ``print`` in the environment (or in a simulator's C code) lands in the
log instead of corrupting the protocol. In HTTP mode, the server prints one line to stdout,
``listening http://127.0.0.1:PORT/``, once it accepts connections, and nothing else.
"""

import argparse
import http.server
import importlib
import json
import os
import sys
import traceback

PROTOCOL_VERSION = 1

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603
EPISODE_NOT_ACTIVE = -32000
UNSUPPORTED_PROTOCOL_VERSION = -32001


class RpcError(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


class Dispatcher:
    """Turns one JSON-RPC request (a parsed dict) into a response dict, or None for a notification."""

    def __init__(self, env):
        self.env = env
        self.closed = False

    def handle(self, request):
        if not isinstance(request, dict) or request.get("jsonrpc") != "2.0" or not isinstance(request.get("method"), str):
            return error_response(None, INVALID_REQUEST, "expected a JSON-RPC 2.0 request object")
        request_id = request.get("id")
        if "id" not in request:
            # The protocol sends no notifications; one that arrives anyway is ignored.
            return None
        params = request.get("params", {})
        if not isinstance(params, dict):
            return error_response(request_id, INVALID_PARAMS, "params must be an object")
        try:
            result = self.call(request["method"], params)
        except RpcError as error:
            return error_response(request_id, error.code, error.message)
        except Exception as error:  # noqa: BLE001 - everything becomes a JSON-RPC error.
            kind = type(error).__name__
            if kind == "EpisodeNotActive":
                return error_response(request_id, EPISODE_NOT_ACTIVE, str(error))
            if kind == "InvalidParams":
                return error_response(request_id, INVALID_PARAMS, str(error))
            traceback.print_exc(file=sys.stderr)
            return error_response(request_id, INTERNAL_ERROR, f"{type(error).__name__}: {error}")
        return {"jsonrpc": "2.0", "id": request_id, "result": result}

    def call(self, method, params):
        if method == "initialize":
            version = params.get("protocolVersion", PROTOCOL_VERSION)
            if version != PROTOCOL_VERSION:
                raise RpcError(
                    UNSUPPORTED_PROTOCOL_VERSION,
                    f"protocol version {version} is not supported; this server speaks {PROTOCOL_VERSION}",
                )
            result = {"protocolVersion": PROTOCOL_VERSION, "name": self.env.name}
            task_types = getattr(self.env, "task_types", None)
            if task_types:
                result["taskTypes"] = list(task_types)
            return result
        if method == "reset":
            task_id = params.get("taskId")
            seed = params.get("seed")
            if task_id is not None and not isinstance(task_id, str):
                raise RpcError(INVALID_PARAMS, "taskId must be a string")
            if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
                raise RpcError(INVALID_PARAMS, "seed must be an integer")
            return self.env.reset(task_id=task_id, seed=seed)
        if method == "step":
            action = params.get("action")
            if not isinstance(action, str):
                raise RpcError(INVALID_PARAMS, "step needs params.action, a string")
            return self.env.step(action)
        if method == "close":
            self.closed = True
            return None
        raise RpcError(METHOD_NOT_FOUND, f'unknown method "{method}"')


def error_response(request_id, code, message):
    return {"jsonrpc": "2.0", "id": request_id, "error": {"code": code, "message": message}}


def handle_text(dispatcher, text):
    """Parses one message and returns the response as a JSON string, or None."""
    try:
        request = json.loads(text)
    except ValueError as error:
        response = error_response(None, PARSE_ERROR, f"not JSON: {error}")
    else:
        response = dispatcher.handle(request)
    if response is None:
        return None
    return json.dumps(response, ensure_ascii=False, allow_nan=False)


def serve_stdio(load_env):
    # Keep the real stdout for the protocol and send everything else written to fd 1 to stderr.
    protocol_out = os.fdopen(os.dup(1), "w", encoding="utf-8", newline="\n")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    dispatcher = Dispatcher(load_env())
    stdin = sys.stdin.buffer
    while not dispatcher.closed:
        line = stdin.readline()
        if not line:
            break
        text = line.decode("utf-8", errors="replace").strip()
        if not text:
            continue
        response = handle_text(dispatcher, text)
        if response is not None:
            protocol_out.write(response + "\n")
            protocol_out.flush()
    dispatcher.env.close()


def serve_http(load_env, port):
    dispatcher = Dispatcher(load_env())

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            text = self.rfile.read(length).decode("utf-8", errors="replace")
            response = handle_text(dispatcher, text)
            # `close` ends this client's session; the server keeps serving the next one.
            dispatcher.closed = False
            body = (response or "").encode("utf-8")
            self.send_response(200 if response is not None else 204)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            body = b"POST JSON-RPC 2.0 requests to this URL (see docs/environment-protocol.md).\n"
            self.send_response(405)
            self.send_header("Allow", "POST")
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format, *args):
            pass

    # One request at a time: the environment is a single episode, not a thread-safe service.
    server = http.server.HTTPServer(("127.0.0.1", port), Handler)
    print(f"listening http://127.0.0.1:{server.server_address[1]}/", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        dispatcher.env.close()


def environment_loader(spec, options):
    """Returns a function that builds the environment `MODULE:FACTORY` names, with `options` as keywords."""
    module_name, _, factory_name = spec.partition(":")
    if not module_name or not factory_name:
        raise SystemExit(f'--env expects MODULE:FACTORY, such as toy_env:ToyEnvironment; got "{spec}"')
    keywords = {}
    for option in options:
        key, equals, value = option.partition("=")
        if not equals or not key:
            raise SystemExit(f'--option expects KEY=VALUE; got "{option}"')
        keywords[key] = value

    def load():
        # A __pycache__ beside the examples would only clutter a checkout.
        sys.dont_write_bytecode = True
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        return getattr(importlib.import_module(module_name), factory_name)(**keywords)

    return load


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--http", type=int, metavar="PORT", help="serve HTTP on 127.0.0.1:PORT instead of stdio (0: any free port)")
    parser.add_argument("--env", default="toy_env:ToyEnvironment", metavar="MODULE:FACTORY", help="the environment to serve (default: %(default)s)")
    parser.add_argument("--option", action="append", default=[], metavar="KEY=VALUE", help="a keyword argument for the factory (repeatable)")
    args = parser.parse_args()
    load_env = environment_loader(args.env, args.option)
    if args.http is None:
        serve_stdio(load_env)
    else:
        serve_http(load_env, args.http)


if __name__ == "__main__":
    main()
