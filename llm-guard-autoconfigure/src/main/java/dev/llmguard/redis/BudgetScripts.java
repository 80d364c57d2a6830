package dev.llmguard.redis;

import dev.llmguard.redis.RedisGuardBackend.RedisScript;

/**
 * The budget ledger's Lua scripts. Each runs atomically in Redis, over keys that share the hash tag
 * of the key prefix. Amounts travel as decimal strings and are added with HINCRBY (exact 64-bit);
 * limit checks compare Lua numbers, exact up to 2^53 nano-dollars (about $9 million) and tokens.
 * <p>
 * A usage hash holds {@code sc rc st rt}: spent and reserved cost (nano-dollars) and tokens, and
 * {@code g}, its epoch: a value set once when the hash is created and never again, so a hash a reset
 * deleted comes back with another epoch. A reservation record is one string, written with its expiry
 * by one SET: {@code o} (open) and, per charge, the usage key, the amounts it holds there and the
 * epoch it holds them in, separated by spaces (no key contains one); once settled {@code d}, once
 * reclaimed {@code r}. Freeing touches a usage hash only while it has the epoch the record names: a
 * reservation made before a reset frees nothing of what later reservations hold.
 */
final class BudgetScripts {

	private BudgetScripts() {
	}

	/**
	 * Shared functions. {@code free} takes back what a reservation holds in a usage hash, only in the
	 * epoch it was made in, never below zero; {@code h} is the hash's {@code g rc rt}, read by the
	 * caller, and is updated. {@code settle} gives a hash that has no epoch yet one (it was just
	 * created) and sets its expiry: a positive ttl only when the hash is created (its key is that of one
	 * period, whose end does not move), a negative one (budgets without a period: idle expiry) on every
	 * write. {@code fields} splits an open record: {@code o}, then four fields per charge.
	 */
	private static final String FUNCTIONS = """
			local function free(u, c, t, g, h)
			  if g and h[1] ~= g then return end
			  local dc = math.min(tonumber(c), tonumber(h[2] or '0'))
			  local dt = math.min(tonumber(t), tonumber(h[3] or '0'))
			  if dc > 0 then h[2] = redis.call('hincrby', u, 'rc', -dc) end
			  if dt > 0 then h[3] = redis.call('hincrby', u, 'rt', -dt) end
			end
			local function settle(u, h, fresh, ttl)
			  local created = not h[1]
			  if created then
			    redis.call('hset', u, 'g', fresh)
			    h[1] = fresh
			  end
			  local ms = tonumber(ttl)
			  if ms < 0 then redis.call('pexpire', u, -ms)
			  elseif created then redis.call('pexpire', u, ms) end
			end
			local function fields(rec)
			  local f = {}
			  for w in string.gmatch(rec, '%S+') do f[#f + 1] = w end
			  return f
			end
			""";

	/**
	 * Reclaims expired reservations, then reserves every charge or none: per usage hash one read, two
	 * HINCRBY (whose answers are the new amounts) and, when the hash is created, its epoch and expiry;
	 * then the record (one SET with its expiry) and the lease (ZADD).
	 * <pre>
	 * KEYS  open-zset, record, usage_1..usage_n
	 * ARGV  now-ms, deadline-ms, record-ttl-ms, id, record-key-prefix,
	 *       then per charge: cost, tokens, max-cost (-1: none), max-tokens (-1: none),
	 *       usage-ttl-ms (positive: set when created; negative: set on every write)
	 * →     {'1', sc rc st rt per charge after reserving} or {'0', index, sc rc st rt of that charge}
	 * </pre>
	 */
	static final RedisScript RESERVE = RedisScript.of(FUNCTIONS + """
			local expired = redis.call('zrangebyscore', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, 16)
			for _, rid in ipairs(expired) do
			  local rk = ARGV[5] .. rid
			  local rec = redis.call('get', rk)
			  if rec and string.sub(rec, 1, 1) == 'o' then
			    local f = fields(rec)
			    for j = 2, #f, 4 do
			      free(f[j], f[j + 1], f[j + 2], f[j + 3], redis.call('hmget', f[j], 'g', 'rc', 'rt'))
			    end
			    redis.call('set', rk, 'r', 'keepttl')
			  end
			  redis.call('zrem', KEYS[1], rid)
			end
			local n = #KEYS - 2
			local held = {}
			for i = 1, n do
			  local a = 5 * i
			  local v = redis.call('hmget', KEYS[2 + i], 'g', 'sc', 'rc', 'st', 'rt')
			  local maxc = tonumber(ARGV[a + 3])
			  local maxt = tonumber(ARGV[a + 4])
			  if (maxc >= 0 and tonumber(v[2] or '0') + tonumber(v[3] or '0') + tonumber(ARGV[a + 1]) > maxc)
			      or (maxt >= 0 and tonumber(v[4] or '0') + tonumber(v[5] or '0') + tonumber(ARGV[a + 2]) > maxt) then
			    return {'0', tostring(i), v[2] or '0', v[3] or '0', v[4] or '0', v[5] or '0'}
			  end
			  held[i] = v
			end
			local rec = {'o'}
			local out = {'1'}
			for i = 1, n do
			  local a = 5 * i
			  local u = KEYS[2 + i]
			  local h = held[i]
			  settle(u, h, ARGV[4], ARGV[a + 5])
			  local b = 4 * i
			  out[b - 2] = h[2] or '0'
			  out[b - 1] = redis.call('hincrby', u, 'rc', ARGV[a + 1])
			  out[b] = h[4] or '0'
			  out[b + 1] = redis.call('hincrby', u, 'rt', ARGV[a + 2])
			  rec[b - 2] = u
			  rec[b - 1] = ARGV[a + 1]
			  rec[b] = ARGV[a + 2]
			  rec[b + 1] = h[1]
			end
			redis.call('set', KEYS[2], table.concat(rec, ' '), 'px', ARGV[3])
			redis.call('zadd', KEYS[1], ARGV[2], ARGV[4])
			redis.call('pexpire', KEYS[1], ARGV[3])
			return out
			""");

