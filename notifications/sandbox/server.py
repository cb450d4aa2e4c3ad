"""The 1MSG sandbox: ``sendTemplate``, ``webhook`` (GET/POST), ``hookInfo``, ``templates``.

Accepted messages get their acks pushed to the registered webhook URLs after short delays
(sent → delivered → read), unless the phone's last two digits script something else (SCRIPT).
``GET /_sandbox/sends`` lists every sendTemplate call and ``GET /_sandbox/hooks`` every ack
pushed, for tests. ``POST /_sandbox/faults``
``{"status": 500 | "hang": seconds, "seconds": N}`` makes every sendTemplate fail that way for N
seconds (an outage: nothing is sent, no acks follow; the calls are recorded with ``fault``).
With ``push_retries``, a push that is refused or answered 5xx is tried again after 0.5 s, 1 s,
2 s… per URL, as a provider retries its webhooks.
"""

import heapq
import itertools
import json
import logging
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

logger = logging.getLogger(__name__)

INVOICE_BODY = "Hello, {{1}}! Invoice #{{2}} has been issued for {{3}}. Payment due: {{4}}."
REMINDER_BODY = (
    "Hello, {{1}}! A reminder about invoice #{{2}}: {{3}} is due, payment date {{4}}. {{5}} "
    "Pay here: {{6}}"
)
EXPERIMENT = "User's number is part of an experiment"

# Last two digits of the phone → behaviour (documented in the README).
SCRIPT = {
    "01": "accepted, then a failed ack: " + EXPERIMENT,
    "02": "accepted, sent, never delivered",
    "03": "accepted, every ack pushed twice",
    "04": "accepted, acks out of order: read, delivered, sent",
    "05": "429 with Retry-After: 1 on the first try, then accepted",
    "06": "HTTP 500, although the message was sent (acks follow)",
    "07": "read timeout: answers only after --hang seconds (acks follow)",
    "08": "sent:false with a jobId; acks follow under a new id",
    "09": "sent:false: (#131026) Message undeliverable",
}
DEFAULT_FLOW = ("sent", "delivered", "read")


def default_templates() -> list[dict[str, Any]]:
    return [
        {
            "name": "invoice_issued",
            "namespace": "sandbox_namespace",
            "language": "en",
            "status": "approved",
            "body": INVOICE_BODY,
            "params": 4,
            "buttons": [{"type": "url", "text": "Pay invoice"}],
        },
        {
            "name": "invoice_reminder",
            "namespace": "sandbox_namespace",
            "language": "en",
            "status": "approved",
            "body": REMINDER_BODY,
            "params": 6,
            "buttons": [
                {"type": "quick_reply", "text": "Paid already"},
                {"type": "quick_reply", "text": "Need more time"},
                {"type": "quick_reply", "text": "Dispute"},
            ],
        },
    ]


@dataclass
class SandboxConfig:
    channel_id: str = "sandbox"
    token: str = "sandbox-token"  # noqa: S105 - the sandbox's published demo token
    latency: float = 0.0  # fixed delay before every sendTemplate answer
    ack_delay: float = 0.3  # between pushed acks
    hang: float = 30.0  # how long a "read timeout" phone keeps the caller waiting
    push_retries: int = 0  # further tries of a push that failed (refused, timeout, 5xx)
    templates: list[dict[str, Any]] = field(default_factory=default_templates)


