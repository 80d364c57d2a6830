package dev.llmguard.core.limit;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * When a spent quota is whole again: after the delay the provider named, else at the next midnight in
 * the zone its daily quotas reset in.
 */
public final class QuotaReset {

	private QuotaReset() {
	}

	/**
	 * @param providerDelay the delay or reset the provider's answer named, or {@code null}
	 * @param now the current instant
	 * @param zone the provider's quota zone; UTC when {@code null}
	 * @return the instant the quota resets
	 */
	public static Instant of(Duration providerDelay, Instant now, ZoneId zone) {
		if (providerDelay != null && !providerDelay.isNegative() && !providerDelay.isZero()) {
			return now.plus(providerDelay);
		}
		ZoneId in = (zone != null) ? zone : ZoneOffset.UTC;
		LocalDate today = LocalDate.ofInstant(now, in);
		return today.plusDays(1).atStartOfDay(in).toInstant();
	}

}
