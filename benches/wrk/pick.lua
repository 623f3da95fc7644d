-- GETs WRK_PREFIX .. <a random line of WRK_LINES, URL-encoded> .. WRK_SUFFIX
-- (or just WRK_PREFIX without WRK_LINES), with an optional bearer token
-- (WRK_BEARER) or Cookie header (WRK_COOKIE). Prints one machine-readable line:
--   RESULT <req/s> <p50 ms> <p99 ms> <non-2xx/3xx responses> <socket errors> <requests>
local file = os.getenv("WRK_LINES") or ""
local prefix = os.getenv("WRK_PREFIX") or "/"
local suffix = os.getenv("WRK_SUFFIX") or ""
local bearer = os.getenv("WRK_BEARER") or ""
local cookie = os.getenv("WRK_COOKIE") or ""

local lines = {}
if file ~= "" then
  for l in io.lines(file) do
    if #l > 0 then lines[#lines + 1] = l end
  end
end

local function encode(s)
  return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

local headers = {}
if bearer ~= "" then headers["Authorization"] = "Bearer " .. bearer end
if cookie ~= "" then headers["Cookie"] = cookie end

-- Every request is formatted once, here: URL-encoding a 300-character token
-- for each request took more of wrk's core than the service took of its own, so
-- the token and QR figures measured wrk (issue 12).
local requests = {}

function init(args)
  math.randomseed(os.time() + math.floor(os.clock() * 1e6))
  if #lines == 0 then
    requests[1] = wrk.format("GET", prefix .. suffix, headers)
  end
  for i, l in ipairs(lines) do
    requests[i] = wrk.format("GET", prefix .. encode(l) .. suffix, headers)
  end
end

function request()
  return requests[math.random(#requests)]
end

function done(summary, latency, requests)
  local secs = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format("RESULT %.0f %.3f %.3f %d %d %d\n",
    summary.requests / secs,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    e.status, e.connect + e.read + e.write + e.timeout, summary.requests))
end
