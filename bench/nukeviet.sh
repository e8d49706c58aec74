#!/bin/sh
# NukeViet, set up beside phongtrao for the portal comparison (issue 21), from a checkout of
# its public repository (https://github.com/nukeviet/nukeviet, tag 4.5.05 measured before):
# Apache 2.4 + PHP-FPM + MariaDB from Debian's packages, NukeViet's own web installer driven
# with curl, then optionally the same wrk runs as bench/portal.py's guest pages, with a
# desktop and a mobile browser's user agent: NukeViet serves its mobile theme
# (mobile_default) to the second, its desktop theme (default) to the first, so every figure
# is printed with the theme it was measured on. The article is the seed's, as on phongtrao's
# side (bench/nukeviet_seed.py). No NukeViet code is kept in this repository.
#
#   sh bench/nukeviet.sh /path/to/nukeviet-checkout            # install, print the pages
#   sh bench/nukeviet.sh /path/to/nukeviet-checkout --bench    # and measure them (alone!)
#
# Environment: NV_PORT (8090), NV_ROOT (/var/www/nukeviet), NV_SECONDS (10 per run),
# NV_CONCURRENCY ("1 16 64"), NV_AGENTS ("desktop mobile"), NV_PAGES (the pages measured,
# all by default: "article home category tag search rss sitemap print"). Runs as root (packages, services). Idempotent: an installed
# NukeViet (its config.php present) is kept; remove NV_ROOT to install again.
#
# The services stay up for further runs; stop them with
#   service apache2 stop; service php8.2-fpm stop; service mariadb stop
#
# Checked on Debian 12 against tag 4.5.05 (installer steps 1-8 of install/index.php); the
# page addresses of other versions may differ: each page's HTTP status is printed.
set -eu

CHECKOUT=${1:?"usage: sh bench/nukeviet.sh NUKEVIET_CHECKOUT [--bench]"}
BENCH=${2:-}
PORT=${NV_PORT:-8090}
ROOT=${NV_ROOT:-/var/www/nukeviet}
SECONDS_EACH=${NV_SECONDS:-10}
CONCURRENCY=${NV_CONCURRENCY:-"1 16 64"}
AGENTS=${NV_AGENTS:-"desktop mobile"}
MEASURED=${NV_PAGES:-"article home category tag search rss sitemap print"}
DB=nukeviet
DB_USER=nukeviet
DB_PASS=nukeviet-bench
BASE="http://127.0.0.1:$PORT"
DESKTOP_UA="Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36"
MOBILE_UA="Mozilla/5.0 (Linux; Android 14; SM-A546E) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36"

test -f "$CHECKOUT/install/index.php" || { echo "not a NukeViet checkout: $CHECKOUT" >&2; exit 2; }

echo "== Debian packages: Apache 2.4, PHP-FPM, MariaDB, wrk" >&2
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq apache2 mariadb-server php-fpm \
    php-mysql php-gd php-curl php-mbstring php-xml php-zip php-intl curl wrk >/dev/null
PHP=$(php -r 'echo PHP_MAJOR_VERSION.".".PHP_MINOR_VERSION;')

echo "== MariaDB" >&2
service mariadb start >/dev/null 2>&1 || service mysql start >/dev/null
mysql -uroot <<SQL
CREATE DATABASE IF NOT EXISTS $DB CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER IF NOT EXISTS '$DB_USER'@'localhost' IDENTIFIED BY '$DB_PASS';
GRANT ALL ON $DB.* TO '$DB_USER'@'localhost';
SQL

echo "== NukeViet files in $ROOT" >&2
if [ ! -f "$ROOT/config.php" ]; then
    rm -rf "$ROOT" && mkdir -p "$ROOT"
    if [ -d "$CHECKOUT/.git" ] || git -C "$CHECKOUT" rev-parse --git-dir >/dev/null 2>&1; then
        git -C "$CHECKOUT" archive HEAD | tar -x -C "$ROOT"
    else
        cp -a "$CHECKOUT/." "$ROOT/"
    fi
    chown -R www-data:www-data "$ROOT"
fi

echo "== Apache on port $PORT, PHP $PHP through FPM" >&2
a2enmod -q proxy_fcgi setenvif rewrite >/dev/null
a2enconf -q "php$PHP-fpm" >/dev/null
grep -q "^Listen $PORT\$" /etc/apache2/ports.conf || echo "Listen $PORT" >>/etc/apache2/ports.conf
cat >/etc/apache2/sites-available/nukeviet.conf <<CONF
<VirtualHost 127.0.0.1:$PORT>
    ServerName 127.0.0.1
    DocumentRoot $ROOT
    <Directory $ROOT>
        AllowOverride All
        Require all granted
    </Directory>
</VirtualHost>
CONF
a2ensite -q nukeviet >/dev/null
service "php$PHP-fpm" restart >/dev/null
service apache2 restart >/dev/null

