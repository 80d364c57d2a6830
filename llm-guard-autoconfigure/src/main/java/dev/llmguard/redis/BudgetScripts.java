package dev.llmguard.redis;

import dev.llmguard.redis.RedisGuardBackend.RedisScript;

/**
 * The budget ledger's Lua scripts. Each runs atomically in Redis, over keys that share the hash tag
 * of the key prefix. Amounts travel as decimal strings and are added with HINCRBY (exact 64-bit);
 * limit checks compare Lua numbers, exact up to 2^53 nano-dollars (about $9 million) and tokens.
 * <p>
 * A usage hash holds {@code sc rc st rt}: spent and reserved cost (nano-dollars) and tokens, and
 * {@code g}, its epoch: a value set once when the hash is created and never again, so a hash a reset
 * deleted comes back with another epoch. A reservation record holds {@code s} (o open, d done, r
 * reclaimed), {@code n} and, per charge, {@code u<i> c<i> t<i> g<i>}: the usage key, the amounts it
 * holds there and the epoch it holds them in. Freeing them touches the hash only while it has that
 * epoch: a reservation made before a reset frees nothing of what later reservations hold.
 */
final class BudgetScripts {

	private BudgetScripts() {
	}

	/**
	 * Frees what a reservation holds in a usage hash, only in the epoch it was made in (records
	 * written before epochs existed carry none and free as before), never below zero. Gives a hash
	 * its epoch when it is created.
	 */
	private static final String RELEASE_FUNCTION = """
			local function free(u, c, t, g)
			  if g and redis.call('hget', u, 'g') ~= g then return end
			  local v = redis.call('hmget', u, 'rc', 'rt')
			  local dc = math.min(tonumber(c), tonumber(v[1] or '0'))
			  local dt = math.min(tonumber(t), tonumber(v[2] or '0'))
			  if dc > 0 then redis.call('hincrby', u, 'rc', -dc) end
			  if dt > 0 then redis.call('hincrby', u, 'rt', -dt) end
			end
			local function usage(u)
			  local v = redis.call('hmget', u, 'sc', 'rc', 'st', 'rt')
			  return {v[1] or '0', v[2] or '0', v[3] or '0', v[4] or '0'}
			end
			local function epoch(u, fresh)
			  redis.call('hsetnx', u, 'g', fresh)
			  return redis.call('hget', u, 'g')
			end
			""";

	/**
	 * Reclaims expired reservations, then reserves every charge or none.
	 * <pre>
	 * KEYS  open-zset, record, usage_1..usage_n
	 * ARGV  now-ms, deadline-ms, record-ttl-ms, id, record-key-prefix,
	 *       then per charge: cost, tokens, max-cost (-1: none), max-tokens (-1: none), usage-ttl-ms
	 * →     {'1', sc rc st rt per charge after reserving} or {'0', index, sc rc st rt of that charge}
	 * </pre>
	 */
	static final RedisScript RESERVE = RedisScript.of(RELEASE_FUNCTION + """
			local expired = redis.call('zrangebyscore', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, 16)
			for _, rid in ipairs(expired) do
			  local rk = ARGV[5] .. rid
			  if redis.call('hget', rk, 's') == 'o' then
			    local held = tonumber(redis.call('hget', rk, 'n') or '0')
			    for j = 1, held do
			      local f = redis.call('hmget', rk, 'u' .. j, 'c' .. j, 't' .. j, 'g' .. j)
			      if f[1] then free(f[1], f[2] or '0', f[3] or '0', f[4]) end
			    end
			    redis.call('hset', rk, 's', 'r')
			  end
			  redis.call('zrem', KEYS[1], rid)
			end
			local n = #KEYS - 2
			for i = 1, n do
			  local a = 5 + (i - 1) * 5
			  local v = usage(KEYS[2 + i])
			  local maxc = tonumber(ARGV[a + 3])
			  local maxt = tonumber(ARGV[a + 4])
			  if (maxc >= 0 and tonumber(v[1]) + tonumber(v[2]) + tonumber(ARGV[a + 1]) > maxc)
			      or (maxt >= 0 and tonumber(v[3]) + tonumber(v[4]) + tonumber(ARGV[a + 2]) > maxt) then
			    return {'0', tostring(i), v[1], v[2], v[3], v[4]}
			  end
			end
			local rec = {'s', 'o', 'n', tostring(n)}
			for i = 1, n do
			  local a = 5 + (i - 1) * 5
			  local u = KEYS[2 + i]
			  redis.call('hincrby', u, 'rc', ARGV[a + 1])
			  redis.call('hincrby', u, 'rt', ARGV[a + 2])
			  redis.call('pexpire', u, ARGV[a + 5])
			  table.insert(rec, 'u' .. i) table.insert(rec, u)
			  table.insert(rec, 'c' .. i) table.insert(rec, ARGV[a + 1])
			  table.insert(rec, 't' .. i) table.insert(rec, ARGV[a + 2])
			  table.insert(rec, 'g' .. i) table.insert(rec, epoch(u, ARGV[4]))
			end
			redis.call('hset', KEYS[2], unpack(rec))
			redis.call('pexpire', KEYS[2], ARGV[3])
			redis.call('zadd', KEYS[1], ARGV[2], ARGV[4])
			redis.call('pexpire', KEYS[1], ARGV[3])
			local out = {'1'}
			for i = 1, n do
			  local v = usage(KEYS[2 + i])
			  for k = 1, 4 do table.insert(out, v[k]) end
			end
			return out
			""");

