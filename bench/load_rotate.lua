-- wrk script of bench/load.py: rotates the requests given as arguments and prints a JSON
-- summary. Arguments: two bearer tokens, then (method, path, body or "-", token 1 or 2) fours.
local requests = {}
local n = 0
init = function(args)
  for i = 3, #args, 4 do
    local headers = {
      ["Authorization"] = "Bearer " .. args[tonumber(args[i + 3])],
      ["Content-Type"] = "application/json",
    }
    local body = args[i + 2] ~= "-" and args[i + 2] or nil
    table.insert(requests, wrk.format(args[i], args[i + 1], headers, body))
  end
end
request = function()
  n = n + 1
  return requests[(n % #requests) + 1]
end
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout
  io.write(string.format(
    'WRK {"requests": %d, "seconds": %.3f, "p50_ms": %.2f, "p95_ms": %.2f, "p99_ms": %.2f, "socket_errors": %d, "non_2xx": %d}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000,
    latency:percentile(95) / 1000, latency:percentile(99) / 1000, errors, summary.errors.status))
end
