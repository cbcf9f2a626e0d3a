TFGEN_APP_BOOT_EOF
chmod 0700 /usr/local/sbin/app-boot

# Export the settings without evaluating /etc/app.env as shell code.
while IFS='=' read -r key value; do
  if [ -n "$key" ]; then
    export "$key=$value"
  fi
done </etc/app.env

if [ "$(head -c 2 /usr/local/sbin/app-boot)" = "#!" ]; then
  exec /usr/local/sbin/app-boot
fi
exec /bin/bash /usr/local/sbin/app-boot
