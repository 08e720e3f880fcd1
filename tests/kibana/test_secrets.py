"""Credentials with bad characters, and secrets quoted back by a server."""

from __future__ import annotations

import base64
import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote, quote_plus

import pytest
from dac.errors import ConfigError
from dac.kibana import (
    Credentials,
    KibanaBadRequestError,
    KibanaClient,
    RetryPolicy,
    api_key_credentials,
    basic_credentials,
)
from dac.kibana.redact import mask_secrets, mask_url_passwords, secret_forms

from kibana.echo_server import EchoServer

SECRET = "FAKESECRET_kibana_7f3a"


def forms_of(secret: str) -> list[str]:
    """Return the secret and its base64 form, the strings a leak would show."""
    return [secret, base64.b64encode(secret.encode()).decode("ascii")]


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        (f"{SECRET}\nsecond line", "line break"),
        (f"{SECRET}\r\nX", "line break"),
        (f"{SECRET}\x07X", "control character U+0007"),
        (f"{SECRET}\x1bX", "control character U+001B"),
    ],
)
def test_env_api_key_control_character(monkeypatch, value, kind):
    monkeypatch.setenv("DAC_TEST_KEY", value)

    with pytest.raises(ConfigError) as caught:
        api_key_credentials(env="DAC_TEST_KEY")

    message = str(caught.value)
    assert "environment variable DAC_TEST_KEY" in message
    assert kind in message
    assert SECRET not in message


def test_file_api_key_two_lines(tmp_path):
    key_file = tmp_path / "key"
    key_file.write_text(f"{SECRET}\nsecond line\n", encoding="utf-8")

    with pytest.raises(ConfigError) as caught:
        api_key_credentials(file=str(key_file))

    message = str(caught.value)
    assert f"credential file {key_file}" in message
    assert "line break" in message
    assert SECRET not in message
    assert "second line" not in message


def test_api_key_non_ascii_rejected(tmp_path):
    key_file = tmp_path / "key"
    key_file.write_text(f"{SECRET}\u2019", encoding="utf-8")

    with pytest.raises(ConfigError) as caught:
        api_key_credentials(file=str(key_file))

    assert "non-ASCII character U+2019" in str(caught.value)
    assert SECRET not in str(caught.value)


def test_basic_password_with_line_break(monkeypatch):
    monkeypatch.setenv("DAC_TEST_PASSWORD", f"{SECRET}\nX")

    with pytest.raises(ConfigError) as caught:
        basic_credentials("elastic", password_env="DAC_TEST_PASSWORD")

    assert "environment variable DAC_TEST_PASSWORD" in str(caught.value)
    assert SECRET not in str(caught.value)


def test_env_api_key_whitespace_stripped(monkeypatch):
    monkeypatch.setenv("DAC_TEST_KEY", f" {SECRET}\r\n")

    credentials = api_key_credentials(env="DAC_TEST_KEY")

    assert credentials.header() == f"ApiKey {SECRET}"


def test_unsendable_header_is_config_error():
    # A Credentials built directly skips the checks made when a secret is read.
    credentials = Credentials("ApiKey", "env DAC_TEST_KEY", f"{SECRET}\nX")
    client = KibanaClient(
        "http://127.0.0.1:9", credentials=credentials, retry=RetryPolicy(1)
    )

    with pytest.raises(ConfigError) as caught:
        client.request("GET", "/api/status")

    message = str(caught.value)
    assert "env DAC_TEST_KEY" in message
    assert "one line without control characters" in message
    assert SECRET not in message
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__


@pytest.mark.parametrize("scheme", ["ApiKey", "Basic"])
def test_echoed_credential_masked(caplog, scheme):
    caplog.set_level(logging.DEBUG)
    if scheme == "ApiKey":
        encoded = base64.b64encode(f"key-id:{SECRET}".encode()).decode("ascii")
        credentials = Credentials("ApiKey", "test", encoded)
    else:
        pair = f"elastic:{SECRET}".encode()
        credentials = Credentials("Basic", "test", base64.b64encode(pair).decode())

    with EchoServer(status=400) as server:
        client = KibanaClient(server.url, credentials=credentials, retry=RetryPolicy(1))
        with pytest.raises(KibanaBadRequestError) as caught:
            client.request("GET", "/api/status")

    error = caught.value
    everything = " ".join([str(error), *error.messages, repr(error.body), caplog.text])
    assert "HTTP 400" in str(error)
    assert "got auth" in str(error)
    for leaked in [credentials.token, SECRET]:
        assert leaked not in everything


