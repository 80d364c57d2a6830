package dev.llmguard.core.limit;

import java.util.Objects;

/**
 * Capacity taken for a call in shadow mode, at once and whatever the limits said, and what enforcing
 * would have done instead.
 *
 * @param permit the permit, to settle or release exactly once
 * @param decision {@code null} when the capacity was there; {@code wait} when enforcing would have
 * waited for it within the call's max wait; {@code rate_limited} when enforcing would have refused the call
 * @param detail what was missing, or {@code null}
 */
public record ShadowAdmission(RatePermit permit, String decision, String detail) {

	public ShadowAdmission {
		Objects.requireNonNull(permit, "permit");
	}

}
