-- The request mix of `manage.py bench_web`, for wrk 4 (LuaJIT).
--
--   wrk ... -s mix.lua http://127.0.0.1:PORT -- <sessions file> <mode>
--
-- mode "mix" draws each request from the file's `weight` lines; any other mode
-- ("reference", "reference_anonymous", or one kind of page) sends only that kind of request.
-- "reference" carries a signed-in partner's session cookie (the same middleware work as the
-- partners' pages); "reference_anonymous" sends no cookie at all.
-- The sessions file (trustrepair/bench/web/sessions.py) has tab-separated lines:
--   config    <key> <value>          origin, csrf token, cookie names, reference_path, path_<kind>
--   weight    <kind> <percent>       the kinds of trustrepair/bench/web/mix.py (dashboard, exercise, ...)
--   partner   <session key> <path of an exercise page of their couple>
--   therapist <session key> <comma-separated paths of their consented couples' pages, or "-">
-- done() prints "BENCH_RESULT key=value ..." and "BENCH_QUANTILES q0.1,q0.2,...,q100", which bench_web reads.

local threads = {}
local thread_count = 0

function setup(thread)
   thread_count = thread_count + 1
   thread:set("thread_id", thread_count)
   table.insert(threads, thread)
end

local KINDS = {
   "dashboard", "exercise", "exercises", "checkin", "progress", "journey", "questions", "agreements",
   "caseload", "therapist_couple", "reference", "reference_anonymous",
}
local MOODS = { "calm", "hopeful", "tender", "tired", "anxious", "sad" }
local config, partners, therapists, viewers, plan = {}, {}, {}, {}, {}
local total_weight = 0

local function split(line)
   local fields = {}
   for field in string.gmatch(line, "[^\t]+") do
      fields[#fields + 1] = field
   end
   return fields
end

function init(args)
   -- wrk passes the URL as args[0]; our own arguments follow.
   local path, mode = args[1], args[2] or "mix"
   math.randomseed(os.time() + 7919 * (thread_id or 0))
   local weights = {}
   for line in io.lines(path) do
      local f = split(line)
      if f[1] == "config" then
         config[f[2]] = f[3]
      elseif f[1] == "weight" then
         weights[f[2]] = tonumber(f[3])
      elseif f[1] == "partner" then
         partners[#partners + 1] = { key = f[2], exercise = f[3] }
      elseif f[1] == "therapist" then
         local couples = {}
         for couple in string.gmatch(f[3] or "-", "[^,]+") do
            if couple ~= "-" then
               couples[#couples + 1] = couple
            end
         end
         therapists[#therapists + 1] = { key = f[2], couples = couples }
         if #couples > 0 then
            viewers[#viewers + 1] = therapists[#therapists]
         end
      end
   end
   if mode ~= "mix" then
      weights = { [mode] = 1 }
   end
   for _, kind in ipairs(KINDS) do
      local weight = weights[kind] or 0
      if weight > 0 then
         total_weight = total_weight + weight
         plan[#plan + 1] = { kind = kind, upto = total_weight }
      end
      _G["issued_" .. kind] = 0
   end
   status_2xx, status_3xx, status_4xx, status_5xx = 0, 0, 0, 0
end

-- Every signed-in request carries both cookies, as a browser does once it holds them (without the
-- CSRF cookie, each page that shows a form would have to make a new CSRF secret and set the cookie).
local function cookie(key)
   return config.session_cookie .. "=" .. key .. "; " .. config.csrf_cookie .. "=" .. config.csrf_token
end

local function pick()
   local r = math.random() * total_weight
   for _, step in ipairs(plan) do
      if r < step.upto then
         return step.kind
      end
   end
   return plan[#plan].kind
end

function request()
   local kind = pick()
   _G["issued_" .. kind] = _G["issued_" .. kind] + 1
   if kind == "reference_anonymous" then
      return wrk.format("GET", config.reference_path, {})
   end
   if kind == "caseload" then
      local therapist = therapists[math.random(#therapists)]
      return wrk.format("GET", config.path_caseload, { ["Cookie"] = cookie(therapist.key) })
   end
   if kind == "therapist_couple" then
      local therapist = viewers[math.random(#viewers)]
      local couple = therapist.couples[math.random(#therapist.couples)]
      return wrk.format("GET", couple, { ["Cookie"] = cookie(therapist.key) })
   end
   local partner = partners[math.random(#partners)]
   if kind == "checkin" then
      -- Today's check-in, created by the first post and updated by the next ones.
      local body = "mood=" .. MOODS[math.random(#MOODS)] .. "&safety=" .. math.random(0, 10) .. "&trust="
         .. math.random(0, 10) .. "&need=&share=ratings&therapist_visible=on"
      local headers = {
         ["Cookie"] = cookie(partner.key),
         ["X-CSRFToken"] = config.csrf_token,
         ["Origin"] = config.origin,
         ["Referer"] = config.origin .. config.path_checkin,
         ["Content-Type"] = "application/x-www-form-urlencoded",
      }
      return wrk.format("POST", config.path_checkin, headers, body)
   end
   local path
   if kind == "exercise" then
      path = partner.exercise
   elseif kind == "reference" then
      path = config.reference_path
   else
      path = config["path_" .. kind] -- dashboard, exercises, progress, journey, questions, agreements
   end
   return wrk.format("GET", path, { ["Cookie"] = cookie(partner.key) })
end

function response(status, headers, body)
   if status < 300 then
      status_2xx = status_2xx + 1
   elseif status < 400 then
      status_3xx = status_3xx + 1
   elseif status < 500 then
      status_4xx = status_4xx + 1
   else
      status_5xx = status_5xx + 1
   end
end

function done(summary, latency, requests)
   local totals = { status_2xx = 0, status_3xx = 0, status_4xx = 0, status_5xx = 0 }
   for _, kind in ipairs(KINDS) do
      totals["issued_" .. kind] = 0
   end
   for _, thread in ipairs(threads) do
      for name, _ in pairs(totals) do
         totals[name] = totals[name] + (thread:get(name) or 0)
      end
   end
   local e = summary.errors
   local out = string.format(
      "BENCH_RESULT requests=%d duration_us=%d bytes=%d p50_us=%d p75_us=%d p90_us=%d p95_us=%d p99_us=%d"
         .. " mean_us=%d max_us=%d connect=%d read=%d write=%d status=%d timeout=%d",
      summary.requests, summary.duration, summary.bytes,
      latency:percentile(50), latency:percentile(75), latency:percentile(90), latency:percentile(95),
      latency:percentile(99), latency.mean, latency.max, e.connect, e.read, e.write, e.status, e.timeout
   )
   for name, value in pairs(totals) do
      out = out .. " " .. name .. "=" .. value
   end
   io.write(out .. "\n")
   -- The latency quantiles at every 0.1% (microseconds), so runs done in slices can be merged.
   local quantiles = {}
   for step = 1, 1000 do
      quantiles[step] = string.format("%d", latency:percentile(step / 10))
   end
   io.write("BENCH_QUANTILES " .. table.concat(quantiles, ",") .. "\n")
end