	/**
	 * Spends the actual amounts in every charge's current period and frees what the reservation
	 * held, once: a second commit changes nothing. A reservation that was reclaimed, or never reached
	 * Redis (admitted fail-open), is spent without freeing anything; one made before a reset is spent
	 * in the fresh state and frees nothing, like in the in-memory ledger.
	 * <pre>
	 * KEYS  open-zset, record, then per charge: reserved-usage, current-usage
	 * ARGV  id, cost, tokens, record-ttl-ms, then per charge: current-usage-ttl-ms
	 * →     {'1' or '0' (already settled), sc rc st rt of each current usage}
	 * </pre>
	 */
	static final RedisScript COMMIT = RedisScript.of(RELEASE_FUNCTION + """
			local s = redis.call('hget', KEYS[2], 's')
			local n = (#KEYS - 2) / 2
			local out = {'0'}
			if s ~= 'd' then
			  out[1] = '1'
			  for i = 1, n do
			    if s == 'o' then
			      local f = redis.call('hmget', KEYS[2], 'c' .. i, 't' .. i, 'g' .. i)
			      free(KEYS[1 + 2 * i], f[1] or '0', f[2] or '0', f[3])
			    end
			    local u = KEYS[2 + 2 * i]
			    -- an epoch no reservation holds: this reservation's own id may be the epoch of an earlier hash
			    epoch(u, ARGV[1] .. '/s')
			    redis.call('hincrby', u, 'sc', ARGV[2])
			    redis.call('hincrby', u, 'st', ARGV[3])
			    redis.call('pexpire', u, ARGV[4 + i])
			  end
			  redis.call('hset', KEYS[2], 's', 'd')
			  redis.call('pexpire', KEYS[2], ARGV[4])
			  redis.call('zrem', KEYS[1], ARGV[1])
			end
			for i = 1, n do
			  local v = usage(KEYS[2 + 2 * i])
			  for k = 1, 4 do table.insert(out, v[k]) end
			end
			return out
			""");

	/**
	 * Frees an open reservation without spending, once.
	 * <pre>
	 * KEYS  open-zset, record, reserved-usage_1..n
	 * ARGV  id, record-ttl-ms
	 * →     {'1'} when freed, {'0'} when it was not open
	 * </pre>
	 */
	static final RedisScript RELEASE = RedisScript.of(RELEASE_FUNCTION + """
			if redis.call('hget', KEYS[2], 's') ~= 'o' then
			  return {'0'}
			end
			for i = 1, #KEYS - 2 do
			  local f = redis.call('hmget', KEYS[2], 'c' .. i, 't' .. i, 'g' .. i)
			  free(KEYS[2 + i], f[1] or '0', f[2] or '0', f[3])
			end
			redis.call('hset', KEYS[2], 's', 'd')
			redis.call('pexpire', KEYS[2], ARGV[2])
			redis.call('zrem', KEYS[1], ARGV[1])
			return {'1'}
			""");

