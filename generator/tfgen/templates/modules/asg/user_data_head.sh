#!/bin/bash
# Boot script written by tfgen (templatefile() of modules/asg/user_data.sh.tftpl).
# 1. /etc/app.env: the app's settings as KEY=value lines, for `docker run --env-file`,
#    systemd EnvironmentFile= or this script. Endpoints and secret ARNs only: the app reads
#    secret values from Secrets Manager at start-up with the instance role.
# 2. The CloudWatch agent, installed and started to ship the app's log files (app.log_files)
#    to the app's log group, one stream per instance. A failed install does not stop the app
#    from booting: it says so on the console (/var/log/cloud-init-output.log) instead.
# 3. /usr/local/sbin/app-boot: the spec's app.user_data script, run once with those
#    settings exported.
set -euo pipefail

install -m 0644 /dev/null /etc/app.env
cat >/etc/app.env <<'TFGEN_APP_ENV_EOF'
%{ for key, value in app_environment ~}
${key}=${value}
%{ endfor ~}
TFGEN_APP_ENV_EOF

install -d -m 0755 /opt/aws/amazon-cloudwatch-agent/etc
cat >/opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.json <<'TFGEN_CWAGENT_EOF'
${jsonencode({ logs = { logs_collected = { files = { collect_list = [for path in log_files : { file_path = path, log_group_name = log_group, log_stream_name = "{instance_id}" }] } } } })}
TFGEN_CWAGENT_EOF
if ! command -v /opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl >/dev/null; then
  if command -v dnf >/dev/null; then
    dnf install -y amazon-cloudwatch-agent || true
  elif command -v yum >/dev/null; then
    yum install -y amazon-cloudwatch-agent || true
  fi
fi
if command -v /opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl >/dev/null; then
  /opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s \
    -c file:/opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.json ||
    echo "tfgen: the CloudWatch agent did not start: the app's logs stay on the instance" >&2
else
  echo "tfgen: no amazon-cloudwatch-agent package (dnf/yum) on this AMI: the app's logs stay on the instance" >&2
fi

install -d -m 0755 /usr/local/sbin
cat >/usr/local/sbin/app-boot <<'TFGEN_APP_BOOT_EOF'
