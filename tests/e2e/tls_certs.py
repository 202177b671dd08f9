"""Throwaway PKI for the TLS tests and benchmark, made with the openssl CLI at run time.

    pki = Pki(tmpdir)                                   # a fresh CA: pki.ca
    server = pki.issue("server", dns=["localhost"], ips=["127.0.0.1"])
    client = pki.issue("alice", client=True)             # CN=alice, SAN URI spiffe://test/alice
    old = pki.issue("old", ips=["127.0.0.1"], expired=True)
    encrypted = pki.issue("srv2", ips=["127.0.0.1"], passphrase="s3cret")

Each issued Cert has .cert (PEM chain: leaf), .key (PEM key) and .name. Nothing is written
outside the directory given; no network is used.
"""
import subprocess
from dataclasses import dataclass
from pathlib import Path

CA_CONF = """
[ ca ]
default_ca = test_ca
[ test_ca ]
dir = {dir}
database = {dir}/index.txt
new_certs_dir = {dir}/newcerts
serial = {dir}/serial
default_md = sha256
policy = any
unique_subject = no
copy_extensions = none
[ any ]
commonName = supplied
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = unused
"""


@dataclass
class Cert:
    name: str
    cert: str
    key: str


def _run(*args):
    subprocess.run(["openssl", *args], check=True, capture_output=True)


class Pki:
    def __init__(self, directory, ca_name="Isartor Test CA"):
        self.dir = Path(directory)
        (self.dir / "newcerts").mkdir(parents=True, exist_ok=True)
        (self.dir / "index.txt").write_text("")
        (self.dir / "serial").write_text("1000\n")
        self.conf = self.dir / "ca.cnf"
        self.conf.write_text(CA_CONF.format(dir=self.dir))
        stem = ca_name.replace(" ", "_")
        self.ca_key = str(self.dir / f"{stem}.key")
        self.ca = str(self.dir / f"{stem}.pem")
        _run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
             "-nodes", "-keyout", self.ca_key, "-out", self.ca, "-days", "3",
             "-subj", f"/CN={ca_name}", "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign")

    def issue(self, name, dns=(), ips=(), client=False, expired=False, passphrase=None,
              uri=None):
        """A leaf certificate for CN=name signed by this CA (valid now, or expired last year)."""
        key = str(self.dir / f"{name}.key")
        csr = str(self.dir / f"{name}.csr")
        cert = str(self.dir / f"{name}.pem")
        ext = self.dir / f"{name}.ext"
        sans = [f"DNS:{d}" for d in dns] + [f"IP:{i}" for i in ips]
        if client:
            sans.append(f"URI:{uri or 'spiffe://test/' + name}")
        lines = ["basicConstraints=critical,CA:FALSE",
                 "keyUsage=critical,digitalSignature",
                 "extendedKeyUsage=" + ("clientAuth" if client else "serverAuth")]
        if sans:
            lines.append("subjectAltName=" + ",".join(sans))
        ext.write_text("\n".join(lines) + "\n")
        _run("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
             "-keyout", key, "-out", csr, "-subj", f"/CN={name}", "-config", str(self.conf))
        dates = (["-startdate", "20200101000000Z", "-enddate", "20200201000000Z"] if expired
                 else ["-days", "2"])
        _run("ca", "-batch", "-notext", "-config", str(self.conf), "-cert", self.ca,
             "-keyfile", self.ca_key, "-in", csr, "-out", cert, "-extfile", str(ext), *dates)
        if passphrase:
            encrypted = key + ".enc"
            _run("pkey", "-in", key, "-out", encrypted, "-aes256", "-passout", f"pass:{passphrase}")
            key = encrypted
        return Cert(name, cert, key)
