#!/usr/bin/env bash
# A certificate authority of the venue's own and a server certificate it signs, for a venue
# without internet (no Let's Encrypt). Install ca.pem once on each gate phone and desk; nginx
# serves server.pem and server-key.pem.
#
#   deploy/make-venue-ca.sh OUT_DIR NAME [NAME or IP ...]
#   deploy/make-venue-ca.sh /etc/conference/tls daihoi.lan 192.168.1.10
#
# Running it again keeps the authority (phones trust it already) and makes a new server
# certificate. Phones accept a server certificate of at most 825 days.
set -euo pipefail

if (($# < 2)); then
  echo "usage: $0 OUT_DIR NAME [NAME or IP ...]" >&2
  exit 2
fi
out=$1
shift
mkdir -p "$out"
chmod 700 "$out"
umask 077

if [[ ! -s $out/ca.pem ]]; then
  openssl req -x509 -newkey rsa:3072 -nodes -days 3650 -sha256 \
    -subj "/CN=Venue certificate authority $(date +%Y-%m-%d)" \
    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -keyout "$out/ca-key.pem" -out "$out/ca.pem" 2>/dev/null
  echo "made the venue authority: $out/ca.pem (install it on the phones; keep ca-key.pem away)"
fi

names=()
for name in "$@"; do
  if [[ $name =~ ^[0-9.]+$ || $name == *:* ]]; then names+=("IP:$name"); else names+=("DNS:$name"); fi
done
san=$(IFS=,; echo "${names[*]}")

openssl req -new -newkey rsa:2048 -nodes -sha256 -subj "/CN=$1" \
  -keyout "$out/server-key.pem" -out "$out/server.csr" 2>/dev/null
openssl x509 -req -in "$out/server.csr" -CA "$out/ca.pem" -CAkey "$out/ca-key.pem" \
  -CAcreateserial -days 825 -sha256 -out "$out/server.pem" \
  -extfile <(printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n' "$san") \
  2>/dev/null
rm -f "$out/server.csr"
chmod 644 "$out/ca.pem" "$out/server.pem"
echo "made the server certificate for $san: $out/server.pem, $out/server-key.pem"
