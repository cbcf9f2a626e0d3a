"""Process entry of the twin: go-plugin handshake, TLS, and the tfplugin6 gRPC service.

Terraform runs a provider binary with the env TF_PLUGIN_MAGIC_COOKIE set and (AutoMTLS)
PLUGIN_CLIENT_CERT holding its client certificate. The plugin listens, prints one line
`1|6|tcp|127.0.0.1:PORT|grpc|<base64 DER server certificate>` to stdout, and serves the
`tfplugin6.Provider` service plus go-plugin's `plugin.GRPCController` (Shutdown) and the gRPC
health service. Messages are decoded only in the handlers, so a start costs the imports and one
cache read (see schemas.py).
"""

from __future__ import annotations

import base64
import datetime
import os
import sys
import threading
from concurrent import futures
from typing import Any

MAGIC_KEY = "TF_PLUGIN_MAGIC_COOKIE"
MAGIC_VALUE = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2"

RPCS = [
    "GetMetadata",
    "GetProviderSchema",
    "ValidateProviderConfig",
    "ValidateResourceConfig",
    "ValidateDataResourceConfig",
    "UpgradeResourceState",
    "ConfigureProvider",
    "ReadResource",
    "PlanResourceChange",
    "ApplyResourceChange",
    "ImportResourceState",
    "MoveResourceState",
    "ReadDataSource",
    "ValidateEphemeralResourceConfig",
    "OpenEphemeralResource",
    "RenewEphemeralResource",
    "CloseEphemeralResource",
    "GetFunctions",
    "CallFunction",
    "StopProvider",
    "GetResourceIdentitySchemas",
    "UpgradeResourceIdentity",
]


def _tls() -> tuple[Any, str]:
    """Server credentials for AutoMTLS and the handshake's certificate field."""
    import grpc
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "HashiCorp"),
            x509.NameAttribute(NameOID.COMMON_NAME, "localhost"),
        ]
    )
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(seconds=30))
        .not_valid_after(now + datetime.timedelta(days=365))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=True,
                data_encipherment=False,
                key_agreement=True,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH, ExtendedKeyUsageOID.SERVER_AUTH]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    # terraform's client certificate (PLUGIN_CLIENT_CERT) is ECDSA P-521, which gRPC's TLS
    # stack does not offer to verify, so the Go client would send none: serve TLS with the
    # handshake's certificate but without client authentication (loopback only; a test double).
    creds = grpc.ssl_server_credentials([(key_pem, cert_pem)], require_client_auth=False)
    der = cert.public_bytes(serialization.Encoding.DER)
    return creds, base64.b64encode(der).decode().rstrip("=")


def main(argv: list[str] | None = None) -> int:
    """Serve one provider ("aws" or "random") to the terraform that started us."""
    argv = sys.argv[1:] if argv is None else argv
    short = argv[0] if argv else "aws"
    if os.environ.get(MAGIC_KEY) != MAGIC_VALUE:
        print(
            f"This is terraform-provider-{short} (an offline twin for tests, tools/twin).\n"
            "It is a plugin that Terraform starts; it is not meant to be run by hand. Put it in\n"
            "a provider mirror and run terraform (see tools/twin/README.md).",
            file=sys.stderr,
        )
        return 1

    import grpc

    from twin.provider import Provider
    from twin.schemas import load

    provider = Provider(short, load(short))
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=16),
        options=[("grpc.max_receive_message_length", 256 << 20), ("grpc.max_send_message_length", 256 << 20)],
    )
    handlers = {
        name: grpc.unary_unary_rpc_method_handler(
            provider.handler(name), request_deserializer=_raw, response_serializer=_raw
        )
        for name in RPCS
    }
    stop = threading.Event()

    def shutdown(_req: bytes, _ctx: Any) -> bytes:
        stop.set()
        return b""

    def health(_req: bytes, _ctx: Any) -> bytes:
        return b"\x08\x01"  # HealthCheckResponse{status: SERVING}

    server.add_generic_rpc_handlers(
        (
            grpc.method_handlers_generic_handler("tfplugin6.Provider", handlers),
            grpc.method_handlers_generic_handler(
                "plugin.GRPCController",
                {
                    "Shutdown": grpc.unary_unary_rpc_method_handler(
                        shutdown, request_deserializer=_raw, response_serializer=_raw
                    )
                },
            ),
            grpc.method_handlers_generic_handler(
                "grpc.health.v1.Health",
                {
                    "Check": grpc.unary_unary_rpc_method_handler(
                        health, request_deserializer=_raw, response_serializer=_raw
                    )
                },
            ),
        )
    )
    if os.environ.get("PLUGIN_CLIENT_CERT"):
        creds, cert_field = _tls()
        port = server.add_secure_port("127.0.0.1:0", creds)
    else:
        cert_field = ""
        port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    sys.stdout.write(f"1|6|tcp|127.0.0.1:{port}|grpc|{cert_field}\n")
    sys.stdout.flush()
    parent = os.getppid()

    def watch_parent() -> None:  # terraform killed hard: do not linger as an orphan
        while not stop.wait(1.0):
            if os.getppid() != parent:
                stop.set()

    threading.Thread(target=watch_parent, daemon=True).start()
    stop.wait()
    server.stop(grace=0.2).wait()
    sys.stdout.flush()
    os._exit(0)


def _raw(b: bytes) -> bytes:
    return b


if __name__ == "__main__":
    sys.exit(main())