if [ ! -f "$ROOT/config.php" ]; then
    echo "== NukeViet's installer (Vietnamese, MySQL, no sample package)" >&2
    JAR=$(mktemp)
    INSTALL="$BASE/install/index.php?language=vi"
    # -d makes a POST; -L then follows the 302 with a GET, as a browser does (no -X POST).
    # NukeViet blocks a POST without its own page as Referer ("Your request is blocked").
    get() {
        url=$1; shift
        curl -sS -L -b "$JAR" -c "$JAR" -e "$url" -o /dev/null \
            -w "%{http_code} %{url_effective}\n" "$url" "$@" >&2
    }
    get "$INSTALL&step=1"
    get "$INSTALL&step=2" -d "modftp=0"
    get "$INSTALL&step=3"
    get "$INSTALL&step=4"
    get "$INSTALL&step=5" --data-urlencode "dbtype=mysql" \
        --data-urlencode "dbhost=localhost" --data-urlencode "dbport=" \
        --data-urlencode "dbname=$DB" --data-urlencode "dbuname=$DB_USER" \
        --data-urlencode "dbpass=$DB_PASS" --data-urlencode "prefix=nv4" \
        --data-urlencode "db_detete=1"
    get "$INSTALL&step=6" --data-urlencode "site_name=Hội LHPN (NukeViet)" \
        --data-urlencode "nv_login=quantri" --data-urlencode "nv_email=admin@example.org" \
        --data-urlencode "nv_password=Bench.2024-nukeviet" \
        --data-urlencode "re_password=Bench.2024-nukeviet" \
        --data-urlencode "question=Bench" --data-urlencode "answer_question=bench" \
        --data-urlencode "lang_multi=0" --data-urlencode "dev_mode=0"
    get "$INSTALL&step=7"
    get "$INSTALL&step=8"
    rm -f "$JAR"
    test -f "$ROOT/config.php" || { echo "the installer did not finish: open $INSTALL" >&2; exit 1; }
    rm -rf "$ROOT/install"  # NukeViet refuses to serve the site while it is there
fi

echo "== The seed's article, published in NukeViet's news module (bench/nukeviet_seed.py)" >&2
python3 "$(dirname "$0")/nukeviet_seed.py" | mysql -uroot "$DB"
rm -rf "$ROOT/data/cache/news"/*  # NukeViet's file cache of the module's lists

echo "== Pages" >&2
# The seed's article, as the news module addresses it (prefix nv4, language vi).
ARTICLE=$(mysql -uroot -N "$DB" -e "SELECT CONCAT(c.alias, '/', r.alias, '-', r.id, '.html') \
    FROM nv4_vi_news_rows r JOIN nv4_vi_news_cat c ON c.catid = r.catid \
    WHERE r.alias = 'hoi-lhpn-tinh-binh-phuoc-nhan-bang-khen-nam-2023'" 2>/dev/null || true)
CATEGORY=$(mysql -uroot -N "$DB" -e "SELECT alias FROM nv4_vi_news_cat ORDER BY weight LIMIT 1" \
    2>/dev/null || true)
TAG=$(mysql -uroot -N "$DB" -e "SELECT alias FROM nv4_vi_news_tags ORDER BY numnews DESC LIMIT 1" \
    2>/dev/null || true)
PAGES="home=/"
[ -n "$ARTICLE" ] && PAGES="article=/index.php?language=vi&nv=news&op=$ARTICLE $PAGES"
[ -n "$CATEGORY" ] && PAGES="$PAGES category=/index.php?language=vi&nv=news&op=$CATEGORY"
[ -n "$TAG" ] && PAGES="$PAGES tag=/index.php/tag/$TAG"
PAGES="$PAGES search=/index.php?language=vi&nv=seek&q=ph%E1%BB%A5+n%E1%BB%AF"
PAGES="$PAGES rss=/index.php?language=vi&nv=news&op=rss sitemap=/index.php?nv=SitemapIndex"
[ -n "$ARTICLE" ] && PAGES="$PAGES print=/index.php?language=vi&nv=news&op=print/$ARTICLE"
for page in $PAGES; do
    name=${page%%=*}; path=${page#*=}
    for agent in desktop mobile; do
        ua=$DESKTOP_UA; [ "$agent" = mobile ] && ua=$MOBILE_UA
        code=$(curl -sS -o /dev/null -w "%{http_code}" -A "$ua" "$BASE$path")
        echo "$name $agent $code $BASE$path" >&2
    done
done
[ -z "$ARTICLE" ] && { echo "the seed's article is missing from NukeViet's news tables" >&2; exit 1; }

[ "$BENCH" = "--bench" ] || exit 0
echo "== wrk, -t2 (-t1 at concurrency 1), ${SECONDS_EACH}s per run; JSON lines on stdout" >&2
for agent in $AGENTS; do
    ua=$DESKTOP_UA; theme="desktop theme (default)"
    [ "$agent" = mobile ] && ua=$MOBILE_UA && theme="mobile theme (mobile_default)"
    for c in $CONCURRENCY; do
        t=2; [ "$c" -lt 2 ] && t=1
        for page in $PAGES; do
            name=${page%%=*}; path=${page#*=}
            case " $MEASURED " in *" $name "*) ;; *) continue ;; esac
            out=$(wrk -t$t -c"$c" -d"${SECONDS_EACH}s" --latency -H "User-Agent: $ua" \
                -H "Accept-Language: vi-VN,vi" "$BASE$path")
            rps=$(echo "$out" | awk '/^Requests\/sec/ {print $2}')
            p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
            errors=$(echo "$out" | awk '/Non-2xx/ {print $NF}')
            load=$(cut -d' ' -f1 /proc/loadavg)
            printf '{"system": "nukeviet", "page": "%s", "agent": "%s", "theme": "%s", "concurrency": %s, "rps": %s, "p99": "%s", "non_2xx": %s, "load1": %s}\n' \
                "$name" "$agent" "$theme" "$c" "${rps:-0}" "$p99" "${errors:-0}" "$load"
        done
    done
done
