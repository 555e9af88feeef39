-- Replays the requests bench/run.py wrote for one scenario, then prints wrk's numbers as JSON.
--
-- wrk ... -s bench/wrk/replay.lua <url> -- <requests file> <threads> <group size>
--
-- Requests file: one request per line, "METHOD<TAB>PATH<TAB>TOKEN<TAB>BODY" (BODY may be empty;
-- a body is sent as application/json). Lines come in groups of <group size>: one group is one
-- user's sequence (a frontend session); "{id}" in a PATH is the id that the group's last 201
-- answer carried. Thread k of n replays groups k, k+n, k+2n, ... so no two threads ever send the
-- same group: a delete scenario's ids are handed out exactly once until the file wraps around.
-- A sequence needs its answers in order, so run grouped files with one connection per thread.

local threads = {}

function setup(thread)
  thread:set("thread_index", #threads)
  table.insert(threads, thread)
end

local groups = {}   -- this thread's groups; each a list of requests (strings, or templates)
local group_index, step = 1, 1
local task_id = nil -- from the last 201 answer of the current group
counts = {}         -- status code (as a string) -> answers; global, so done() can read it

local function parse(line)
  local method, path, token, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
  -- Production sits behind a TLS-terminating proxy that says so; the servers trust it
  -- (TRUST_X_FORWARDED_PROTO=1), so SECURE_SSL_REDIRECT does not answer 301.
  local headers = { ["Authorization"] = "Bearer " .. token, ["X-Forwarded-Proto"] = "https" }
  if body == "" then
    body = nil
  else
    headers["Content-Type"] = "application/json"
  end
  if path:find("{id}", 1, true) then
    return { method = method, path = path, headers = headers, body = body }
  end
  return wrk.format(method, path, headers, body)  -- built once: request() stays cheap
end

function init(args)
  local path, nthreads, size = args[1], tonumber(args[2]), tonumber(args[3])
  local lines = {}
  for line in io.lines(path) do
    lines[#lines + 1] = line
  end
  local ngroups = math.floor(#lines / size)
  local first = thread_index % ngroups  -- more threads than groups: some threads share one
  for g = first, ngroups - 1, nthreads do
    local group = {}
    for s = 1, size do
      group[s] = parse(lines[g * size + s])
    end
    groups[#groups + 1] = group
  end
end

local function next_group()
  group_index = group_index % #groups + 1
  step, task_id = 1, nil
end

local function with_id(r)
  local headers = {}
  for k, v in pairs(r.headers) do headers[k] = v end
  return wrk.format(r.method, (r.path:gsub("{id}", task_id)), headers, r.body)
end

function request()
  while true do
    local group = groups[group_index]
    local r = group[step]
    if type(r) == "string" or task_id then
      local out = type(r) == "string" and r or with_id(r)
      step = step + 1
      if step > #group then next_group() end
      return out
    end
    next_group()  -- this group's create failed: nothing to toggle or delete, start the next one
  end
end

function response(status, headers, body)
  local key = tostring(status)
  counts[key] = (counts[key] or 0) + 1
  if status == 201 then
    task_id = body:match('"id":(%d+)')
  end
end

function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    for code, n in pairs(thread:get("counts")) do
      total[code] = (total[code] or 0) + n
    end
  end
  local status = {}
  for code, n in pairs(total) do
    status[#status + 1] = string.format('"%s":%d', code, n)
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"duration_us":%d,"requests":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"p50":%d,"p90":%d,"p99":%d,"p999":%d,"mean":%.1f,"max":%d,"stdev":%.1f},' ..
    '"status":{%s}}\n',
    summary.duration, summary.requests, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9), latency.mean, latency.max, latency.stdev,
    table.concat(status, ",")))
end
