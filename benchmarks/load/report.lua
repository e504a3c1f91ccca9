-- wrk script: keep the session cookie as a browser does (the server sends it again when the
-- session changes, e.g. activity noted once a minute), and print the figures as one JSON line
-- at the end (wrk's own summary has no p95).
local cookie = nil

request = function()
  if cookie then wrk.headers["Cookie"] = cookie end
  return wrk.format()
end

response = function(status, headers, body)
  local set = headers["Set-Cookie"]
  if set then cookie = set:match("^([^;]+)") end
end

done = function(summary, latency, requests)
  local seconds = summary.duration / 1e6
  io.write(string.format(
    '{"requests": %d, "seconds": %.2f, "rps": %.1f, "p50_ms": %.1f, "p95_ms": %.1f, ' ..
    '"p99_ms": %.1f, "max_ms": %.1f, "errors_connect": %d, "errors_read": %d, ' ..
    '"errors_timeout": %d, "errors_status": %d}\n',
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000,
    summary.errors.connect, summary.errors.read, summary.errors.timeout, summary.errors.status))
end
