#!/usr/bin/env bash
# Makes sure a MariaDB server answers on 127.0.0.1:3306 (root, empty password): start it when it is
# installed but stopped, install it from Debian's packages when it is absent.
set -euo pipefail
ping() { mariadb-admin --protocol=tcp -h 127.0.0.1 -P 3306 -uroot ping >/dev/null 2>&1 || mysqladmin --protocol=tcp -h 127.0.0.1 -P 3306 -uroot ping >/dev/null 2>&1; }
if ping; then echo "MariaDB is running"; exit 0; fi
if [ ! -x /usr/sbin/mariadbd ]; then
  echo "Installing MariaDB from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq mariadb-server mariadb-client >/dev/null
fi
mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld 2>/dev/null || true
if [ ! -d /var/lib/mysql/mysql ]; then mariadb-install-db --user=mysql --datadir=/var/lib/mysql >/dev/null; fi
start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd -- --user=mysql --bind-address=127.0.0.1 --port=3306
for _ in $(seq 1 60); do
  if ping; then
    # A fresh install lets root in through the socket only; tests connect over TCP without a password.
    mariadb -uroot -e "ALTER USER 'root'@'localhost' IDENTIFIED VIA mysql_native_password USING PASSWORD(''); CREATE DATABASE IF NOT EXISTS test;" 2>/dev/null || true
    echo "MariaDB started"; exit 0
  fi
  sleep 1
done
echo "MariaDB did not start on 127.0.0.1:3306" >&2
exit 1
