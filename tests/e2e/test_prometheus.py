"""Metrics as Prometheus sees them: the exposition parses with the reference Python parser, and
a real Prometheus server (Debian package `prometheus`) scrapes the gateway and answers queries
with the upstream metric names and labels."""
import collections
import json
import shutil
import socket
import subprocess
import time

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from conftest import ROOT

PROMETHEUS = shutil.which("prometheus")


def chat(gw, content):
    r = requests.post(gw.base + "/v1/chat/completions", timeout=30,
                      json={"model": "m", "messages": [{"role": "user", "content": content}]})
    assert r.status_code == 200
    return r


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_exposition_parses_and_families_are_well_formed(gateway):
    chat(gateway, "parse me")
    chat(gateway, "parse me")  # an L1a hit
    text = gateway.metrics()
    families = list(text_string_to_metric_families(text))
    names = [f.name for f in families]
    # Each family appears once: its series are contiguous under one HELP/TYPE.
    assert [n for n, c in collections.Counter(names).items() if c > 1] == []
    by_name = {f.name: f for f in families}
    requests_total = by_name["isartor_requests"]  # the parser strips _total from counters
    assert requests_total.type == "counter"
    layers = {(s.labels["final_layer"], s.labels["status_code"], s.labels["endpoint_family"])
              for s in requests_total.samples if s.value > 0}
    assert ("L3_Cloud", "200", "openai") in layers
    assert ("L1a_ExactCache", "200", "openai") in layers
    duration = by_name["isartor_request_duration_seconds"]
    assert duration.type == "histogram"
    # Buckets are cumulative and the +Inf bucket equals the count, per series.
    series = collections.defaultdict(dict)
    for s in duration.samples:
        key = tuple(sorted((k, v) for k, v in s.labels.items() if k != "le"))
        if s.name.endswith("_bucket"):
            series[key][float(s.labels["le"])] = s.value
        elif s.name.endswith("_count"):
            series[key]["count"] = s.value
    observed = [v for v in series.values() if v.get("count")]
    assert observed
    for buckets in observed:
        counts = [buckets[le] for le in sorted(k for k in buckets if k != "count")]
        assert counts == sorted(counts)
        assert buckets[float("inf")] == buckets["count"]
    for name in ["isartor_layer_duration_seconds", "isartor_tokens_saved", "isartor_errors",
                 "isartor_cache_events", "isartor_in_flight_requests", "isartor_build_info"]:
        assert name in by_name, name


@pytest.mark.skipif(PROMETHEUS is None, reason="Debian package prometheus not installed")
def test_a_real_prometheus_server_scrapes_the_gateway(gateway, tmp_path):
    chat(gateway, "scrape me")
    port = free_port()
    config = tmp_path / "prometheus.yml"
    config.write_text(
        "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
        "scrape_configs:\n  - job_name: isartor\n    scrape_interval: 1s\n"
        f"    static_configs:\n      - targets: ['127.0.0.1:{gateway.port}']\n")
    log = open(tmp_path / "prometheus.log", "w")
    proc = subprocess.Popen([PROMETHEUS, f"--config.file={config}",
                             f"--storage.tsdb.path={tmp_path / 'data'}",
                             f"--web.listen-address=127.0.0.1:{port}"],
                            stdout=log, stderr=subprocess.STDOUT)
    api = f"http://127.0.0.1:{port}/api/v1"
    try:
        deadline = time.time() + 60
        result = []
        while time.time() < deadline and not result:
            time.sleep(0.5)
            try:
                r = requests.get(api + "/query", params={"query": "isartor_requests_total"},
                                 timeout=5).json()
            except requests.RequestException:
                continue
            result = [s["metric"] for s in r.get("data", {}).get("result", [])]
        assert result, (tmp_path / "prometheus.log").read_text()[-2000:]
        assert any(m.get("final_layer") == "L3_Cloud" and m.get("status_code") == "200"
                   and m.get("endpoint_family") == "openai" and m.get("job") == "isartor"
                   for m in result), result
        targets = requests.get(api + "/targets", timeout=5).json()["data"]["activeTargets"]
        assert targets[0]["health"] == "up", targets[0].get("lastError")
        # The histogram is usable for the dashboard's quantiles.
        q = "histogram_quantile(0.95, sum by (le) (isartor_request_duration_seconds_bucket))"
        r = requests.get(api + "/query", params={"query": q}, timeout=5).json()
        assert r["status"] == "success" and r["data"]["result"], r
        # Every query of the Grafana dashboard is valid PromQL against these metrics.
        dashboard = json.loads((ROOT / "deploy" / "grafana" / "isartor.json").read_text())
        for panel in dashboard["panels"]:
            for target in panel["targets"]:
                expr = target["expr"].replace("$__rate_interval", "1m").replace("$__range", "5m")
                r = requests.get(api + "/query", params={"query": expr}, timeout=5).json()
                assert r["status"] == "success", (panel["title"], expr, r)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
