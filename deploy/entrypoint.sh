#!/bin/sh
# The image's entrypoint: one image, one role per container, chosen by the first argument.
#
#   web       gunicorn with config/gunicorn.conf.py (port 8000)
#   worker    a Celery worker (queues from CELERY_QUEUES, default "celery")
#   beat      the Celery beat scheduler: run exactly one
#   migrate   apply migrations, then exit (a one-shot job before web and workers roll)
#   manage    any manage.py command: `manage createsuperuser`
#   anything else is run as given (`sh`, `python -c ...`)
#
# `--dry-run` before the role prints the command instead of running it (tests use it).
# Each role ends in `exec`, so the process gets SIGTERM from the runtime directly:
# gunicorn finishes requests in flight (graceful_timeout), a Celery worker finishes its tasks
# (warm shutdown), and unacknowledged tasks go back to the queue (acks_late).
set -eu

run() {
  if [ "$DRY_RUN" = 1 ]; then
    printf '%s\n' "$*"
    exit 0
  fi
  exec "$@"
}

DRY_RUN=0
if [ "${1:-}" = "--dry-run" ]; then
  DRY_RUN=1
  shift
fi
ROLE="${1:-web}"
[ "$#" -gt 0 ] && shift

case "$ROLE" in
  web)
    # gunicorn's workers are processes: each writes its Prometheus numbers here and /metrics
    # adds them up. Emptied at start, so a restarted server does not count the old ones.
    export PROMETHEUS_MULTIPROC_DIR="${PROMETHEUS_MULTIPROC_DIR:-/tmp/prometheus}"
    if [ "$DRY_RUN" = 0 ]; then
      rm -rf "$PROMETHEUS_MULTIPROC_DIR" && mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
    fi
    run gunicorn --config config/gunicorn.conf.py config.wsgi "$@"
    ;;
  worker)
    run celery --app config worker --loglevel "${LOG_LEVEL:-INFO}" \
      --queues "${CELERY_QUEUES:-celery}" --concurrency "${CELERY_CONCURRENCY:-2}" "$@"
    ;;
  beat)
    # The schedule file is local state: keep it in /tmp, beat rebuilds it on start.
    run celery --app config beat --loglevel "${LOG_LEVEL:-INFO}" \
      --schedule /tmp/celerybeat-schedule "$@"
    ;;
  migrate)
    run python manage.py migrate --noinput "$@"
    ;;
  manage)
    run python manage.py "$@"
    ;;
  *)
    run "$ROLE" "$@"
    ;;
esac