class Sandbox:
    """Start with ``start()`` (port 0 = any free port), stop with ``stop()``."""

    def __init__(self, config: SandboxConfig | None = None) -> None:
        self.config = config or SandboxConfig()
        self.lock = threading.Lock()
        self.webhook_urls: list[str] = []
        self.sends: list[dict[str, Any]] = []
        self.hooks: dict[str, list[dict[str, Any]]] = {}
        self.tries: dict[str, int] = {}
        self._pushes: list[tuple[float, int, dict]] = []
        self._seq = itertools.count()
        self._wake = threading.Condition(self.lock)
        self._stopping = False
        self.fault: dict[str, Any] | None = None  # an outage window set by POST /_sandbox/faults
        self.server: ThreadingHTTPServer | None = None

    # --- lifecycle ----------------------------------------------------------------------------
    def start(self, host: str = "127.0.0.1", port: int = 0) -> "Sandbox":
        handler = type("Handler", (SandboxHandler,), {"sandbox": self})
        self.server = ThreadingHTTPServer((host, port), handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True, name="sandbox-http").start()
        threading.Thread(target=self._push_loop, daemon=True, name="sandbox-acks").start()
        return self

    def stop(self) -> None:
        with self.lock:
            self._stopping = True
            self._wake.notify_all()
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    # --- sendTemplate ---------------------------------------------------------------------------
    def send_template(self, body: Any) -> tuple[int, dict, dict]:
        """(status, answer, headers) for one sendTemplate call; records it."""
        if self.config.latency:
            time.sleep(self.config.latency)
        outage = self._outage(body)
        if outage is not None:
            return outage
        problem = self._invalid(body)
        if problem is not None:
            return problem
        phone = body["phone"]
        script = phone[-2:]
        with self.lock:
            self.tries[phone] = self.tries.get(phone, 0) + 1
            first_try = self.tries[phone] == 1
        if script == "05" and first_try:
            return self._record(body, 429, {"message": "Too many requests"}, {"Retry-After": "1"})
        if script == "09":
            return self._record(
                body, 200, {"sent": False, "message": "(#131026) Message undeliverable"}
            )
        message_id = "wamid.SBX" + secrets.token_hex(12)
        if script == "08":
            self._schedule_acks(phone, "wamid.SBX" + secrets.token_hex(12))
            return self._record(body, 200, {"sent": False, "jobId": secrets.token_hex(8)})
        self._schedule_acks(phone, message_id)
        if script == "06":
            return self._record(body, 500, {"error": "Internal Server Error"})
        answer = {"sent": True, "id": message_id, "message": "ok", "description": "Message queued"}
        if script == "07":
            self._record(body, 200, answer)
            time.sleep(self.config.hang)
            return 200, answer, {}
        return self._record(body, 200, answer)

    def set_fault(self, spec: Any) -> tuple[int, dict]:
        """Fail every sendTemplate for ``seconds``: with ``status`` (e.g. 500) or after ``hang``
        seconds of silence (the caller's read timeout); ``{}`` ends the outage."""
        if not isinstance(spec, dict):
            return 400, {"message": "a JSON object is required"}
        seconds = spec.get("seconds", 0)
        status, hang = spec.get("status"), spec.get("hang")
        if not isinstance(seconds, int | float) or (status is None and hang is None):
            with self.lock:
                self.fault = None
            return 200, {"fault": None}
        fault = {"status": int(status or 504), "hang": float(hang or 0)}
        with self.lock:
            self.fault = fault | {"until": time.time() + float(seconds)}
        return 200, {"fault": fault, "seconds": seconds}

    def _outage(self, body: Any) -> tuple[int, dict, dict] | None:
        with self.lock:
            fault = self.fault if self.fault and self.fault["until"] > time.time() else None
        if fault is None:
            return None
        if fault["hang"]:
            time.sleep(fault["hang"])
        with self.lock:
            self.sends.append(
                {
                    "body": body,
                    "status": fault["status"],
                    "answer": {"error": "Service Unavailable"},
                    "at": time.time(),
                    "fault": True,
                }
            )
        return fault["status"], {"error": "Service Unavailable"}, {}

    def _invalid(self, body: Any) -> tuple[int, dict, dict] | None:
        if not isinstance(body, dict):
            return 400, {"message": "Request body must be a JSON object"}, {}
        language = body.get("language")
        if not body.get("template") or not body.get("namespace") or not isinstance(language, dict):
            return 400, {"message": "template is not defined"}, {}
        phone = str(body.get("phone") or "")
        if not phone.isdigit() or not 8 <= len(phone) <= 15:
            return 400, {"message": "phone must be digits with the country code, without +"}, {}
        if language.get("policy") != "deterministic" or not language.get("code"):
            return 400, {"message": "language must be {policy: deterministic, code}"}, {}
        template = self._template(body["template"], body["namespace"], language["code"])
        if template is None:
            text = "(#132001) Template name does not exist in the translation"
            return 200, {"sent": False, "message": text}, {}
        quick = [b for b in template.get("buttons", []) if b["type"] == "quick_reply"]
        if _param_count(body.get("params"), len(quick)) != template["params"]:
            text = "(#132000) Number of parameters does not match the expected number of params"
            return 422, {"sent": False, "message": text}, {}
        return None

    def _template(self, name: str, namespace: str, language: str) -> dict | None:
        return next(
            (
                t
                for t in self.config.templates
                if (t["name"], t["namespace"], t["language"]) == (name, namespace, language)
            ),
            None,
        )

    def _record(self, body, status: int, answer: dict, headers: dict | None = None):
        with self.lock:
            self.sends.append({"body": body, "status": status, "answer": answer, "at": time.time()})
        return status, answer, headers or {}

    # --- acks -----------------------------------------------------------------------------------
    def _schedule_acks(self, phone: str, message_id: str) -> None:
        script = phone[-2:]
        flow = {
            "01": ("failed",),
            "02": ("sent",),
            "03": ("sent", "sent", "delivered", "delivered", "read", "read"),
            "04": ("read", "delivered", "sent"),
        }.get(script, DEFAULT_FLOW)
        now = time.time()
        with self.lock:
            for step, status in enumerate(flow, 1):
                ack = {
                    "id": message_id,
                    "status": status,
                    "phone": phone,
                    "chatId": f"{phone}@c.us",
                }
                if status == "failed":
                    ack["error"] = EXPERIMENT
                due = now + step * self.config.ack_delay
                heapq.heappush(self._pushes, (due, next(self._seq), ack))
            self._wake.notify_all()

    def _next_push(self) -> dict | None:
        with self.lock:
            while not self._stopping:
                if self._pushes and self._pushes[0][0] <= time.time():
                    return heapq.heappop(self._pushes)[2]
                timeout = self._pushes[0][0] - time.time() if self._pushes else 1.0
                self._wake.wait(timeout=max(0.01, min(timeout, 1.0)))
        return None

    # --- scripted customer replies ----------------------------------------------------------------
    def reply(self, spec: Any) -> tuple[int, dict]:
        """Push a customer's reply to one of our sent messages: a button tap (``button``, its
        text) or typed ``text``; ``format`` "1msg" (default) or "meta"; ``id`` to repeat one
        reply; ``payload: false`` leaves the button payload out; ``fromMe`` for an echo."""
        if not isinstance(spec, dict) or not isinstance(spec.get("messageId"), str):
            return 400, {"message": "messageId is required"}
        with self.lock:
            sent = next((x for x in self.sends if x["answer"].get("id") == spec["messageId"]), None)
        if sent is None:
            return 404, {"message": "no message with that id was sent"}
        button, text = spec.get("button"), spec.get("text")
        if not isinstance(button, str) and not isinstance(text, str):
            return 400, {"message": "button or text is required"}
        reply_id = spec.get("id") or "wamid.SBXR" + secrets.token_hex(12)
        payload = _button_payload(sent["body"], button) if spec.get("payload", True) else None
        element = _reply_element(sent["body"]["phone"], spec, reply_id, payload)
        with self.lock:
            heapq.heappush(self._pushes, (time.time(), next(self._seq), {"_reply": element}))
            self._wake.notify_all()
        return 200, {"id": reply_id}

    def _push_loop(self) -> None:
        session = requests.Session()
        while (ack := self._next_push()) is not None:
            if "_retry" in ack:
                self._post(session, ack["url"], ack["_retry"], ack["attempt"])
                continue
            if "_reply" in ack:
                self._post_all(session, ack["_reply"])
                continue
            with self.lock:
                self.hooks.setdefault(ack["id"], []).append(_hook_info(ack))
            self._post_all(session, {"instanceId": self.config.channel_id, "ack": [ack]})

    def _post_all(self, session, body: dict) -> None:
        with self.lock:
            urls = list(self.webhook_urls)
        for url in urls:
            self._post(session, url, body, 0)

    def _post(self, session, url: str, body: dict, attempt: int) -> None:
        try:
            failed = session.post(url, json=body, timeout=5).status_code >= 500
        except requests.RequestException as exc:
            logger.warning("sandbox: push failed: %s", type(exc).__name__)
            failed = True
        if failed and attempt < self.config.push_retries:
            retry = {"_retry": body, "url": url, "attempt": attempt + 1}
            with self.lock:
                due = time.time() + 0.5 * 2**attempt
                heapq.heappush(self._pushes, (due, next(self._seq), retry))


