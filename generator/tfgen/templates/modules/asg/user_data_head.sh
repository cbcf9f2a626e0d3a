#!/bin/bash
# Boot script written by tfgen (templatefile() of modules/asg/user_data.sh.tftpl).
# 1. /etc/app.env: the app's settings as KEY=value lines, for `docker run --env-file`,
#    systemd EnvironmentFile= or this script. Endpoints and secret ARNs only: the app reads
#    secret values from Secrets Manager at start-up with the instance role.
# 2. /usr/local/sbin/app-boot: the spec's app.user_data script, run once with those
#    settings exported.
set -euo pipefail

install -m 0644 /dev/null /etc/app.env
cat >/etc/app.env <<'TFGEN_APP_ENV_EOF'
%{ for key, value in app_environment ~}
${key}=${value}
%{ endfor ~}
TFGEN_APP_ENV_EOF

install -d -m 0755 /usr/local/sbin
cat >/usr/local/sbin/app-boot <<'TFGEN_APP_BOOT_EOF'