	/**
	 * Extends the leases of reservations still open, each to the same new deadline, and keeps their
	 * records as long; a reservation that was settled or reclaimed meanwhile stays as it is.
	 * <pre>
	 * KEYS  open-zset
	 * ARGV  deadline-ms, record-ttl-ms, record-key-prefix, then the ids
	 * →     the ids that were no longer open
	 * </pre>
	 */
	static final RedisScript RENEW = RedisScript.of("""
			local gone = {}
			for i = 4, #ARGV do
			  if redis.call('zscore', KEYS[1], ARGV[i]) then
			    redis.call('zadd', KEYS[1], ARGV[1], ARGV[i])
			    redis.call('pexpire', ARGV[3] .. ARGV[i], ARGV[2])
			  else
			    table.insert(gone, ARGV[i])
			  end
			end
			redis.call('pexpire', KEYS[1], ARGV[2])
			return gone
			""");

	/**
	 * Marks a usage hash as warned, once: field {@code w}. A hash that does not exist (reset, or its
	 * period ended) is not created, so the mark never outlives its usage; the caller then warns.
	 * <pre>
	 * KEYS  usage
	 * →     {1} when this caller is the first to claim the warning, else {0}
	 * </pre>
	 */
	static final RedisScript CLAIM_WARNING = RedisScript.of("""
			if redis.call('exists', KEYS[1]) == 0 then
			  return {1}
			end
			return {redis.call('hsetnx', KEYS[1], 'w', '1')}
			""");

	/**
	 * Marks a usage hash as having raised its {@code budget-forecast} event, once: field {@code f}; like
	 * {@link #CLAIM_WARNING}.
	 * <pre>
	 * KEYS  usage
	 * →     {1} when this caller is the first to claim the event, else {0}
	 * </pre>
	 */
	static final RedisScript CLAIM_FORECAST = RedisScript.of("""
			if redis.call('exists', KEYS[1]) == 0 then
			  return {1}
			end
			return {redis.call('hsetnx', KEYS[1], 'f', '1')}
			""");

	/**
	 * Extends a model's cooldown, never shortens it.
	 * <pre>
	 * KEYS  cooldown
	 * ARGV  until-epoch-ms, ttl-ms
	 * </pre>
	 */
	/**
	 * Keeps a chain's answer for its ttl and the chain within max-entries: KEYS[1] the answer, KEYS[2]
	 * the chain's index, scored by Redis' own time in microseconds (the clock its expiry runs on); ARGV
	 * answer, ttl ms, max entries. Index entries older than the ttl have expired and are dropped; past
	 * max-entries the oldest answers go.
	 */
	static final RedisScript PUT_ANSWER = RedisScript.of("""
			local ttl = tonumber(ARGV[2])
			local time = redis.call('time')
			local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
			redis.call('set', KEYS[1], ARGV[1], 'px', ttl)
			redis.call('zadd', KEYS[2], now, KEYS[1])
			redis.call('zremrangebyscore', KEYS[2], '-inf', now - ttl * 1000)
			local over = redis.call('zcard', KEYS[2]) - tonumber(ARGV[3])
			if over > 0 then
			  local oldest = redis.call('zrange', KEYS[2], 0, over - 1)
			  redis.call('zremrangebyrank', KEYS[2], 0, over - 1)
			  for _, key in ipairs(oldest) do
			    redis.call('del', key)
			  end
			end
			redis.call('pexpire', KEYS[2], ttl)
			return {}
			""");

	static final RedisScript COOL_DOWN = RedisScript.of("""
			local current = redis.call('get', KEYS[1])
			if (not current) or tonumber(current) < tonumber(ARGV[1]) then
			  redis.call('set', KEYS[1], ARGV[1], 'px', ARGV[2])
			end
			return {}
			""");

}
