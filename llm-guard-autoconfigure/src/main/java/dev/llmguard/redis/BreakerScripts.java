package dev.llmguard.redis;

import dev.llmguard.redis.RedisGuardBackend.RedisScript;

/**
 * The circuit breakers' Lua scripts, one key each: a hash of one model's breaker. Times are epoch
 * milliseconds of Redis's clock ({@link RedisGuardBackend#time()}), passed in by the caller.
 * <pre>
 * u  end of the open time (absent: closed)      d  the open time
 * p  end of the half-open probe's lease          t  the probe's token
 * f  failure times within the window while closed, comma-separated, at most the policy's count
 * </pre>
 * A closed breaker's key expires a window after its last failure; an open one's a day after its open
 * time ends, so a half-open breaker nobody calls is forgotten (closed) then.
 * <p>
 * Every script that adds, changes or removes {@code u} also publishes the breaker's key on the
 * channel passed as its last argument ({@link RedisKeys#changes()}), in the same atomic step,
 * so an instance that keeps closed breakers in memory ({@link ChangeWatch}) learns of it. The publish
 * is a {@code pcall}: a Redis user denied the channel (Redis 7's default for new ACL users) still
 * changes the breaker; its instances cannot subscribe either, so they ask Redis on every call.
 */
final class BreakerScripts {

	private BreakerScripts() {
	}

	private static final String FORMAT = """
			local function fmt(x) return string.format('%.0f', x) end
			""";

	/**
	 * Lets one call through.
	 * <pre>
	 * KEYS  breaker       ARGV  now-ms, token
	 * →     {'c'} closed; {'o', until} open; {'b', lease-end} probe out; {'p', lease-end} this call probes
	 * </pre>
	 */
	static final RedisScript PASS = RedisScript.of(FORMAT + """
			local v = redis.call('hmget', KEYS[1], 'u', 'd', 'p')
			if not v[1] then return {'c'} end
			local now = tonumber(ARGV[1])
			if now < tonumber(v[1]) then return {'o', v[1]} end
			if v[3] and tonumber(v[3]) > now then return {'b', v[3]} end
			local lease = fmt(now + tonumber(v[2]))
			redis.call('hset', KEYS[1], 'p', lease, 't', ARGV[2])
			return {'p', lease}
			""");

	/**
	 * Counts a failure (see {@code BreakerStore#failed}).
	 * <pre>
	 * KEYS  breaker       ARGV  now-ms, failures, window-ms, open-for-ms, max-open-ms, remember-ms, channel
	 * →     {'counted', n} | {'opened' | 'extended' | 'unchanged' | 'reopened', until, open-time}
	 * </pre>
	 */
	static final RedisScript FAILED = RedisScript.of(FORMAT + """
			local now = tonumber(ARGV[1])
			local base = tonumber(ARGV[4])
			local remember = tonumber(ARGV[6])
			local v = redis.call('hmget', KEYS[1], 'u', 'd', 'f')
			if not v[1] then
			  local from = now - tonumber(ARGV[3])
			  local keep = {}
			  if v[3] then
			    for t in string.gmatch(v[3], '[^,]+') do
			      if tonumber(t) > from then keep[#keep + 1] = t end
			    end
			  end
			  keep[#keep + 1] = ARGV[1]
			  local n = tonumber(ARGV[2])
			  while #keep > n do table.remove(keep, 1) end
			  if #keep < n then
			    redis.call('hset', KEYS[1], 'f', table.concat(keep, ','))
			    redis.call('pexpire', KEYS[1], ARGV[3])
			    return {'counted', tostring(#keep)}
			  end
			  redis.call('del', KEYS[1])
			  redis.call('hset', KEYS[1], 'u', fmt(now + base), 'd', fmt(base))
			  redis.call('pexpire', KEYS[1], fmt(base + remember))
			  redis.pcall('publish', ARGV[7], KEYS[1])
			  return {'opened', fmt(now + base), fmt(base)}
			end
			local u = tonumber(v[1])
			local d = tonumber(v[2])
			if now < u then
			  d = math.max(d, base)
			  redis.call('hset', KEYS[1], 'd', fmt(d))
			  if now + d <= u then return {'unchanged', v[1], fmt(d)} end
			  redis.call('hset', KEYS[1], 'u', fmt(now + d))
			  redis.call('pexpire', KEYS[1], fmt(d + remember))
			  redis.pcall('publish', ARGV[7], KEYS[1])
			  return {'extended', fmt(now + d), fmt(d)}
			end
			d = math.max(d, base, math.min(2 * d, tonumber(ARGV[5])))
			redis.call('hset', KEYS[1], 'u', fmt(now + d), 'd', fmt(d))
			redis.call('hdel', KEYS[1], 'p', 't')
			redis.call('pexpire', KEYS[1], fmt(d + remember))
			redis.pcall('publish', ARGV[7], KEYS[1])
			return {'reopened', fmt(now + d), fmt(d)}
			""");

	/**
	 * The probe with this token succeeded: closes the breaker.
	 * <pre>
	 * KEYS  breaker       ARGV  token, channel       →  {'1'} closed, {'0'} not this probe's breaker any more
	 * </pre>
	 */
	static final RedisScript PROBE_SUCCEEDED = RedisScript.of("""
			if redis.call('hget', KEYS[1], 't') == ARGV[1] then
			  redis.call('del', KEYS[1])
			  redis.pcall('publish', ARGV[2], KEYS[1])
			  return {'1'}
			end
			return {'0'}
			""");

	/**
	 * The probe with this token ends undecided: the next call probes.
	 * <pre>
	 * KEYS  breaker       ARGV  token
	 * </pre>
	 */
	static final RedisScript PROBE_ABANDONED = RedisScript.of("""
			if redis.call('hget', KEYS[1], 't') == ARGV[1] then
			  redis.call('hdel', KEYS[1], 'p', 't')
			end
			return {}
			""");

}
