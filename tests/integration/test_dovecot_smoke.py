import pytest

pytestmark = pytest.mark.integration


def test_dovecot_login_select_and_append(imap):
    client = imap.client()
    try:
        info = client.select_folder("INBOX")
        assert info[b"EXISTS"] == 0
        client.append(
            "INBOX",
            b"From: a@example.com\r\nSubject: hello\r\nMessage-ID: <x@example.com>\r\n\r\nbody\r\n",
        )
        info = client.select_folder("INBOX")
        assert info[b"EXISTS"] == 1
        assert info[b"UIDVALIDITY"] > 0
    finally:
        client.logout()
