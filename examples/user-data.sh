#!/bin/bash
# Boot script for the shop app. tfgen's launch template writes /etc/app.env first
# (DB_HOST, DB_PORT, DB_SECRET_ARN, CACHE_HOST, CACHE_PORT, CACHE_SECRET_ARN, APP_PORT) and
# then runs this script; the app reads its secrets from Secrets Manager at start-up.
set -euo pipefail
dnf install -y docker
systemctl enable --now docker
# Host networking: with IMDSv2 hop limit 1 a bridged container cannot reach the instance role.
docker run -d --restart always --network host --env-file /etc/app.env \
  public.ecr.aws/example/shop:latest
