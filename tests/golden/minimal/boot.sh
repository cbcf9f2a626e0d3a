#!/bin/bash
# CRM boot: reads DB_HOST / DB_SECRET_ARN from /etc/app.env (written by tfgen).
echo "starting crm on ${APP_PORT} with ${DB_HOST}" > /var/log/crm-boot.log
