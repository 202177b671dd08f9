"""`isartor healthcheck`: the probe a container image's HEALTHCHECK runs (no curl in the image)."""
import os
import socket
import subprocess

from conftest import BIN


def healthcheck(host_port, extra=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("ISARTOR__")}
    env.update({"ISARTOR__HOST_PORT": host_port, "ISARTOR__CACHE_MODE": "exact"})
    env.update(extra or {})
    return subprocess.run([str(BIN), "healthcheck", "--timeout-secs", "5"], env=env,
                          capture_output=True, text=True, timeout=60)


def test_a_serving_gateway_is_healthy_and_a_wildcard_address_is_probed_on_loopback(gateway_factory):
    g = gateway_factory({"ISARTOR__CACHE_MODE": "exact", "ISARTOR__GATEWAY_API_KEY": "k"})
    assert healthcheck(f"127.0.0.1:{g.port}").returncode == 0
    # The image's setting: listen on every address, probe the gateway's own loopback.
    r = healthcheck(f"0.0.0.0:{g.port}")
    assert r.returncode == 0, r.stderr
    assert "healthy" in r.stderr


def test_nothing_listening_is_unhealthy_with_the_reason():
    with socket.socket() as s:  # a port that was free a moment ago and has no listener now
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    r = healthcheck(f"127.0.0.1:{port}")
    assert r.returncode == 1
    assert "unhealthy" in r.stderr and f"127.0.0.1:{port}" in r.stderr


def test_a_listener_that_is_not_http_is_unhealthy():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        port = s.getsockname()[1]
        # The probe connects (the kernel completes the handshake) and then gets no HTTP answer.
        r = subprocess.Popen([str(BIN), "healthcheck", "--timeout-secs", "1"],
                             env={"ISARTOR__HOST_PORT": f"127.0.0.1:{port}"},
                             stderr=subprocess.PIPE, text=True)
        conn, _ = s.accept()
        conn.close()
        _, err = r.communicate(timeout=30)
    assert r.returncode == 1
    assert "unhealthy" in err


def test_a_host_that_is_not_an_ip_address_is_a_configuration_error():
    r = healthcheck("gateway.example:8080")
    assert r.returncode == 2
    assert "not an IP address" in r.stderr


def test_an_https_listener_is_probed_over_tls(gateway_factory, tmp_path):
    from tls_certs import Pki
    cert = Pki(tmp_path / "pki").issue("gateway.test", ips=["127.0.0.1"])
    tls = {"ISARTOR__TLS_CERT_FILE": cert.cert, "ISARTOR__TLS_KEY_FILE": cert.key}
    g = gateway_factory({"ISARTOR__CACHE_MODE": "exact", **tls})
    r = healthcheck(f"127.0.0.1:{g.port}", tls)
    assert r.returncode == 0, r.stderr
    # The same listener asked in plain HTTP is not healthy: the probe follows the configuration.
    r = healthcheck(f"127.0.0.1:{g.port}")
    assert r.returncode == 1
