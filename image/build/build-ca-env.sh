# Sourced by image build steps (image/Dockerfile bind-mounts it): when the build is given the
# machine's TLS-intercepting CA as the `build_ca` secret (environment.md), curl, git and pip trust
# it for this step only; it is never written into a layer.
if [ -s /run/secrets/build_ca ]; then
  cat /etc/ssl/certs/ca-certificates.crt /run/secrets/build_ca >/tmp/build-ca.pem
  export CURL_CA_BUNDLE=/tmp/build-ca.pem GIT_SSL_CAINFO=/tmp/build-ca.pem PIP_CERT=/tmp/build-ca.pem
fi
