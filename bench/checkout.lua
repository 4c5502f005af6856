-- wrk script for bench/checkout_http.py: each wrk thread is one buyer on its one connection
-- (run with as many threads as connections), going round create cart -> add to cart (1 or 2
-- lines) -> place order -> next cart, through the REST API as a shop's front end would.
--
-- Environment (set by bench/checkout_http.py):
--   BENCH_VARIANTS  comma-separated variant ids to buy from (uniformly)
--   BENCH_SHIPPING  the shipping method's id
--   BENCH_SEED      seeds each buyer's random numbers (buyer n uses BENCH_SEED + n)
--
-- Latency is not measured here (LuaJIT has no wall clock finer than a second): the server's
-- access log gives it per request. This script counts answers by step and status, and keeps
-- a few placed orders (cart token, idempotency key, order number) for the replay check.
-- done() prints them as lines the Python side parses:
--   STATUS <step> <status> <count>
--   REPLAY <cart token> <idempotency key> <order number>

local threads = {}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

local variants = {}
local shipping = os.getenv("BENCH_SHIPPING")
local buyer_id = 0
local step = "cart"
local token = nil
local lines_wanted = 0
local lines_added = 0
local key = nil
counts = {}  -- globals: done() reads them with thread:get
replays = {}
local KEEP_REPLAYS = 4

local address = '{"full_name": "Bench Buyer", "line1": "1 Load Street", "city": "London", ' ..
  '"postcode": "E1 6AN", "country": "GB"}'

function init(args)
  for id in string.gmatch(os.getenv("BENCH_VARIANTS") or "", "%d+") do
    table.insert(variants, tonumber(id))
  end
  buyer_id = id
  math.randomseed(tonumber(os.getenv("BENCH_SEED") or "1") + buyer_id)
  counts = {}
  replays = {}
end

local function uuid4()
  local template = "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx"
  return (string.gsub(template, "[xy]", function(c)
    local v = (c == "x") and math.random(0, 15) or math.random(8, 11)
    return string.format("%x", v)
  end))
end

local function count(name, status)
  local k = name .. " " .. status
  counts[k] = (counts[k] or 0) + 1
end

function request()
  if step == "cart" then
    return wrk.format("POST", "/api/v1/carts/", {["Content-Type"] = "application/json"}, "")
  elseif step == "add" then
    local variant = variants[math.random(#variants)]
    local body = string.format('{"variant_id": %d, "quantity": %d}', variant, math.random(1, 2))
    return wrk.format("POST", "/api/v1/cart/lines/",
      {["Content-Type"] = "application/json", ["X-Cart-Token"] = token}, body)
  else
    local body = string.format(
      '{"email": "buyer-%d@bench-http.invalid", "shipping_address": %s, "shipping_method_id": %s, ' ..
      '"idempotency_key": "%s"}', buyer_id, address, shipping, key)
    return wrk.format("POST", "/api/v1/checkout/orders/",
      {["Content-Type"] = "application/json", ["X-Cart-Token"] = token}, body)
  end
end

function response(status, headers, body)
  count(step, status)
  if step == "cart" then
    if status == 201 then
      token = string.match(body, '"token"%s*:%s*"([%x%-]+)"')
      lines_wanted = math.random(1, 2)
      lines_added = 0
      step = "add"
    end  -- anything else: try again with a new cart
  elseif step == "add" then
    if status == 201 then
      lines_added = lines_added + 1
    end
    -- 409 out_of_stock: this variant is sold out; the buyer picks another one instead.
    if lines_added >= lines_wanted then
      key = uuid4()
      step = "place"
    end
  else
    if status == 201 then
      local number = string.match(body, '"number"%s*:%s*"([^"]+)"')
      if #replays < KEEP_REPLAYS then
        table.insert(replays, token .. " " .. key .. " " .. (number or "?"))
      end
    end
    -- 201 placed, 409 out of stock (units went to another buyer first): next cart either way.
    step = "cart"
  end
end

function done(summary, latency, requests)
  for _, thread in ipairs(threads) do
    local thread_counts = thread:get("counts")
    for k, v in pairs(thread_counts) do
      io.write(string.format("STATUS %s %d\n", k, v))
    end
    local thread_replays = thread:get("replays")
    for _, line in ipairs(thread_replays) do
      io.write("REPLAY " .. line .. "\n")
    end
  end
end
