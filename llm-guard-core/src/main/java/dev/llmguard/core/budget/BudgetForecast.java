package dev.llmguard.core.budget;

import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;

import dev.llmguard.core.config.BudgetSpec;

/**
 * Where a budget's committed spend is heading at its recent rate: the rate of spend between
 * {@code rateSince} and {@code at}, the spend that rate reaches by the period's end, and when it
 * exhausts the budget. Money in nano-dollars; rates are per hour, rounded down.
 * <p>
 * For global budgets the rate is that of the last {@link Budgets#FORECAST_WINDOW} (less early in a
 * period); for tenant and session budgets it is the average since the period started (only totals of
 * the current period are kept per key). A budget with period {@code none} has no period's end: it has
 * no projected spend, and its exhaustion is told as far ahead as the rate puts it.
 *
 * @param budget the budget's name
 * @param key tenant or session key; empty for a global budget
 * @param at when the forecast was made
 * @param rateSince start of the spend the rate is taken from
 * @param spentCostNanos committed cost at {@code at}
 * @param spentTokens committed tokens at {@code at}
 * @param costNanosPerHour cost spent per hour at the rate
 * @param tokensPerHour tokens spent per hour at the rate
 * @param projectedCostNanos committed cost at the period's end at this rate, or {@code null} without a
 * period's end
 * @param projectedTokens committed tokens at the period's end at this rate, or {@code null} without a
 * period's end
 * @param exhaustsAt when the spend reaches {@code max-cost} or {@code max-tokens} (the earlier),
 * {@code at} when it has already; {@code null} when the rate does not exhaust it before the period's end
 * @param resetsAt the period's end, or {@code null} when it never resets
 */
public record BudgetForecast(String budget, String key, Instant at, Instant rateSince, long spentCostNanos,
		long spentTokens, long costNanosPerHour, long tokensPerHour, Long projectedCostNanos, Long projectedTokens,
		Instant exhaustsAt, Instant resetsAt) {

	private static final BigInteger NANOS_PER_HOUR = BigInteger.valueOf(Duration.ofHours(1).toNanos());

	/** Further than this is never: an Instant that far is of no use to anyone. */
	private static final Duration HORIZON = Duration.ofDays(3650);

	/** The length of spend the rate is taken from. */
	public Duration window() {
		return Duration.between(this.rateSince, this.at);
	}

	/** Whether the budget runs out before its period ends (at this rate); never for period {@code none}. */
	public boolean runsOutBeforeReset() {
		return this.exhaustsAt != null && this.resetsAt != null;
	}

	/**
	 * A forecast from the spend at two instants.
	 * @param budget the budget
	 * @param now the usage at {@code at}
	 * @param since when the rate starts
	 * @param sinceCostNanos committed cost at {@code since}
	 * @param sinceTokens committed tokens at {@code since}
	 * @return the forecast, or {@code null} when {@code since} is not before {@code at} or the spend went
	 * down in between (a reset)
	 */
	static BudgetForecast of(BudgetSpec budget, BudgetUsage now, Instant at, Instant since, long sinceCostNanos,
			long sinceTokens) {
		long elapsed = Duration.between(since, at).toNanos();
		long costDelta = now.spentCostNanos() - sinceCostNanos;
		long tokenDelta = now.spentTokens() - sinceTokens;
		if (elapsed <= 0 || costDelta < 0 || tokenDelta < 0) {
			return null;
		}
		Instant resetsAt = now.resetsAt();
		Long projectedCost = null;
		Long projectedTokens = null;
		if (resetsAt != null) {
			long left = Math.max(0, Duration.between(at, resetsAt).toNanos());
			projectedCost = plus(now.spentCostNanos(), scale(costDelta, left, elapsed));
			projectedTokens = plus(now.spentTokens(), scale(tokenDelta, left, elapsed));
		}
		Instant exhaustsAt = earlier(
				exhaustion(at, budget.maxCost() != null ? budget.maxCostNanos() : null, now.spentCostNanos(), costDelta,
						elapsed),
				exhaustion(at, budget.maxTokens(), now.spentTokens(), tokenDelta, elapsed));
		if (exhaustsAt != null && resetsAt != null && !exhaustsAt.isBefore(resetsAt)) {
			exhaustsAt = null; // the period ends first, and the budget with it
		}
		return new BudgetForecast(now.budget(), now.key(), at, since, now.spentCostNanos(), now.spentTokens(),
				scale(costDelta, NANOS_PER_HOUR.longValueExact(), elapsed),
				scale(tokenDelta, NANOS_PER_HOUR.longValueExact(), elapsed), projectedCost, projectedTokens, exhaustsAt,
				resetsAt);
	}

	/** When {@code spent} growing by {@code delta} per {@code elapsed} reaches {@code limit}. */
	private static Instant exhaustion(Instant at, Long limit, long spent, long delta, long elapsed) {
		if (limit == null) {
			return null;
		}
		long remaining = limit - spent;
		if (remaining <= 0) {
			return at;
		}
		if (delta == 0) {
			return null;
		}
		BigInteger nanos = BigInteger.valueOf(remaining)
			.multiply(BigInteger.valueOf(elapsed))
			.add(BigInteger.valueOf(delta - 1))
			.divide(BigInteger.valueOf(delta));
		if (nanos.compareTo(BigInteger.valueOf(HORIZON.toNanos())) > 0) {
			return null;
		}
		return at.plusNanos(nanos.longValueExact());
	}

	private static Instant earlier(Instant a, Instant b) {
		if (a == null) {
			return b;
		}
		return (b == null || a.isBefore(b)) ? a : b;
	}

	private static long plus(long a, long b) {
		long sum = a + b;
		return (sum < a) ? Long.MAX_VALUE : sum;
	}

	/** {@code amount * numerator / denominator}, rounded down, exact, saturated at Long.MAX_VALUE. */
	private static long scale(long amount, long numerator, long denominator) {
		BigInteger value = BigInteger.valueOf(amount)
			.multiply(BigInteger.valueOf(numerator))
			.divide(BigInteger.valueOf(denominator));
		return (value.bitLength() < 64) ? value.longValue() : Long.MAX_VALUE;
	}

}
