package dev.llmguard.redis;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Base64;

import dev.llmguard.core.model.ModelRef;

/**
 * Names of every key the Redis backend writes, all under the key prefix:
 * <pre>
 * {prefix}:bucket:{limit key}:{config hash}        Bucket4j state of one limit (expires when full again)
 * {prefix}:cooldown:{provider/model}              end of a model's cooldown (epoch ms, expires then)
 * {prefix}:slots:{limit key}                      zset: a provider's concurrency slots by lease end (epoch ms)
 * {prefix}:breaker:{provider/model}               a model's circuit breaker: hash u d p t f (see BreakerScripts)
 * {prefix}:limit-overrides                        hash: limits changed at runtime, by setting name
 * {prefix}:{{prefix}}:budget:{budget}:{key}:{period start}  hash sc rc st rt: spent/reserved cost/tokens
 * {prefix}:{{prefix}}:rsv:{id}                     one reservation: a string, its status and what it holds
 * {prefix}:{{prefix}}:rsv-open                     open reservations by lease deadline
 * {prefix}:answer:{{chain}}:{digest}               a chain's cached last answer (expires after its ttl)
 * {prefix}:answer:{{chain}}                        a chain's cached answers by time of writing
 * </pre>
 * and one pub/sub channel (not a key), {@code {prefix}:changes}, on which the breaker scripts publish
 * the key of a breaker whose open-until time they changed, and the cooldown script the key of a
 * cooldown it extended.
 * Reservation records are strings ({@code SET ... GET}: Redis 6.2 or later); their keys are not the
 * {@code res:} and {@code open} of the hash records earlier versions wrote, so instances of both
 * versions sharing a Redis during an upgrade never read one format as the other.
 * Budget keys share the hash tag {@code {prefix}} so the scripts that reserve over several budgets
 * run on one Redis Cluster slot. A segment taken from input (tenant, session) or from configuration
 * is used as it is only when it is short and made of {@code [A-Za-z0-9._/-]}; anything else is
 * replaced by {@code ~} and a SHA-256 digest, so no input can reach another key and every key is
 * bounded in length.
 */
final class RedisKeys {

	/** The key segment of a global budget; cannot be produced by {@link #segment}. */
	private static final String GLOBAL = "~global";

	private final String prefix;

	private final String tagged;

	RedisKeys(String prefix) {
		checkPrefix(prefix);
		this.prefix = prefix;
		this.tagged = prefix + ":{" + prefix + "}";
	}

	static void checkPrefix(String prefix) {
		if (!isValidPrefix(prefix)) {
			throw new IllegalArgumentException("llm.guard.redis.key-prefix must be 1 to 64 printable ASCII characters "
					+ "without spaces or braces (braces are Redis Cluster hash tags), was '" + prefix + "'");
		}
	}

	static boolean isValidPrefix(String prefix) {
		return prefix != null && !prefix.isEmpty() && prefix.length() <= 64 && !prefix.contains("{")
				&& !prefix.contains("}") && prefix.chars().noneMatch((c) -> c <= ' ' || c > '~');
	}

	String prefix() {
		return this.prefix;
	}

	String bucket(String limitKey, String configurationHash) {
		return this.prefix + ":bucket:" + segment(limitKey) + ":" + configurationHash;
	}

	/** The hash of the limits providers reported, by bucket key. */
	String learnedLimits() {
		return this.prefix + ":learned-limits";
	}

	/** The hash of limits changed at runtime, by setting name ({@code providers.openai.requests-per-minute}). */
	String limitOverrides() {
		return this.prefix + ":limit-overrides";
	}

	/** The sorted set of a shared concurrency cap's leases. */
	String slots(String limitKey) {
		return this.prefix + ":slots:" + segment(limitKey);
	}

	String cooldown(ModelRef model) {
		return this.prefix + ":cooldown:" + segment(model.toString());
	}

	String breaker(ModelRef model) {
		return this.prefix + ":breaker:" + segment(model.toString());
	}

	/** The pub/sub channel of breaker and cooldown changes (see {@link ChangeWatch}); not a key, so in no slot. */
	String changes() {
		return this.prefix + ":changes";
	}

	String budget(String budget, String key, Instant periodStart) {
		String who = key.isEmpty() ? GLOBAL : segment(key);
		return this.tagged + ":budget:" + segment(budget) + ":" + who + ":" + periodStart.getEpochSecond();
	}

	String reservation(String id) {
		return reservationPrefix() + segment(id);
	}

	/** Reservation keys are this plus the id; the reserve script reclaims expired ones by id. */
	String reservationPrefix() {
		return this.tagged + ":rsv:";
	}

	String openReservations() {
		return this.tagged + ":rsv-open";
	}

	/** A chain's cached answer under a key digest; the chain's keys share a hash tag, for the bound script. */
	String answer(String chain, String digest) {
		return answers(chain) + ":" + segment(digest);
	}

	/** A chain's cached answers by time of writing, to keep them within max-entries. */
	String answers(String chain) {
		return this.prefix + ":answer:{" + segment(chain) + "}";
	}

	/** A value as a key segment: itself when short and plain, else {@code ~} and its digest. */
	static String segment(String value) {
		if (isPlain(value)) {
			return value;
		}
		return "~" + Base64.getUrlEncoder().withoutPadding().encodeToString(sha256(value)).substring(0, 22);
	}

	/** {@code [A-Za-z0-9._/-]{1,64}}, without a regular expression: checked for every key of every call. */
	private static boolean isPlain(String value) {
		int length = value.length();
		if (length == 0 || length > 64) {
			return false;
		}
		for (int i = 0; i < length; i++) {
			char c = value.charAt(i);
			boolean plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.'
					|| c == '_' || c == '/' || c == '-';
			if (!plain) {
				return false;
			}
		}
		return true;
	}

	static byte[] sha256(String value) {
		try {
			return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException("every Java platform has SHA-256", ex);
		}
	}

	static byte[] bytes(String value) {
		return value.getBytes(StandardCharsets.UTF_8);
	}

	/** A value of a Redis reply as text: bulk strings come as bytes, integers as numbers. */
	static String text(Object value) {
		return (value instanceof byte[] raw) ? new String(raw, StandardCharsets.UTF_8) : String.valueOf(value);
	}

	/** A number as the decimal ASCII Redis reads, written without an intermediate String (several per call). */
	static byte[] number(long value) {
		if (value == Long.MIN_VALUE) {
			return bytes(Long.toString(value));
		}
		byte[] digits = new byte[20];
		int at = digits.length;
		long rest = Math.abs(value);
		do {
			digits[--at] = (byte) ('0' + (rest % 10));
			rest /= 10;
		}
		while (rest != 0);
		if (value < 0) {
			digits[--at] = '-';
		}
		return java.util.Arrays.copyOfRange(digits, at, digits.length);
	}

	/** Two byte strings one after the other (a key prefix built once and an id, say). */
	static byte[] concat(byte[] first, byte[] second) {
		byte[] both = java.util.Arrays.copyOf(first, first.length + second.length);
		System.arraycopy(second, 0, both, first.length, second.length);
		return both;
	}

}
