"""Language-model providers for the consultation assistant, chosen by ``settings.CONSULT_PROVIDER``.

The default is none: the assistant answers from the retrieved articles alone. A provider only rewrites that
answer in plain words; it is given the question with personal data removed and the retrieved passages, numbered,
and nothing else. Its text is accepted only when it cites at least one passage by its number (``[1]``) and no
number it was not given; otherwise, and on any error or timeout, the caller falls back to the retrieval answer.
"""

import re
from dataclasses import dataclass

import httpx
from django.conf import settings

SYSTEM_PROMPT = (
    "你是劳动争议调解平台的咨询助手。只能依据用户消息中编号列出的条文和指南回答，不得使用其他知识，不得编造条文。"
    "用通俗的中文回答劳动者的问题，每个要点后用方括号标出所依据的条文编号，例如 [1]。"
    "如果所给条文不足以回答，就直接说明并建议申请调解或咨询法律援助。不要给出确定的胜诉判断。回答不超过300字。"
)
CITATION = re.compile(r"\[(\d{1,2})\]")


class ProviderError(Exception):
    """The provider could not give a grounded answer (network, HTTP status, bad body, no valid citation)."""


@dataclass(frozen=True)
class Passage:
    number: int
    title: str
    text: str


def build_user_message(*, question: str, passages: list[Passage]) -> str:
    listed = "\n\n".join(f"[{p.number}] {p.title}\n{p.text}" for p in passages)
    return f"可依据的条文和指南：\n\n{listed}\n\n劳动者的问题：{question}"


def check_grounded(text: str, *, passages: list[Passage]) -> str:
    """``text`` if it cites at least one given passage and none that was not given; ProviderError otherwise."""
    cited = {int(n) for n in CITATION.findall(text or "")}
    allowed = {p.number for p in passages}
    if not cited or not cited <= allowed:
        raise ProviderError("answer does not cite the retrieved passages")
    return text.strip()


class OpenAICompatibleProvider:
    """Any OpenAI-compatible ``POST {base_url}/chat/completions`` endpoint, over httpx with a timeout."""

    name = "openai"

    def __init__(self, *, base_url: str, api_key: str, model: str, timeout: float, transport=None):
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.model = model
        self.timeout = timeout
        self.transport = transport

    def compose(self, *, question: str, passages: list[Passage]) -> str:
        body = {
            "model": self.model,
            "temperature": 0.2,
            "messages": [
                {"role": "system", "content": SYSTEM_PROMPT},
                {"role": "user", "content": build_user_message(question=question, passages=passages)},
            ],
        }
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        try:
            with httpx.Client(timeout=self.timeout, transport=self.transport) as client:
                response = client.post(f"{self.base_url}/chat/completions", json=body, headers=headers)
            response.raise_for_status()
            text = response.json()["choices"][0]["message"]["content"]
        except (httpx.HTTPError, ValueError, KeyError, IndexError, TypeError) as exc:
            raise ProviderError(str(exc)) from exc
        if not isinstance(text, str):
            raise ProviderError("no text in the answer")
        return check_grounded(text, passages=passages)


def configured_provider():
    """The provider the settings name, or None (retrieval only). An unknown name or a missing URL is None too:
    the assistant must keep answering whatever the configuration."""
    name = (settings.CONSULT_PROVIDER or "").strip().lower()
    if name == "openai" and settings.CONSULT_LLM_BASE_URL and settings.CONSULT_LLM_MODEL:
        return OpenAICompatibleProvider(
            base_url=settings.CONSULT_LLM_BASE_URL,
            api_key=settings.CONSULT_LLM_API_KEY,
            model=settings.CONSULT_LLM_MODEL,
            timeout=settings.CONSULT_LLM_TIMEOUT_SECONDS,
        )
    return None
