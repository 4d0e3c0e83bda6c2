-- bench/signed.lua: wrk replays pre-signed requests, each exactly once.
--
--   wrk -tT -c50 -d5s -s bench/signed.lua http://127.0.0.1:PORT/ -- FILE T
--
-- FILE is written by bench/signreqs: requests framed as "<length>\n<raw
-- request>". Thread k of T (0-based; T defaults to 1) sends requests k,
-- k+T, k+2T, ... so the threads' slices are disjoint, and no request is sent
-- twice: the gateway accepts a nonce once, and a second send would be
-- refused and measured as a refusal. wrk connects to PORT; the Host header
-- is the one in the requests.
--
-- Every answer's status is counted. done() prints one summary line,
--   signed.lua: R responses, E non-2xx, O resent, U of L requests used
-- and, when any answer was not 2xx or a thread ran out of requests, a line
-- starting "INVALID" (scripts/bench.sh refuses such a run). A thread that
-- runs out sends its last request again (O counts them), which the gateway
-- refuses: FILE must hold more requests than wrk can send in the run. U
-- includes the one request wrk takes, but does not send, to check the
-- script.

local threads = {}
local counter = 0

function setup(thread)
   thread:set("id", counter)
   table.insert(threads, thread)
   counter = counter + 1
end

function init(args)
   local path = args[1]
   if not path then
      error("signed.lua: no request file (wrk ... -- FILE)")
   end
   local f = assert(io.open(path, "rb"))
   local data = f:read("*a")
   f:close()
   -- A thread's init() runs before the next thread's setup(), so the
   -- thread count is not known here: the caller passes it (wrk's -t).
   local nthreads = tonumber(args[2] or "1")
   reqs = {}
   local pos, i = 1, 0
   local len = #data
   while pos <= len do
      local nl = string.find(data, "\n", pos, true)
      if not nl then
         error("signed.lua: " .. path .. ": truncated at byte " .. pos)
      end
      local n = tonumber(string.sub(data, pos, nl - 1))
      if not n or nl + n > len then
         error("signed.lua: " .. path .. ": bad frame at byte " .. pos)
      end
      if i % nthreads == id then
         reqs[#reqs + 1] = string.sub(data, nl + 1, nl + n)
      end
      i = i + 1
      pos = nl + n + 1
   end
   loaded = i
   next_req = 1
   sent = 0
   responses = 0
   bad = 0
   overrun = 0
end

function request()
   local r = reqs[next_req]
   if r then
      next_req = next_req + 1
      sent = sent + 1
      return r
   end
   -- Out of requests: resend the last one (the gateway refuses it) and
   -- count, so that the run is reported as invalid rather than cut short.
   overrun = overrun + 1
   return reqs[#reqs]
end

function response(status, headers, body)
   responses = responses + 1
   if status < 200 or status > 299 then
      bad = bad + 1
   end
end

function done(summary, latency, requests)
   local r, e, s, l, o = 0, 0, 0, 0, 0
   for _, t in ipairs(threads) do
      r = r + t:get("responses")
      e = e + t:get("bad")
      s = s + t:get("sent")
      o = o + t:get("overrun")
      l = t:get("loaded")
   end
   io.write(string.format("signed.lua: %d responses, %d non-2xx, %d resent, %d of %d requests used\n", r, e, o, s, l))
   if e > 0 or o > 0 then
      io.write(string.format("INVALID signed run: %d answers were not 2xx, %d requests were sent a second time (the file held %d)\n", e, o, l))
   end
end
