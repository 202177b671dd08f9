"""deploy/helm/isartor: `helm lint` and `helm template` with the real Helm (built by
scripts/setup_helm.sh), and the rendered manifests checked as data: kinds, the pod's sandbox,
probes, the NetworkPolicy's egress allow-list, and that the ISARTOR__* variables are ones the
binary knows and accepts."""
import base64
import os
import subprocess
from pathlib import Path

import pytest
import yaml

from conftest import BIN

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "deploy" / "helm" / "isartor"
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
HELM = Path(os.environ.get("ISARTOR_HELM", CACHE / "isartor" / "bin" / "helm-v4.3.2"))
KEY = ["--set", "secrets.ISARTOR__GATEWAY_API_KEY=test-key"]


@pytest.fixture(scope="module")
def helm():
    if not HELM.exists():
        pytest.fail(f"{HELM} missing: run scripts/setup_helm.sh (scripts/setup.sh does)")
    return str(HELM)


def render(helm, *args, ok=True):
    r = subprocess.run([helm, "template", "rel", str(CHART), *args], capture_output=True,
                       text=True, timeout=120)
    if not ok:
        assert r.returncode != 0, r.stdout
        return r.stderr
    assert r.returncode == 0, r.stderr
    docs = [d for d in yaml.safe_load_all(r.stdout) if d]
    return {(d["kind"]): d for d in docs}, docs


