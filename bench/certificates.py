"""Certificates for the TLS profile: a throwaway CA and a server certificate (trustme)."""

from __future__ import annotations

from pathlib import Path


def make_certificates(directory: Path) -> dict[str, str]:
    """certfile, keyfile (PKCS#8, which every peer reads) and the CA's cafile, in ``directory``."""
    import trustme

    ca = trustme.CA()
    server = ca.issue_cert("127.0.0.1", "localhost")
    files = {
        "certfile": directory / "server.pem",
        "keyfile": directory / "server.key",
        "cafile": directory / "ca.pem",
    }
    server.cert_chain_pems[0].write_to_path(str(files["certfile"]))
    for extra in server.cert_chain_pems[1:]:
        extra.write_to_path(str(files["certfile"]), append=True)
    server.private_key_pem.write_to_path(str(files["keyfile"]))
    ca.cert_pem.write_to_path(str(files["cafile"]))
    return {name: str(path) for name, path in files.items()}
