-- A prototype, not used by llm-guard: what one script admitting a whole call would run in Redis, to
-- measure the floor of redis-server's CPU per guarded call (script-floor.sh). It does the work of
-- today's separate steps for the benchmark's pipeline: the budget reserve over two budgets (reclaim
-- read, read and check, two HINCRBY per budget, the reservation's record and lease), two token
-- buckets (read, refill, check, write) and the concurrency slot (expired leases, count, add).
-- KEYS  leases, record, usage_1, usage_2, bucket_1, bucket_2, slots
-- ARGV  now-ms, deadline-ms, record-ttl-ms, id, then per budget: cost, tokens, max-cost, max-tokens,
--       usage-ttl-ms; then per bucket: amount, capacity, refill per ms; then the slot limit
local now = tonumber(ARGV[1])
redis.call('zrangebyscore', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, 16)
local v1 = redis.call('hmget', KEYS[3], 'g', 'sc', 'rc', 'st', 'rt')
local v2 = redis.call('hmget', KEYS[4], 'g', 'sc', 'rc', 'st', 'rt')
for i, v in ipairs({v1, v2}) do
  local a = 4 + 5 * (i - 1)
  local maxc = tonumber(ARGV[a + 3])
  if maxc >= 0 and tonumber(v[2] or '0') + tonumber(v[3] or '0') + tonumber(ARGV[a + 1]) > maxc then
    return {0, i}
  end
end
local left = {}
for j = 1, 2 do
  local a = 15 + 3 * (j - 1)
  local s = redis.call('hmget', KEYS[4 + j], 't', 'at')
  local cap = tonumber(ARGV[a + 1])
  local tokens = math.min(cap, tonumber(s[1] or ARGV[a + 1]) + (now - tonumber(s[2] or ARGV[1])) * tonumber(ARGV[a + 2]))
  if tokens < tonumber(ARGV[a]) then
    return {0, 10 + j}
  end
  left[j] = tokens - tonumber(ARGV[a])
end
redis.call('zremrangebyscore', KEYS[7], '-inf', ARGV[1])
if redis.call('zcard', KEYS[7]) >= tonumber(ARGV[21]) then
  return {0, 20}
end
for j = 1, 2 do
  redis.call('hset', KEYS[4 + j], 't', left[j], 'at', ARGV[1])
end
redis.call('zadd', KEYS[7], ARGV[2], ARGV[4])
local out = {1}
out[2] = redis.call('hincrby', KEYS[3], 'rc', ARGV[5])
out[3] = redis.call('hincrby', KEYS[3], 'rt', ARGV[6])
out[4] = redis.call('hincrby', KEYS[4], 'rc', ARGV[10])
out[5] = redis.call('hincrby', KEYS[4], 'rt', ARGV[11])
redis.call('set', KEYS[2], table.concat({'o', KEYS[3], ARGV[5], ARGV[6], KEYS[4], ARGV[10], ARGV[11]}, ' '), 'px', ARGV[3])
redis.call('zadd', KEYS[1], ARGV[2], ARGV[4])
redis.call('pexpire', KEYS[1], ARGV[3])
return out
