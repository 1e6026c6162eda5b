"""TLS for the mail connections: one client context, and certificate errors that say
what failed (the chain, the name, or the dates) and what to do about it."""

from __future__ import annotations

import ssl

# OpenSSL's X509_V_ERR_* codes (as in ssl.SSLCertVerificationError.verify_code).
_NAME_MISMATCH = {62, 64}  # HOSTNAME_MISMATCH, IP_ADDRESS_MISMATCH
_DATES = {9, 10, 13, 14}  # CERT_NOT_YET_VALID, CERT_HAS_EXPIRED, and their field errors


def client_context(ca_file: str | None) -> ssl.SSLContext:
    """The system's trusted CAs, or only `ca_file` (a private CA) when it is set."""
    if ca_file:
        try:
            return ssl.create_default_context(cafile=ca_file)
        except (OSError, ssl.SSLError) as exc:
            from supportctl.errors import ConfigError

            reason = getattr(exc, "strerror", None) or str(exc)
            raise ConfigError(
                f"ca_file {ca_file}: cannot be read as certificates: {reason}"
            ) from None
    return ssl.create_default_context()


def certificate_problem(exc: ssl.SSLCertVerificationError, host: str) -> tuple[str, str]:
    """(what failed, hint) for a certificate the client refused."""
    code = getattr(exc, "verify_code", None)
    detail = getattr(exc, "verify_message", None) or exc.reason or str(exc)
    if code in _NAME_MISMATCH:
        return (
            f"certificate not trusted: the name check failed, it is not issued for '{host}' "
            f"({detail})",
            "set host to a name the certificate lists, or have the server's certificate fixed",
        )
    if code in _DATES:
        return (
            f"certificate not trusted: the date check failed ({detail})",
            "the server's certificate needs renewing (or this machine's clock is wrong)",
        )
    return (
        f"certificate not trusted: the chain check failed, it does not lead to a trusted CA "
        f"({detail})",
        "set ca_file to the certificate of the CA that signed it (a private CA)",
    )
