#!/usr/bin/env bash
# Makes test certificates for TLS to RabbitMQ (amqps) and PostgreSQL (sslmode=verify-full) with
# the openssl CLI only:
#   ca.pem / ca.key            a throwaway certificate authority ("Hromada Test CA")
#   server.pem / server.key    signed by it, for localhost, 127.0.0.1 and ::1 (subjectAltName)
#   client.pem / client.key    a client certificate signed by it (optional mutual TLS)
#
#   make-certs.sh DIR            create DIR's certificates unless valid ones are already there
#   make-certs.sh --force DIR    always create new ones
#   make-certs.sh --ca-only DIR  only a CA (e.g. "the wrong CA" for negative tests)
#
# Keys are 0600. Nothing here is fit for production: the CA key lies next to the certificates.
set -euo pipefail

force=0 ca_only=0
while [[ $# -gt 1 ]]; do
    case "$1" in
        --force) force=1 ;;
        --ca-only) ca_only=1 ;;
        *) echo "usage: $0 [--force] [--ca-only] DIR" >&2; exit 2 ;;
    esac
    shift
done
[[ $# -eq 1 ]] || { echo "usage: $0 [--force] [--ca-only] DIR" >&2; exit 2; }
dir=$1
mkdir -p "$dir"
cd "$dir"

days=825
valid() { [[ -s "$1" ]] && openssl x509 -in "$1" -noout -checkend 86400 >/dev/null 2>&1; }

if ((force == 0)) && valid ca.pem && { ((ca_only == 1)) || { valid server.pem && valid client.pem; }; }; then
    exit 0
fi

umask 077
rm -f ca.* server.* client.* ./*.srl
openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days "$days" \
    -keyout ca.key -out ca.pem -subj "/O=Hromada test/CN=Hromada Test CA $(date +%s%N)" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
((ca_only == 1)) && { chmod 0644 ca.pem; exit 0; }

cat >server.ext <<'EXT'
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1
EXT
openssl req -new -newkey rsa:2048 -nodes -sha256 -keyout server.key -out server.csr -subj "/O=Hromada test/CN=localhost" 2>/dev/null
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days "$days" -sha256 \
    -extfile server.ext -out server.pem 2>/dev/null

cat >client.ext <<'EXT'
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth
EXT
openssl req -new -newkey rsa:2048 -nodes -sha256 -keyout client.key -out client.csr -subj "/O=Hromada test/CN=hromada-client" 2>/dev/null
openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days "$days" -sha256 \
    -extfile client.ext -out client.pem 2>/dev/null

rm -f server.csr client.csr server.ext client.ext ./*.srl
chmod 0644 ca.pem server.pem client.pem
chmod 0600 ca.key server.key client.key
openssl verify -CAfile ca.pem server.pem client.pem >/dev/null