def _button_payload(sent_body: dict, button: Any) -> str | None:
    """The payload our send attached to the tapped button (matched by position of its text)."""
    if not isinstance(button, str):
        return None
    name = sent_body.get("template")
    template = next((t for t in default_templates() if t["name"] == name), None)
    texts = [b["text"] for b in (template or {}).get("buttons", []) if b["type"] == "quick_reply"]
    buttons = [p for p in sent_body.get("params", [])[1:] if _is_quick_reply(p)]
    if button not in texts or len(buttons) != len(texts):
        return None
    return buttons[texts.index(button)]["parameters"][0]["payload"]


def _reply_element(phone: str, spec: dict, reply_id: str, payload: str | None) -> dict:
    """The webhook body of one reply, as 1MSG sends it or in raw Meta format."""
    button, text, now = spec.get("button"), spec.get("text"), int(time.time())
    if spec.get("format") == "meta":
        item = {"from": phone, "id": reply_id, "timestamp": str(now)}
        item["context"] = {"id": spec["messageId"]}
        if isinstance(button, str):
            item |= {"type": "button", "button": {"payload": payload or "", "text": button}}
        else:
            item |= {"type": "text", "text": {"body": text}}
        return {
            "object": "whatsapp_business_account",
            "entry": [{"changes": [{"value": {"messages": [item]}}]}],
        }
    item = {
        "id": reply_id,
        "body": button if isinstance(button, str) else text,
        "type": "button" if isinstance(button, str) else "chat",
        "fromMe": bool(spec.get("fromMe", False)),
        "author": f"{phone}@c.us",
        "chatId": f"{phone}@c.us",
        "senderName": "Sandbox customer",
        "quotedMsgId": spec["messageId"],
        "time": now,
    }
    if payload:
        item["payload"] = payload
    return {"messages": [item]}


