-- wrk script of WebhookIngestBenchmark: each connection sends the next of a file of pre-signed
-- requests (one a line: Stripe-Signature, a tab, the JSON body), the file shared out between the
-- threads; an optional fixed pause before each request paces the load (an offered rate instead of
-- as fast as the server answers). Arguments after "--": file, threads, path, pause in ms.
local threads = {}

function setup(thread)
    thread:set("id", #threads)
    table.insert(threads, thread)
end

function init(args)
    local file, count, path = args[1], tonumber(args[2]), args[3]
    pause = tonumber(args[4] or "0")
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

function delay()
    return pause
end

function done(summary, latency, requests)
    io.write(string.format("WRK requests=%d duration_us=%d p50_us=%d p99_us=%d max_us=%d non2xx=%d errors=%d\n",
        summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
        summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
