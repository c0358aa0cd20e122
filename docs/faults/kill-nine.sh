#!/usr/bin/env bash
# Fault check (by hand, not in CI): kill -9 the product under a stream of signed webhooks, restart
# it, and check that every acknowledged event reached exactly one outcome, that no journal entry was
# posted twice and that the ledger balances. Needs the jar (./mvnw -B -DskipTests package) and psql.
#
#   bash docs/faults/kill-nine.sh [customers=2000] [threads=16]
set -euo pipefail
cd "$(dirname "$0")/../.."
CUSTOMERS=${1:-2000}
THREADS=${2:-16}
WORK=$(mktemp -d)
JAR=$(ls target/ledgerbridge-*.jar | head -1)
SECRET=whsec_ledgerbridge_local_development_only
export LEDGERBRIDGE_HOME=$WORK EMBEDDED_POSTGRES_PORT=25432 EMBEDDED_KAFKA_PORT=29092 PORT=18080
cp -r routes mappings "$WORK/"
JAR=$(cd "$(dirname "$JAR")" && pwd)/$(basename "$JAR")
start() {
  pushd "$WORK" > /dev/null
  java -jar "$JAR" --ledgerbridge.relay.redrive-after-seconds=10 >> "$WORK/app.log" 2>&1 &
  echo $! > "$WORK/pid"
  popd > /dev/null
}
ready() { for _ in $(seq 1 120); do curl -fs http://localhost:18080/actuator/health/readiness >/dev/null 2>&1 && return 0; sleep 1; done; echo "not ready"; tail -50 "$WORK/app.log"; exit 1; }
psql_() { PGPASSWORD=postgres psql -h localhost -p 25432 -U postgres -d postgres -tAc "$1"; }

start; ready
echo "storm: $CUSTOMERS customers x 2 events, $THREADS threads; kill -9 after 4 s"
java docs/faults/WebhookStorm.java http://localhost:18080 $SECRET "$CUSTOMERS" "$THREADS" "$WORK/acked.txt" &
STORM=$!
sleep 4
kill -9 "$(cat "$WORK/pid")"
echo "killed at $(wc -l < "$WORK/acked.txt") acknowledged events"
wait $STORM || true
start; ready
ACKED=$(sort -u "$WORK/acked.txt" | wc -l)
echo "acknowledged before the kill: $ACKED; waiting for every one to reach an outcome"
sort -u "$WORK/acked.txt" | sed "s/.*/('&')/" | paste -sd, > "$WORK/ids.sql"
for _ in $(seq 1 180); do
  PENDING=$(psql_ "select count(*) from (values $(cat "$WORK/ids.sql")) a(id) left join inbox_event i on i.source='stripe' and i.event_id=a.id where i.id is null or i.status not in ('posted','ignored','dead_lettered','exception')")
  [ "$PENDING" = "0" ] && break; sleep 1
done
echo "acknowledged events without an outcome: $PENDING"
echo "missing from the inbox: $(psql_ "select count(*) from (values $(cat "$WORK/ids.sql")) a(id) left join inbox_event i on i.source='stripe' and i.event_id=a.id where i.id is null")"
echo "outcomes: $(psql_ "select string_agg(status||'='||n, ' ') from (select status, count(*) n from inbox_event group by status) s")"
echo "entries posted twice for one source event: $(psql_ "select count(*) from (select e.entry_key from journal_entry e group by e.entry_key having count(*) > 1) d")"
echo "invoices with other than one invoice entry: $(psql_ "select count(*) from ar_invoice a where (select count(*) from journal_entry e where e.entry_key like '%' || split_part(a.invoice_id, ':', 2) || ':finalized') <> 1")"
echo "unbalanced entries: $(psql_ "select count(*) from (select entry_id from journal_line group by entry_id having sum(debit) <> sum(credit)) u")"
echo "trial balance debits - credits: $(psql_ "select sum(debit) - sum(credit) from journal_line")"
kill "$(cat "$WORK/pid")"; sleep 5
echo "work dir: $WORK"