def test_url_password_masked_user_kept():
    text = "bad 'http://elastic:pw-7f3a@127.0.0.1:9/x' and https://TOKEN7f3a@host"

    masked = mask_url_passwords(text)

    assert masked == "bad 'http://elastic:***@127.0.0.1:9/x' and https://***@host"


def test_secret_forms_cover_decoded_key():
    encoded = base64.b64encode(b"key-id:the-api-key").decode("ascii")

    forms = secret_forms([encoded])

    assert encoded in forms
    assert "the-api-key" in forms
    assert "key-id:the-api-key" in forms
    assert mask_secrets(f"x {encoded} y the-api-key", forms) == "x *** y ***"


def test_secret_forms_skip_short_parts():
    forms = secret_forms(["ab"])

    assert set(forms) == {"ab", "YWI=", "YWI%3D", "YWI%3d"}
    assert mask_secrets("a b ab YWI=", forms) == "a b *** ***"


@pytest.mark.parametrize(
    "url", [f"ftp://elastic:{SECRET}@127.0.0.1:9", f"http://elastic:{SECRET}@h:x"]
)
def test_client_url_password_absent(url):
    with pytest.raises(ConfigError) as caught:
        KibanaClient(url)

    assert "Kibana URL" in str(caught.value)
    assert SECRET not in str(caught.value)


PERCENT_SECRET = "FAKE/SECRET pw+7f3a"


@pytest.mark.parametrize(
    "echoed",
    [
        "FAKE/SECRET%20pw%2B7f3a",
        "FAKE%2FSECRET%20pw%2B7f3a",
        "FAKE/SECRET+pw%2B7f3a",
        "FAKE%2FSECRET+pw%2B7f3a",
        "FAKE/SECRET%20pw%2b7f3a",
        "FAKE/SECRET%20pw+7f3a",
    ],
)
def test_percent_encoded_password_masked(echoed):
    forms = secret_forms([PERCENT_SECRET])

    masked = mask_secrets(f"login failed for {echoed}.", forms)

    assert masked == "login failed for ***."


class _UrlEchoHandler(BaseHTTPRequestHandler):
    """Reply 400 with the Basic password percent-encoded in the message."""

    def do_GET(self) -> None:  # noqa: N802 - name fixed by BaseHTTPRequestHandler
        token = self.headers.get("Authorization", "").partition(" ")[2]
        password = base64.b64decode(token).decode("utf-8").partition(":")[2]
        message = f"bad login {quote(password)} or {quote_plus(password)}"
        body = json.dumps({"statusCode": 400, "error": "x", "message": message})
        self.send_response(400)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body.encode("utf-8"))

    def log_message(self, format: str, *args: object) -> None:
        return


def test_client_masks_percent_encoded_password(caplog):
    caplog.set_level(logging.DEBUG)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _UrlEchoHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    pair = f"elastic:{PERCENT_SECRET}".encode()
    credentials = Credentials("Basic", "test", base64.b64encode(pair).decode())
    url = f"http://127.0.0.1:{server.server_port}"
    try:
        client = KibanaClient(url, credentials=credentials, retry=RetryPolicy(1))
        with pytest.raises(KibanaBadRequestError) as caught:
            client.request("GET", "/api/status")
    finally:
        server.shutdown()
        server.server_close()

    error = caught.value
    everything = " ".join([str(error), *error.messages, repr(error.body), caplog.text])
    assert "bad login *** or ***" in everything
    assert quote(PERCENT_SECRET) not in everything
    assert quote_plus(PERCENT_SECRET) not in everything