	/**
	 * Spends the actual amounts in every charge's current period and frees what the reservation
	 * held, once: a second commit changes nothing. A reservation that was reclaimed, or never reached
	 * Redis (admitted fail-open), is spent without freeing anything; one made before a reset is spent
	 * in the fresh state and frees nothing, like in the in-memory ledger. One SET both marks the
	 * record settled and reads what it was; per charge, one read of the usage hash (two when the
	 * period rolled over) and up to four HINCRBY, whose answers are the amounts returned.
	 * <pre>
	 * KEYS  open-zset, record, then per charge: reserved-usage, current-usage
	 * ARGV  id, cost, tokens, record-ttl-ms, then per charge: current-usage-ttl-ms (as in RESERVE)
	 * →     {'1' or '0' (already settled), sc rc st rt of each current usage}
	 * </pre>
	 */
	static final RedisScript COMMIT = RedisScript.of(FUNCTIONS + """
			local n = (#KEYS - 2) / 2
			local rec = redis.call('set', KEYS[2], 'd', 'px', ARGV[4], 'get')
			local out = {'1'}
			if rec == 'd' then
			  out[1] = '0'
			  for i = 1, n do
			    local v = redis.call('hmget', KEYS[2 + 2 * i], 'sc', 'rc', 'st', 'rt')
			    for k = 1, 4 do out[4 * i - 3 + k] = v[k] or '0' end
			  end
			  return out
			end
			local f = (rec and string.sub(rec, 1, 1) == 'o') and fields(rec) or nil
			for i = 1, n do
			  local r = KEYS[1 + 2 * i]
			  local u = KEYS[2 + 2 * i]
			  local h = nil
			  if f then
			    local j = 4 * i - 2
			    h = redis.call('hmget', r, 'g', 'rc', 'rt')
			    free(r, f[j + 1], f[j + 2], f[j + 3], h)
			  end
			  if r ~= u or not h then h = redis.call('hmget', u, 'g', 'rc', 'rt') end
			  -- an epoch no reservation holds: this reservation's own id may be the epoch of an earlier hash
			  settle(u, h, ARGV[1] .. '/s', ARGV[4 + i])
			  local b = 4 * i
			  out[b - 2] = redis.call('hincrby', u, 'sc', ARGV[2])
			  out[b - 1] = h[2] or '0'
			  out[b] = redis.call('hincrby', u, 'st', ARGV[3])
			  out[b + 1] = h[3] or '0'
			end
			if f then redis.call('zrem', KEYS[1], ARGV[1]) end
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
	static final RedisScript RELEASE = RedisScript.of(FUNCTIONS + """
			local rec = redis.call('get', KEYS[2])
			if not rec or string.sub(rec, 1, 1) ~= 'o' then
			  return {'0'}
			end
			local f = fields(rec)
			for i = 1, #KEYS - 2 do
			  local u = KEYS[2 + i]
			  local j = 4 * i - 2
			  free(u, f[j + 1], f[j + 2], f[j + 3], redis.call('hmget', u, 'g', 'rc', 'rt'))
			end
			redis.call('set', KEYS[2], 'd', 'keepttl')
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

	/**
	 * Extends a model's cooldown, never shortens it; an extension is published on the changes channel
	 * ({@link ChangeWatch}) in the same atomic step, by a {@code pcall}, so a user denied the channel
	 * still extends it.
	 * <pre>
	 * KEYS  cooldown
	 * ARGV  until-epoch-ms, ttl-ms, channel
	 * </pre>
	 */
	static final RedisScript COOL_DOWN = RedisScript.of("""
			local current = redis.call('get', KEYS[1])
			if (not current) or tonumber(current) < tonumber(ARGV[1]) then
			  redis.call('set', KEYS[1], ARGV[1], 'px', ARGV[2])
			  redis.pcall('publish', ARGV[3], KEYS[1])
			end
			return {}
			""");

}
