-- wrk script of WebhookIngestBenchmark: each connection sends the next of a file of pre-signed
-- requests (one a line: Stripe-Signature, a tab, the JSON body), the file shared out between the
-- threads. Arguments after "--": file, threads, path, rate. With a rate (requests a second, all
-- threads together) the requests leave on a fixed schedule, whatever the answers take (an offered
-- load, as a fleet of senders would make it); with 0 each connection sends as soon as it is answered.
local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } lb_timespec;
int clock_gettime(int clock, lb_timespec *ts);
]]
local timespec = ffi.new("lb_timespec")
local function now_ms()
    ffi.C.clock_gettime(1, timespec) -- CLOCK_MONOTONIC
    return tonumber(timespec.tv_sec) * 1000 + tonumber(timespec.tv_nsec) / 1e6
end

local threads = {}

function setup(thread)
    thread:set("id", #threads)
    table.insert(threads, thread)
end

function init(args)
    local file, count, path = args[1], tonumber(args[2]), args[3]
    local rate = tonumber(args[4] or "0")
    interval = rate > 0 and 1000 * count / rate or 0
    requests, next = {}, 0
    local n = 0
    for line in io.lines(file) do
        -- in pairs (an invoice and its payment), so one thread sends both, in order
        if math.floor(n / 2) % count == id then
            local tab = line:find("\t", 1, true)
            local headers = { ["Content-Type"] = "application/json", ["Stripe-Signature"] = line:sub(1, tab - 1) }
            requests[#requests + 1] = wrk.format("POST", path, headers, line:sub(tab + 1))
        end
        n = n + 1
    end
end

function request()
    next = next % #requests + 1
    return requests[next]
end

-- the next slot of this thread's schedule; a schedule more than a second behind starts again from now
function delay()
    if interval == 0 then
        return 0
    end
    local now = now_ms()
    if due == nil or due < now - 1000 then
        due = now
    end
    due = due + interval
    local wait = due - now
    if wait < 0 then
        return 0
    end
    return math.floor(wait + 0.5)
end

function done(summary, latency, requests)
    io.write(string.format("WRK requests=%d duration_us=%d p50_us=%d p99_us=%d max_us=%d non2xx=%d errors=%d\n",
        summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
        summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
