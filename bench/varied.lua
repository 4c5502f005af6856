-- wrk script: every request a different path, read from the file named by BENCH_PATHS
-- (one path per line), in the file's order from a random place, round and round.
-- Used by bench/loadgen.py for the "varied URLs" rows: as a shop's traffic arrives, not one
-- URL a cache answers after the first request.

local paths = {}
local position = 1

function init(args)
  for line in io.lines(os.getenv("BENCH_PATHS")) do
    if line ~= "" then
      table.insert(paths, line)
    end
  end
  math.randomseed(tonumber(os.getenv("BENCH_SEED") or "1"))
  position = math.random(#paths)
end

function request()
  local path = paths[position]
  position = position % #paths + 1
  return wrk.format("GET", path)
end
