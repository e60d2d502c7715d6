"""The language-model adapter against a fake OpenAI-compatible server on 127.0.0.1: a grounded answer is used,
anything else falls back to the retrieval answer; the prompt holds only the retrieved articles and the scrubbed
question."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.test import override_settings

from knowledge.providers import OpenAICompatibleProvider, Passage, ProviderError, configured_provider
from knowledge.services import consultation_ask


class FakeServer:
    def __init__(self):
        self.requests: list[dict] = []
        self.reply: dict | None = None
        self.status = 200
        self.delay = 0.0
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers["Content-Length"])
                fake.requests.append(
                    {
                        "path": self.path,
                        "auth": self.headers.get("Authorization"),
                        "body": json.loads(self.rfile.read(length)),
                    }
                )
                time.sleep(fake.delay)
                body = json.dumps(fake.reply).encode()
                self.send_response(fake.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/v1"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def answer(self, text: str):
        self.reply = {"choices": [{"message": {"role": "assistant", "content": text}}]}

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake():
    server = FakeServer()
    yield server
    server.close()


def provider_for(fake, timeout=2.0):
    return OpenAICompatibleProvider(base_url=fake.url, api_key="k-test", model="m-test", timeout=timeout)


PASSAGES = [Passage(number=1, title="《劳动合同法》第三十条", text="用人单位应当……及时足额支付劳动报酬。")]


def test_a_grounded_answer_is_returned(fake):
    fake.answer("单位应当按时足额发工资 [1]。")
    assert (
        provider_for(fake).compose(question="工资没发", passages=PASSAGES) == "单位应当按时足额发工资 [1]。"
    )
    (request,) = fake.requests
    assert request["path"] == "/v1/chat/completions"
    assert request["auth"] == "Bearer k-test"
    assert request["body"]["model"] == "m-test"
    user = request["body"]["messages"][1]["content"]
    assert "[1] 《劳动合同法》第三十条" in user and "工资没发" in user


@pytest.mark.parametrize("text", ["单位应当发工资。", "见 [3]。", ""])
def test_an_answer_without_valid_citations_is_refused(fake, text):
    fake.answer(text)
    with pytest.raises(ProviderError):
        provider_for(fake).compose(question="工资没发", passages=PASSAGES)


def test_http_errors_bad_bodies_and_timeouts_are_provider_errors(fake):
    fake.status = 500
    fake.answer("[1]")
    with pytest.raises(ProviderError):
        provider_for(fake).compose(question="q", passages=PASSAGES)
    fake.status = 200
    fake.reply = {"unexpected": True}
    with pytest.raises(ProviderError):
        provider_for(fake).compose(question="q", passages=PASSAGES)
    fake.answer("[1]")
    fake.delay = 0.5
    with pytest.raises(ProviderError):
        provider_for(fake, timeout=0.1).compose(question="q", passages=PASSAGES)


def test_settings_choose_the_provider(fake):
    assert configured_provider() is None  # the default: no external service
    with override_settings(CONSULT_PROVIDER="openai", CONSULT_LLM_BASE_URL=fake.url, CONSULT_LLM_MODEL="m"):
        assert isinstance(configured_provider(), OpenAICompatibleProvider)
    with override_settings(CONSULT_PROVIDER="openai", CONSULT_LLM_BASE_URL="", CONSULT_LLM_MODEL="m"):
        assert configured_provider() is None
    with override_settings(CONSULT_PROVIDER="something-else"):
        assert configured_provider() is None


@pytest.mark.django_db
def test_the_assistant_uses_a_grounded_provider_answer_and_keeps_citations(fake):
    fake.answer("可以先申请调解，也可以投诉 [1][2]。")
    with override_settings(CONSULT_PROVIDER="openai", CONSULT_LLM_BASE_URL=fake.url, CONSULT_LLM_MODEL="m"):
        answer, log = consultation_ask(question="我叫张三，电话13812345678，老板欠我三个月工资没发")
    assert answer.provider == "openai" and log.provider == "openai"
    assert "可以先申请调解，也可以投诉 [1][2]。" in answer.answer
    assert answer.citations and f"[1] {answer.citations[0].title}" in answer.answer
    sent = json.dumps(fake.requests[0]["body"], ensure_ascii=False)
    assert "张三" not in sent and "13812345678" not in sent and "[手机号]" in sent
    # Only the retrieved articles go in the prompt: each passage is one of the citations.
    user = fake.requests[0]["body"]["messages"][1]["content"]
    for number, citation in enumerate(answer.citations, start=1):
        assert f"[{number}] {citation.title}" in user
    assert f"[{len(answer.citations) + 1}]" not in user


@pytest.mark.django_db
def test_a_failing_provider_falls_back_to_the_retrieval_answer(fake):
    fake.status = 503
    fake.answer("[1]")
    with override_settings(CONSULT_PROVIDER="openai", CONSULT_LLM_BASE_URL=fake.url, CONSULT_LLM_MODEL="m"):
        answer, log = consultation_ask(question="老板欠我三个月工资没发")
    assert answer.provider == "retrieval" and answer.provider_failed and log.provider_failed
    assert "相关的法律规定和办事指南" in answer.answer
