package dev.llmguard.core.breaker;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import dev.llmguard.core.config.BreakerPolicy;
import dev.llmguard.core.model.ModelRef;
import dev.llmguard.core.time.GuardClock;

/**
 * The breakers of this JVM. A model gets an entry at its first failure; the entries are bounded
 * ({@link #MAX_MODELS}, least recently used dropped) since a request may name a model that is not
 * configured. Each entry holds at most the policy's count of failure times.
 */
public final class InMemoryBreakerStore implements BreakerStore {

	/** More models than any configuration names; past it the least recently used breakers are forgotten. */
	static final int MAX_MODELS = 10_000;

	private final GuardClock clock;

	private final Cache<ModelRef, Breaker> breakers = Caffeine.newBuilder().maximumSize(MAX_MODELS).build();

	public InMemoryBreakerStore(GuardClock clock) {
		this.clock = Objects.requireNonNull(clock, "clock");
	}

	@Override
	public BreakerPass pass(ModelRef model) {
		Breaker breaker = this.breakers.getIfPresent(model);
		return (breaker != null) ? breaker.pass(this.clock.instant()) : BreakerPass.CLOSED;
	}

	@Override
	public BreakerChange failed(ModelRef model, BreakerPolicy policy, Duration openFor) {
		return this.breakers.get(model, (key) -> new Breaker()).failed(this.clock.instant(), policy, openFor);
	}

	@Override
	public boolean probeSucceeded(ModelRef model, long token) {
		Breaker breaker = this.breakers.getIfPresent(model);
		return breaker != null && breaker.probeSucceeded(token);
	}

	@Override
	public void probeAbandoned(ModelRef model, long token) {
		Breaker breaker = this.breakers.getIfPresent(model);
		if (breaker != null) {
			breaker.probeAbandoned(token);
		}
	}

	@Override
	public BreakerState state(ModelRef model, Duration window) {
		Breaker breaker = this.breakers.getIfPresent(model);
		return (breaker != null) ? breaker.state(this.clock.instant(), window) : BreakerState.CLOSED;
	}

	/** One model's breaker; every method holds its lock. */
	private static final class Breaker {

		/** Failure times within the window while closed, oldest first. */
		private final ArrayDeque<Instant> failures = new ArrayDeque<>();

		/** End of the open time; {@code null} while closed. */
		private Instant until;

		private Duration openFor;

		/** End of the half-open probe's lease; {@code null} while no probe is out. */
		private Instant probeUntil;

		private long probe;

		synchronized BreakerPass pass(Instant now) {
			if (this.until == null) {
				return BreakerPass.CLOSED;
			}
			if (now.isBefore(this.until)) {
				return new BreakerPass(BreakerPass.Kind.OPEN, this.until, Duration.between(now, this.until), 0);
			}
			if (this.probeUntil != null && now.isBefore(this.probeUntil)) {
				return new BreakerPass(BreakerPass.Kind.PROBING, this.probeUntil, Duration.between(now, this.probeUntil),
						0);
			}
			// a probe that does not report within the open time (its caller died) frees the turn
			this.probe = newToken();
			this.probeUntil = now.plus(this.openFor);
			return new BreakerPass(BreakerPass.Kind.PROBE, this.probeUntil, Duration.ZERO, this.probe);
		}

		synchronized BreakerChange failed(Instant now, BreakerPolicy policy, Duration base) {
			if (this.until == null) {
				prune(now, policy.window());
				this.failures.addLast(now);
				while (this.failures.size() > policy.failures()) {
					this.failures.removeFirst();
				}
				if (this.failures.size() < policy.failures()) {
					return new BreakerChange(BreakerChange.Kind.COUNTED, null, null, this.failures.size());
				}
				this.failures.clear();
				this.openFor = base;
				this.until = now.plus(base);
				return new BreakerChange(BreakerChange.Kind.OPENED, this.until, this.openFor, 0);
			}
			if (now.isBefore(this.until)) {
				this.openFor = longest(this.openFor, base);
				Instant later = now.plus(this.openFor);
				if (!later.isAfter(this.until)) {
					return new BreakerChange(BreakerChange.Kind.UNCHANGED, this.until, this.openFor, 0);
				}
				this.until = later;
				return new BreakerChange(BreakerChange.Kind.EXTENDED, this.until, this.openFor, 0);
			}
			Duration doubled = this.openFor.multipliedBy(2);
			this.openFor = longest(longest(this.openFor, base),
					(doubled.compareTo(policy.maxOpen()) < 0) ? doubled : policy.maxOpen());
			this.until = now.plus(this.openFor);
			this.probe = 0;
			this.probeUntil = null;
			return new BreakerChange(BreakerChange.Kind.REOPENED, this.until, this.openFor, 0);
		}

		synchronized boolean probeSucceeded(long token) {
			if (token == 0 || this.probe != token) {
				return false;
			}
			this.until = null;
			this.openFor = null;
			this.probe = 0;
			this.probeUntil = null;
			this.failures.clear();
			return true;
		}

		synchronized void probeAbandoned(long token) {
			if (token != 0 && this.probe == token) {
				this.probe = 0;
				this.probeUntil = null;
			}
		}

		synchronized BreakerState state(Instant now, Duration window) {
			if (this.until == null) {
				prune(now, window);
				return this.failures.isEmpty() ? BreakerState.CLOSED
						: new BreakerState(BreakerState.State.CLOSED, null, null, this.failures.size());
			}
			if (now.isBefore(this.until)) {
				return new BreakerState(BreakerState.State.OPEN, this.until, this.openFor, 0);
			}
			return new BreakerState(BreakerState.State.HALF_OPEN, null, this.openFor, 0);
		}

		private void prune(Instant now, Duration window) {
			Instant from = now.minus(window);
			while (!this.failures.isEmpty() && !this.failures.peekFirst().isAfter(from)) {
				this.failures.removeFirst();
			}
		}

		private static Duration longest(Duration a, Duration b) {
			return (a.compareTo(b) >= 0) ? a : b;
		}

		private static long newToken() {
			long token;
			do {
				token = ThreadLocalRandom.current().nextLong();
			}
			while (token == 0);
			return token;
		}

	}

}
