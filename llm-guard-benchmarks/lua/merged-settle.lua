-- A prototype, not used by llm-guard: what one script settling a whole call would run in Redis (see
-- merged-admit.lua): the record settled and read, per budget the reservation freed and the spending
-- added, the unused tokens given back to the buckets, the slot and the lease removed.
-- KEYS  leases, record, usage_1, usage_2, bucket_1, bucket_2, slots
-- ARGV  id, cost, tokens, record-ttl-ms, then per budget: reserved cost, reserved tokens; then per
--       bucket: tokens given back
redis.call('set', KEYS[2], 'd', 'px', ARGV[4], 'get')
local out = {1}
for i = 1, 2 do
  local u = KEYS[2 + i]
  local h = redis.call('hmget', u, 'g', 'rc', 'rt')
  local a = 3 + 2 * i
  local dc = math.min(tonumber(ARGV[a]), tonumber(h[2] or '0'))
  local dt = math.min(tonumber(ARGV[a + 1]), tonumber(h[3] or '0'))
  if dc > 0 then redis.call('hincrby', u, 'rc', -dc) end
  if dt > 0 then redis.call('hincrby', u, 'rt', -dt) end
  out[#out + 1] = redis.call('hincrby', u, 'sc', ARGV[2])
  out[#out + 1] = redis.call('hincrby', u, 'st', ARGV[3])
end
for j = 1, 2 do
  if tonumber(ARGV[8 + j]) > 0 then redis.call('hincrby', KEYS[4 + j], 't', ARGV[8 + j]) end
end
redis.call('zrem', KEYS[7], ARGV[1])
redis.call('zrem', KEYS[1], ARGV[1])
return out
