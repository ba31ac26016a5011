-- wrk's script for bench/intake.py: each request a new report at one of the bench's points.
--   wrk -s bench/intake.lua http://127.0.0.1:8101 -- rest|open311 <token or API key> <points file>
-- The points file holds "lat lng" per line. REST posts carry the token and an Idempotency-Key
-- of their own; Open311 posts come from many client addresses (X-Forwarded-For), as an app's
-- residents post from theirs.

local TEXTS = {"楼下掉了一地的碎玻璃渣", "路面有大片油污", "门口路面很脏", "人行道上碎玻璃"}
local ADDRESSES = 2000

local threads = {}
local counter = 0

function setup(thread)
   counter = counter + 1
   thread:set("id", counter)
   table.insert(threads, thread)
end

local function urlencode(s)
   return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

function init(args)
   mode, secret = args[1], args[2]
   points = {}
   for line in io.lines(args[3]) do
      local lat, lng = line:match("^(%S+)%s+(%S+)$")
      table.insert(points, {lat, lng})
   end
   math.randomseed(id * 7919 + os.time())
   sent = 0
end

function request()
   sent = sent + 1
   local p = points[math.random(#points)]
   local text = TEXTS[math.random(#TEXTS)] .. "（w" .. id .. "-" .. sent .. "-" .. os.time() .. "）"
   if mode == "open311" then
      local peer = (id * 100003 + sent) % ADDRESSES
      local body = "api_key=" .. urlencode(secret) .. "&service_code=E0104&lat=" .. p[1]
         .. "&long=" .. p[2] .. "&description=" .. urlencode(text)
         .. "&first_name=" .. urlencode("明") .. "&last_name=" .. urlencode("王")
      return wrk.format("POST", "/open311/v2/requests.json", {
         ["Content-Type"] = "application/x-www-form-urlencoded",
         ["X-Forwarded-For"] = "10.0." .. math.floor(peer / 250) .. "." .. (peer % 250 + 1),
      }, body)
   end
   local body = '{"description": "' .. text .. '", "lat": ' .. p[1] .. ', "lng": ' .. p[2]
      .. ', "category_code": "E0104"}'
   return wrk.format("POST", "/api/v1/cases/", {
      ["Content-Type"] = "application/json",
      ["Authorization"] = "Token " .. secret,
      ["Idempotency-Key"] = "wrk-" .. id .. "-" .. sent .. "-" .. os.time() .. "-" .. math.random(1e9),
   }, body)
end

-- One line for bench/intake.py: answered, non-2xx answers, socket errors, p50/p95/p99 in µs.
function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format("WRK %d %d %d %d %d %d\n", summary.requests, e.status,
      e.connect + e.read + e.write + e.timeout,
      latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
