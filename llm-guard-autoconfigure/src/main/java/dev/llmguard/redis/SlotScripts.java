package dev.llmguard.redis;

import dev.llmguard.redis.RedisGuardBackend.RedisScript;

/**
 * The Lua scripts of the fleet-wide concurrency cap. A provider's slots are one sorted set: each
 * member is a slot's id, its score the end of its lease (epoch ms, Redis's clock). A slot whose lease
 * has ended is a slot an instance left behind (it died, or lost Redis for longer than a lease): the
 * next take removes it before counting.
 */
final class SlotScripts {

	private SlotScripts() {
	}

	/**
	 * Removes ended leases, then takes a slot if fewer than the limit are held.
	 * <pre>
	 * KEYS  slots
	 * ARGV  now-ms, deadline-ms, limit, id, key-ttl-ms
	 * →     {1, held after} when taken, {0, held} when not
	 * </pre>
	 */
	static final RedisScript TAKE = RedisScript.of("""
			redis.call('zremrangebyscore', KEYS[1], '-inf', ARGV[1])
			local held = redis.call('zcard', KEYS[1])
			if held >= tonumber(ARGV[3]) then
			  return {0, held}
			end
			redis.call('zadd', KEYS[1], ARGV[2], ARGV[4])
			redis.call('pexpire', KEYS[1], ARGV[5])
			return {1, held + 1}
			""");

	/**
	 * Extends the leases of slots still held, each to the same new deadline; a slot removed meanwhile
	 * is not taken again.
	 * <pre>
	 * KEYS  slots
	 * ARGV  deadline-ms, key-ttl-ms, then the ids
	 * →     the ids that were no longer held
	 * </pre>
	 */
	static final RedisScript RENEW = RedisScript.of("""
			local gone = {}
			for i = 3, #ARGV do
			  if redis.call('zscore', KEYS[1], ARGV[i]) then
			    redis.call('zadd', KEYS[1], ARGV[1], ARGV[i])
			  else
			    table.insert(gone, ARGV[i])
			  end
			end
			if redis.call('exists', KEYS[1]) == 1 then
			  redis.call('pexpire', KEYS[1], ARGV[2])
			end
			return gone
			""");

	/**
	 * Counts the slots whose lease has not ended.
	 * <pre>
	 * KEYS  slots
	 * ARGV  now-ms
	 * →     {held}
	 * </pre>
	 */
	static final RedisScript COUNT = RedisScript.of("""
			return {redis.call('zcount', KEYS[1], '(' .. ARGV[1], '+inf')}
			""");

}
