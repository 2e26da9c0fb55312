#!/usr/bin/env python3
"""Writes tests/data/server/bad_requests/: malformed /v1/completions and /v1/chat/completions
bodies, each with the HTTP status and a substring the server's error message must contain
(manifest.tsv: file, endpoint, status, substring). Used by tests/unit/server_request_test.cpp,
tests/integration/server_test.py and as seeds for tests/fuzz/server_request_fuzz.cpp."""
import json
import os

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "server", "bad_requests")

C, CHAT = "completions", "chat"
ok_msgs = [{"role": "user", "content": "hi"}]
CASES = [
    # (name, endpoint, body (str = raw bytes as UTF-8, else JSON-encoded), status, substring)
    ("empty", C, "", 400, "empty input"),
    ("not_json", C, "hello", 400, "invalid JSON"),
    ("truncated", C, '{"prompt": "a"', 400, "invalid JSON"),
    ("trailing_garbage", C, '{"prompt": "a"} x', 400, "invalid JSON"),
    ("nul_byte", C, '{"prompt": "a\x00"}', 400, "NUL byte"),
    ("array_body", C, [1, 2], 400, "must be a JSON object"),
    ("string_body", C, "\"x\"", 400, "must be a JSON object"),
    ("duplicate_key", C, '{"prompt": "a", "prompt": "b"}', 400, "duplicate key"),
    ("deep_nesting", C, '{"prompt": "a", "x": ' + "[" * 40 + "]" * 40 + "}", 400, "nesting deeper"),
    ("missing_prompt", C, {}, 400, "'prompt' is required"),
    ("prompt_null", C, {"prompt": None}, 400, "'prompt' is required"),
    ("prompt_number", C, {"prompt": 5}, 400, "'prompt' must be a string"),
    ("prompt_object", C, {"prompt": {"a": 1}}, 400, "'prompt' must be a string"),
    ("prompt_empty_array", C, {"prompt": []}, 400, "must not be an empty array"),
    ("prompt_two", C, {"prompt": ["a", "b"]}, 400, "holds 2 prompts"),
    ("prompt_negative_id", C, {"prompt": [1, -3]}, 400, "'prompt[1]' must be a token id"),
    ("prompt_fraction_id", C, {"prompt": [1.5]}, 400, "'prompt[0]' must be a token id"),
    ("prompt_mixed_ids", C, {"prompt": [1, "a"]}, 400, "'prompt[1]' must be a token id"),
    ("temperature_string", C, {"prompt": "a", "temperature": "hot"}, 400, "'temperature' must be a number"),
    ("temperature_range", C, {"prompt": "a", "temperature": 2.5}, 400, "'temperature' must be between 0 and 2"),
    ("temperature_huge", C, '{"prompt": "a", "temperature": 1e400}', 400, "invalid JSON"),
    ("top_p_range", C, {"prompt": "a", "top_p": -0.1}, 400, "'top_p' must be between 0 and 1"),
    ("min_p_range", C, {"prompt": "a", "min_p": 1.5}, 400, "'min_p' must be between 0 and 1"),
    ("top_k_fraction", C, {"prompt": "a", "top_k": 3.5}, 400, "'top_k' must be an integer, got a fraction"),
    ("top_k_negative", C, {"prompt": "a", "top_k": -1}, 400, "'top_k' must be between 0"),
    ("presence_range", C, {"prompt": "a", "presence_penalty": 3}, 400, "'presence_penalty' must be between -2 and 2"),
    ("frequency_string", C, {"prompt": "a", "frequency_penalty": "1"}, 400, "'frequency_penalty' must be a number"),
    ("repeat_penalty_zero", C, {"prompt": "a", "repeat_penalty": 0}, 400, "'repeat_penalty' must be between"),
    ("max_tokens_negative", C, {"prompt": "a", "max_tokens": -5}, 400, "'max_tokens' must be between 0"),
    ("max_tokens_huge", C, {"prompt": "a", "max_tokens": 99999999999}, 400, "'max_tokens' must be between 0"),
    ("max_tokens_bool", C, {"prompt": "a", "max_tokens": True}, 400, "'max_tokens' must be an integer, got boolean"),
    ("seed_fraction", C, {"prompt": "a", "seed": 1.5}, 400, "'seed' must be an integer"),
    ("seed_too_big", C, '{"prompt": "a", "seed": 18446744073709551615}', 400, "'seed' must be between"),
    ("stop_number", C, {"prompt": "a", "stop": 3}, 400, "'stop' must be a string or an array"),
    ("stop_empty", C, {"prompt": "a", "stop": ""}, 400, "'stop' must not be empty"),
    ("stop_nested", C, {"prompt": "a", "stop": [["x"]]}, 400, "'stop[0]' must be a string"),
    ("stop_too_many", C, {"prompt": "a", "stop": [str(i) for i in range(17)]}, 400, "at most 16"),
    ("stop_too_long", C, {"prompt": "a", "stop": ["x" * 1025]}, 400, "longer than 1024 bytes"),
    ("n_two", C, {"prompt": "a", "n": 2}, 400, "'n' is not supported"),
    ("best_of", C, {"prompt": "a", "best_of": 3}, 400, "'best_of' is not supported"),
    ("logprobs", C, {"prompt": "a", "logprobs": 5}, 400, "'logprobs' is not supported"),
    ("echo", C, {"prompt": "a", "echo": True}, 400, "'echo' is not supported"),
    ("logit_bias", C, {"prompt": "a", "logit_bias": {"1": 5}}, 400, "'logit_bias' is not supported"),
    ("stream_string", C, {"prompt": "a", "stream": "yes"}, 400, "'stream' must be a boolean"),
    ("stream_options_number", C, {"prompt": "a", "stream_options": 1}, 400, "'stream_options' must be an object"),
    ("include_usage_string", C, {"prompt": "a", "stream_options": {"include_usage": "y"}}, 400, "'stream_options.include_usage' must be a boolean"),
    ("model_number", C, {"prompt": "a", "model": 7}, 400, "'model' must be a string"),
    ("chat_missing_messages", CHAT, {}, 400, "'messages' is required"),
    ("chat_messages_object", CHAT, {"messages": {}}, 400, "'messages' must be an array"),
    ("chat_messages_empty", CHAT, {"messages": []}, 400, "'messages' must not be empty"),
    ("chat_message_string", CHAT, {"messages": ["hi"]}, 400, "'messages[0]' must be an object"),
    ("chat_role_missing", CHAT, {"messages": [{"content": "hi"}]}, 400, "'messages[0].role' must be a string"),
    ("chat_role_unknown", CHAT, {"messages": [{"role": "wizard", "content": "hi"}]}, 400, "expected system"),
    ("chat_content_missing", CHAT, {"messages": [{"role": "user"}]}, 400, "'messages[0].content' is required"),
    ("chat_content_number", CHAT, {"messages": [{"role": "user", "content": 3}]}, 400, "must be a string or an array of text parts"),
    ("chat_image_part", CHAT, {"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}]}, 400, "only text parts are supported"),
    ("chat_part_no_text", CHAT, {"messages": [{"role": "user", "content": [{"type": "text"}]}]}, 400, "'messages[0].content[0].text' must be a string"),
    ("chat_second_bad", CHAT, {"messages": ok_msgs + [{"role": "user", "content": None}]}, 400, "'messages[1].content' is required"),
    ("chat_max_completion_tokens", CHAT, {"messages": ok_msgs, "max_completion_tokens": -1}, 400, "'max_completion_tokens' must be between 0"),
    ("chat_tools", CHAT, {"messages": ok_msgs, "tools": [{"type": "function"}]}, 400, "'tools' is not supported"),
    ("chat_temperature_null_ok_but_top_p_bad", CHAT, {"messages": ok_msgs, "temperature": None, "top_p": 7}, 400, "'top_p' must be between 0 and 1"),
]


def main():
    os.makedirs(OUT, exist_ok=True)
    for f in os.listdir(OUT):
        os.remove(os.path.join(OUT, f))
    lines = []
    for i, (name, ep, body, status, sub) in enumerate(CASES):
        fname = f"{i:03d}_{name}.json"
        data = body if isinstance(body, str) else json.dumps(body)
        with open(os.path.join(OUT, fname), "wb") as f:
            f.write(data.encode("utf-8"))
        lines.append(f"{fname}\t{ep}\t{status}\t{sub}")
    with open(os.path.join(OUT, "manifest.tsv"), "w", encoding="utf-8") as f:
        f.write("# file\tendpoint\tstatus\tmessage substring (written by tests/ref/make_bad_requests.py)\n")
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