def _param_count(params: Any, quick_replies: int = 0) -> int:
    """The body's parameter count; -1 unless the body entry comes first and every quick-reply
    button of the template has its payload entry."""
    if not isinstance(params, list):
        return -1
    bodies = [p for p in params if isinstance(p, dict) and p.get("type") == "body"]
    buttons = [p for p in params[1:] if _is_quick_reply(p)]
    if len(bodies) != 1 or params[0] is not bodies[0] or len(buttons) != quick_replies:
        return -1
    if len(params) != 1 + quick_replies:
        return -1
    values = bodies[0].get("parameters")
    ok = isinstance(values, list) and all(
        isinstance(v, dict) and v.get("type") == "text" and isinstance(v.get("text"), str)
        for v in values
    )
    return len(values) if ok else -1


def _hook_info(ack: dict) -> dict:
    hook = {
        "id": ack["id"],
        "type": "message",
        "status": ack["status"],
        "timestamp": str(int(time.time())),
        "recipient_id": ack["phone"],
    }
    if ack["status"] == "failed":
        hook["errors"] = [{"code": 130472, "title": ack["error"]}]
    return hook


class SandboxHandler(BaseHTTPRequestHandler):
    sandbox: Sandbox
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # without it every answer waits ~40 ms (Nagle + delayed ACK)

    def log_message(self, format, *args):
        logger.debug("sandbox: " + format, *args)

    def _answer(self, status: int, data: Any, headers: dict | None = None) -> None:
        payload = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def _drain(self) -> bytes:
        """Read the body before any answer: nothing may be left on a keep-alive connection."""
        if self.headers.get("Transfer-Encoding"):
            self.close_connection = True  # no chunked decoding here: never reuse the connection
            return b""
        try:
            length = max(0, int(self.headers.get("Content-Length") or 0))
        except ValueError:
            self.close_connection = True
            return b""
        return self.rfile.read(length) if length else b""

    def _body(self) -> Any:
        try:
            return json.loads(self._raw)
        except ValueError:
            return None

    def _route(self) -> tuple[str, dict] | None:
        self._raw = self._drain()
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        segments = [s for s in parts.path.split("/") if s]
        if segments[:1] == ["_sandbox"]:
            return "/".join(segments), query
        if len(segments) != 2:
            self._answer(404, {"error": "Not found"})
            return None
        channel, method = segments
        token = query.get("token") or self.headers.get("Authorization", "").removeprefix("Bearer ")
        config = self.sandbox.config
        if channel != config.channel_id or token != config.token:
            text = f'Wrong token "{token}" for channel "{channel}". Check your credentials.'
            self._answer(401, {"error": text})
            return None
        return method, query

    def do_GET(self):
        route = self._route()
        if route is None:
            return
        method, query = route
        box = self.sandbox
        if method == "webhook":
            with box.lock:  # a string, as 1MSG's SDKs type it: "a,b" when several are set
                self._answer(200, {"webhookUrl": ",".join(box.webhook_urls)})
        elif method == "hookInfo":
            with box.lock:
                self._answer(200, {"hooks": list(box.hooks.get(query.get("messageId", ""), []))})
        elif method == "templates":
            templates = box.config.templates
            self._answer(200, {"total": len(templates), "templates": templates})
        elif method == "_sandbox/sends":
            with box.lock:
                self._answer(200, {"sends": list(box.sends)})
        elif method == "_sandbox/hooks":  # every ack pushed so far, by message id
            with box.lock:
                self._answer(200, {"hooks": {k: list(v) for k, v in box.hooks.items()}})
        else:
            self._answer(404, {"error": "Not found"})

    def do_POST(self):
        route = self._route()
        if route is None:
            return
        method, _ = route
        body = self._body()
        if method == "sendTemplate":
            self._answer(*self.sandbox.send_template(body))
        elif method == "webhook":
            self._set_webhook(body)
        elif method == "_sandbox/reply":
            self._answer(*self.sandbox.reply(body))
        elif method == "_sandbox/faults":
            self._answer(*self.sandbox.set_fault(body))
        else:
            self._answer(404, {"error": "Not found"})

    def _unsupported(self):
        self._raw = self._drain()
        self._answer(405, {"error": "Method not allowed"})

    do_PUT = do_PATCH = do_DELETE = _unsupported

    def _set_webhook(self, body: Any) -> None:
        value = body.get("webhookUrl") if isinstance(body, dict) else None
        urls = [value] if isinstance(value, str) else value
        if not isinstance(urls, list) or not all(isinstance(u, str) for u in urls) or len(urls) > 5:
            self._answer(400, {"message": "webhookUrl must be a URL or a list of up to 5 URLs"})
            return
        with self.sandbox.lock:
            self.sandbox.webhook_urls = list(urls)
        self._answer(200, {"set": True, "message": ",".join(urls)})


def _is_quick_reply(param: Any) -> bool:
    if not isinstance(param, dict) or param.get("sub_type") != "quick_reply":
        return False
    values = param.get("parameters")
    return (
        param.get("type") == "button"
        and isinstance(values, list)
        and len(values) == 1
        and isinstance(values[0], dict)
        and values[0].get("type") == "payload"
        and isinstance(values[0].get("payload"), str)
    )
