-- bench/validated.lua: wrk sends the tollgate-validated target's call, a
-- POST whose 3 query parameters (in the URL) and small JSON body the
-- gateway validates against the API's declarations (scripts/bench.sh).
--
--   wrk -t1 -c50 -d5s -H 'Host: G-test.localhost' -s bench/validated.lua \
--       'http://127.0.0.1:PORT/items/42?limit=10&sort=asc&day=2024-02-29'

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"name":"kit","age":3}'