def test_chart_lints_clean(helm):
    r = subprocess.run([helm, "lint", "--strict", str(CHART), *KEY], capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "0 chart(s) failed" in r.stdout


def test_rendered_kinds_and_names_fit_together(helm):
    by_kind, docs = render(helm, *KEY)
    assert sorted(by_kind) == ["ConfigMap", "Deployment", "NetworkPolicy", "Secret", "Service"]
    assert len(docs) == 5
    dep = by_kind["Deployment"]
    env_from = dep["spec"]["template"]["spec"]["containers"][0]["envFrom"]
    assert env_from[0]["configMapRef"]["name"] == by_kind["ConfigMap"]["metadata"]["name"]
    assert env_from[1]["secretRef"]["name"] == by_kind["Secret"]["metadata"]["name"]
    assert by_kind["Service"]["spec"]["selector"] == dep["spec"]["selector"]["matchLabels"]
    assert by_kind["NetworkPolicy"]["spec"]["podSelector"]["matchLabels"] == \
        dep["spec"]["selector"]["matchLabels"]


def test_pod_runs_non_root_on_a_read_only_root_with_probes_and_resources(helm):
    by_kind, _ = render(helm, *KEY)
    pod = by_kind["Deployment"]["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] == 10001
    assert pod["automountServiceAccountToken"] is False
    c = pod["containers"][0]
    assert c["image"] == "isartor:0.1.0-airgapped"
    sc = c["securityContext"]
    assert sc["readOnlyRootFilesystem"] is True and sc["allowPrivilegeEscalation"] is False
    assert sc["capabilities"]["drop"] == ["ALL"]
    assert c["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert c["startupProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert c["readinessProbe"]["httpGet"] == {"path": "/health", "port": "http"}
    assert c["resources"]["requests"]["memory"] and c["resources"]["limits"]["memory"]
    mounts = {m["mountPath"] for m in c["volumeMounts"]}
    assert {"/var/lib/isartor", "/tmp"} <= mounts  # the only writable places


def test_config_and_secret_hold_isartor_variables_the_binary_accepts(helm):
    by_kind, _ = render(helm, *KEY,
                        "--set", "config.ISARTOR__EXTERNAL_LLM_URL=http://10.1.2.3:8000/v1")
    data = by_kind["ConfigMap"]["data"]
    secret = {k: base64.b64decode(v).decode() for k, v in by_kind["Secret"]["data"].items()}
    assert secret == {"ISARTOR__GATEWAY_API_KEY": "test-key"}
    assert data["ISARTOR__HOST_PORT"] == "0.0.0.0:8080"
    assert data["ISARTOR__OFFLINE_MODE"] == "true"
    assert data["ISARTOR__INTERNAL_NETWORKS"] == \
        "127.0.0.0/8,::1/128,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16"
    assert all(isinstance(v, str) for v in data.values())
    reference = subprocess.run([str(BIN), "config", "--reference"], capture_output=True,
                               text=True, timeout=60).stdout
    for name in list(data) + list(secret):
        assert f"| `{name}` |" in reference, f"{name} is not a configuration variable"
    # The pod's environment, given to the binary: it parses (exit 0) and is what the chart says.
    env = {k: v for k, v in os.environ.items() if not k.startswith("ISARTOR__")}
    env.update(data)
    env.update(secret)
    r = subprocess.run([str(BIN), "config"], env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert "ISARTOR__EXTERNAL_LLM_URL=http://10.1.2.3:8000/v1" in r.stdout
    assert "ISARTOR__GATEWAY_API_KEY=****" in r.stdout


def test_network_policy_egress_allows_only_the_internal_networks_and_dns(helm):
    by_kind, _ = render(helm, *KEY, "--set", "internalNetworks={10.20.0.0/16,192.168.7.0/24}")
    spec = by_kind["NetworkPolicy"]["spec"]
    assert sorted(spec["policyTypes"]) == ["Egress", "Ingress"]
    egress = spec["egress"]
    assert all(rule.get("to") for rule in egress), "a rule without `to` allows every destination"
    cidrs = [peer["ipBlock"]["cidr"] for rule in egress for peer in rule["to"] if "ipBlock" in peer]
    assert cidrs == ["10.20.0.0/16", "192.168.7.0/24"]
    dns = [rule for rule in egress if any("namespaceSelector" in p for p in rule["to"])]
    assert len(dns) == 1
    assert sorted((p["port"], p["protocol"]) for p in dns[0]["ports"]) == [(53, "TCP"), (53, "UDP")]
    # The same list (plus the pod's loopback) is the gateway's own perimeter.
    assert by_kind["ConfigMap"]["data"]["ISARTOR__INTERNAL_NETWORKS"] == \
        "127.0.0.0/8,::1/128,10.20.0.0/16,192.168.7.0/24"


def test_service_monitor_is_optional(helm):
    by_kind, _ = render(helm, *KEY, "--set", "serviceMonitor.enabled=true")
    sm = by_kind["ServiceMonitor"]
    assert sm["apiVersion"] == "monitoring.coreos.com/v1"
    assert sm["spec"]["endpoints"] == [{"port": "http", "path": "/metrics", "interval": "30s"}]


def test_model_from_a_volume_uses_the_slim_image_and_mounts_it_read_only(helm):
    by_kind, _ = render(helm, *KEY, "--set", "model.embedded=false",
                        "--set", "model.volume.persistentVolumeClaim.claimName=isartor-model")
    pod = by_kind["Deployment"]["spec"]["template"]["spec"]
    c = pod["containers"][0]
    assert c["image"] == "isartor:0.1.0"
    assert {"name": "model", "mountPath": "/models", "readOnly": True} in c["volumeMounts"]
    claim = {"name": "model", "persistentVolumeClaim": {"claimName": "isartor-model"}}
    assert claim in pod["volumes"]
    assert by_kind["ConfigMap"]["data"]["ISARTOR__EMBEDDING_MODEL_DIR"] == "/models"


def test_half_configured_releases_do_not_render(helm):
    assert "ISARTOR__GATEWAY_API_KEY" in render(helm, ok=False)
    assert "model.volume" in render(helm, *KEY, "--set", "model.embedded=false", ok=False)
    assert "audit.keySecret" in render(helm, *KEY, "--set", "audit.enabled=true", ok=False)
    assert "not a CIDR" in render(helm, *KEY, "--set", "internalNetworks={10.0.0.0}", ok=False)
    assert "not an ISARTOR__ variable" in render(helm, *KEY, "--set", "config.LOG_LEVEL=debug",
                                                 ok=False)


def test_audit_log_goes_to_the_state_volume_with_the_key_from_a_secret(helm):
    by_kind, _ = render(helm, *KEY, "--set", "audit.enabled=true",
                        "--set", "audit.keySecret=isartor-audit-key")
    data = by_kind["ConfigMap"]["data"]
    assert data["ISARTOR__AUDIT_LOG_PATH"] == "/var/lib/isartor/audit.log"
    assert data["ISARTOR__AUDIT_SIGNING_KEY_FILE"] == "/etc/isartor/keys/audit_ed25519.pem"
    pod = by_kind["Deployment"]["spec"]["template"]["spec"]
    key = next(v for v in pod["volumes"] if v["name"] == "audit-key")
    assert key["secret"]["secretName"] == "isartor-audit-key"
