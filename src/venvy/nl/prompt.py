"""The one prompt shared by the dataset, training and inference.

Training renders it with the tokenizer's chat template; inference renders the
same messages with the chat template stored in the GGUF file; both go through
render(), so the text the model sees is identical in both places.

The model answers with the command without its "venvy " prefix (fewer tokens
to generate), or with "none" when venvy cannot serve the request.
"""

from __future__ import annotations

from functools import lru_cache

from venvy.nl.contract import NONE, PREFIX

PROMPT_VERSION = 1
SYSTEM = "Translate the request into one venvy command, or none."
MAX_REQUEST_CHARS = 400


def messages(request: str, few_shot=()) -> list[dict]:
    """The chat messages; few_shot: (request, command-or-None) pairs shown as prior turns."""
    out = [{"role": "system", "content": SYSTEM}]
    for shot_request, shot_command in few_shot:
        out.append({"role": "user", "content": shot_request})
        out.append({"role": "assistant", "content": response(shot_command)})
    out.append({"role": "user", "content": request})
    return out


def render(
    request: str, chat_template: str, bos_token: str = "", eos_token: str = "", few_shot=()
) -> str:
    """The prompt text up to where the model starts its answer."""
    return _template(chat_template).render(
        messages=messages(request, few_shot),
        add_generation_prompt=True,
        bos_token=bos_token,
        eos_token=eos_token,
    )


@lru_cache(maxsize=8)
def _template(chat_template: str):
    """The compiled chat template (compiling costs about 5 ms; a parse renders it twice)."""
    import jinja2

    return jinja2.Environment(trim_blocks=True, lstrip_blocks=True).from_string(chat_template)


def response(command: str | None) -> str:
    """Dataset output ("venvy ls --format json" or "") -> the model's answer."""
    if not command:
        return NONE
    return command[len(PREFIX) + 1 :] if command.startswith(PREFIX + " ") else command


def command(answer: str) -> str | None:
    """The model's answer -> "venvy ..." or None for no command."""
    answer = answer.strip()
    if not answer or answer == NONE:
        return None
    return f"{PREFIX} {answer}"
