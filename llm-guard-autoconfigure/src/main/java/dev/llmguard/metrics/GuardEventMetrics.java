package dev.llmguard.metrics;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import dev.llmguard.core.event.GuardEvent;
import dev.llmguard.core.event.GuardListener;
import dev.llmguard.core.model.Money;
import dev.llmguard.core.model.Priority;
import dev.llmguard.core.model.Usage;

/**
 * Turns guard events into counters and timers: {@code llm.guard.calls}, {@code llm.guard.tokens},
 * {@code llm.guard.cost}, {@code llm.guard.wait}, {@code llm.guard.retries},
 * {@code llm.guard.fallbacks}, {@code llm.guard.decisions}, {@code llm.guard.tool.calls} and
 * {@code llm.guard.breaker.transitions}.
 * <p>
 * Every tag value comes from the configuration (provider, model, chain, tool) or from a small fixed
 * set (outcome, token type, priority class, reason); tenants and sessions never become tags, so the
 * number of meters does not grow with the number of users.
 * <p>
 * Meters are looked up once per tag combination and kept: building and registering a meter costs more
 * than the rest of a guarded call's bookkeeping, and the combinations are bounded by the configuration.
 */
public final class GuardEventMetrics implements GuardListener {

	/** Guarded calls by provider, model and outcome. */
	public static final String CALLS = "llm.guard.calls";

	/** Tokens settled, by provider, model and type ({@code input}, {@code output}, {@code cached_input}). */
	public static final String TOKENS = "llm.guard.tokens";

	/** Money settled in US dollars, by provider and model. */
	public static final String COST = "llm.guard.cost";

	/** Time calls waited for rate capacity, by provider and priority class. */
	public static final String WAIT = "llm.guard.wait";

	/** Retried attempts, by provider, model and reason. */
	public static final String RETRIES = "llm.guard.retries";

	/** Moves from one model of a chain to the next or to the fallback response. */
	public static final String FALLBACKS = "llm.guard.fallbacks";

	/**
	 * Decisions that acted on calls, or in shadow mode would have, by decision, shadowed
	 * ({@code true | false}) and provider ({@code none} for a tool's limit).
	 */
	public static final String DECISIONS = "llm.guard.decisions";

	/** Tool calls counted against tool limits, by tool and outcome. */
	public static final String TOOL_CALLS = "llm.guard.tool.calls";

	/** Attempts whose outcome was unknown, charged their reserved worst case; tags provider, model. */
	public static final String CHARGED = "llm.guard.charged";

	public static final String SHRUNK = "llm.guard.shrunk";

	/** Changes of models' circuit breakers, by provider, model and the state entered. */
	public static final String BREAKER_TRANSITIONS = "llm.guard.breaker.transitions";

	private final MeterRegistry registry;

	/** Meters by their name and tag values (in the order the builder adds the tags); bounded by the configuration. */
	private final ConcurrentMap<List<String>, Meter> meters = new ConcurrentHashMap<>();

	/** The meters of every finished call, by provider and model; bounded by the configuration. */
	private final ConcurrentMap<ModelKey, ModelMeters> models = new ConcurrentHashMap<>();

	public GuardEventMetrics(MeterRegistry registry) {
		this.registry = Objects.requireNonNull(registry, "registry");
	}

	@Override
	public void onEvent(GuardEvent event) {
		if (event instanceof GuardEvent.CallFinished finished) {
			callFinished(finished);
		}
		else if (event instanceof GuardEvent.Charged charged) {
			modelMeters(charged.provider(), charged.model()).count(charged.usage(), charged.costNanos());
			counter(List.of(CHARGED, charged.provider(), charged.model()), (key) -> Counter.builder(CHARGED)
				.description("Attempts whose outcome was unknown (timeout, lost connection, cancelled after sending), "
						+ "charged their reserved worst case as an estimate")
				.tag("provider", charged.provider())
				.tag("model", charged.model())
				.register(this.registry))
				.increment();
		}
		else if (event instanceof GuardEvent.Waited waited) {
			String priority = Priority.of(waited.priority()).tag();
			meter(List.of(WAIT, waited.provider(), priority), (key) -> Timer.builder(WAIT)
				.description("Time guarded calls waited for rate-limit capacity")
				.tag("provider", waited.provider())
				.tag("priority", priority)
				.register(this.registry), Timer.class)
				.record(waited.waited().toNanos(), TimeUnit.NANOSECONDS);
		}
		else if (event instanceof GuardEvent.Retried retried) {
			counter(List.of(RETRIES, retried.provider(), retried.model(), retried.reason()),
					(key) -> Counter.builder(RETRIES)
						.description("Attempts of guarded calls that were retried after a transient failure")
						.tag("provider", retried.provider())
						.tag("model", retried.model())
						.tag("reason", retried.reason())
						.register(this.registry))
				.increment();
		}
		else if (event instanceof GuardEvent.FellBack fellBack) {
			counter(List.of(FALLBACKS, fellBack.chain(), fellBack.from(), fellBack.to(), fellBack.reason()),
					(key) -> Counter.builder(FALLBACKS)
						.description(
								"Guarded calls that moved on to the next model of their chain or to its fallback response")
						.tag("chain", fellBack.chain())
						.tag("from", fellBack.from())
						.tag("to", fellBack.to())
						.tag("reason", fellBack.reason())
						.register(this.registry))
				.increment();
		}
		else if (event instanceof GuardEvent.Shrunk shrunk) {
			counter(List.of(SHRUNK, shrunk.provider(), shrunk.model(), shrunk.budget()),
					(key) -> Counter.builder(SHRUNK)
						.description("Guarded calls whose output allowance was lowered to what a budget still affords")
						.tag("provider", shrunk.provider())
						.tag("model", shrunk.model())
						.tag("budget", shrunk.budget())
						.register(this.registry))
				.increment();
		}
		else if (event instanceof GuardEvent.BreakerChanged breaker) {
			counter(List.of(BREAKER_TRANSITIONS, breaker.provider(), breaker.model(), breaker.state()),
					(key) -> Counter.builder(BREAKER_TRANSITIONS)
						.description("Changes of models' circuit breakers: opened (or open longer), half-open probe, closed")
						.tag("provider", breaker.provider())
						.tag("model", breaker.model())
						.tag("state", breaker.state())
						.register(this.registry))
				.increment();
		}
		else if (event instanceof GuardEvent.Decided decided) {
			String shadowed = Boolean.toString(decided.shadowed());
			String provider = (decided.provider() != null) ? decided.provider() : "none";
			counter(List.of(DECISIONS, decided.decision(), shadowed, provider), (key) -> Counter.builder(DECISIONS)
				.description("Decisions of llm-guard that acted on calls (shadowed=false) or, in shadow mode, "
						+ "would have (shadowed=true)")
				.tag("decision", decided.decision())
				.tag("shadowed", shadowed)
				.tag("provider", provider)
				.register(this.registry))
				.increment();
		}
		else if (event instanceof GuardEvent.ToolCalled tool) {
			counter(List.of(TOOL_CALLS, tool.tool(), tool.outcome()), (key) -> Counter.builder(TOOL_CALLS)
				.description("Tool calls counted against their limits")
				.tag("tool", tool.tool())
				.tag("outcome", tool.outcome())
				.register(this.registry))
				.increment();
		}
	}

	private void callFinished(GuardEvent.CallFinished call) {
		ModelMeters model = modelMeters(call.provider(), call.model());
		model.calls(call.outcome()).increment();
		if (call.usage() != null) {
			model.count(call.usage(), call.costNanos());
		}
	}

	private Counter counter(List<String> key, Function<List<String>, Meter> register) {
		return meter(key, register, Counter.class);
	}

	private <M extends Meter> M meter(List<String> key, Function<List<String>, Meter> register, Class<M> type) {
		return type.cast(lookUp(this.meters, key, register));
	}

	private ModelMeters modelMeters(String provider, String model) {
		return lookUp(this.models, new ModelKey(provider, model), (key) -> new ModelMeters(key, this.registry));
	}

	/**
	 * A meter built once: a plain read first, because {@code computeIfAbsent} locks its bin for any key
	 * not first in it, and every call of every thread looks these up.
	 */
	private static <K, V> V lookUp(ConcurrentMap<K, V> map, K key, Function<? super K, ? extends V> create) {
		V value = map.get(key);
		return (value != null) ? value : map.computeIfAbsent(key, create);
	}

	private record ModelKey(String provider, String model) {
	}

	/** The meters a finished call of one model updates, built once per provider and model. */
	private static final class ModelMeters {

		private final ModelKey key;

		private final MeterRegistry registry;

		/** Calls by outcome; the outcomes are a small fixed set. */
		private final ConcurrentMap<String, Counter> calls = new ConcurrentHashMap<>();

		private final Counter inputTokens;

		private final Counter cachedInputTokens;

		private final Counter cacheWriteTokens;

		private final Counter outputTokens;

		private final Counter cost;

		ModelMeters(ModelKey key, MeterRegistry registry) {
			this.key = key;
			this.registry = registry;
			this.inputTokens = tokens("input");
			this.cachedInputTokens = tokens("cached_input");
			this.cacheWriteTokens = tokens("cache_write");
			this.outputTokens = tokens("output");
			this.cost = Counter.builder(COST)
				.description("Money spent on guarded LLM calls, in US dollars")
				.baseUnit("usd")
				.tag("provider", key.provider())
				.tag("model", key.model())
				.register(registry);
		}

		/** Counts the tokens and the cost of one settled or charged attempt. */
		void count(Usage usage, long costNanos) {
			increment(this.inputTokens, usage.uncachedInputTokens());
			increment(this.cachedInputTokens, usage.cachedInputTokens());
			increment(this.cacheWriteTokens, usage.cacheWriteInputTokens());
			increment(this.outputTokens, usage.outputTokens());
			// a counter holds a double: the exact nano-dollars divided once give the same double as a
			// BigDecimal conversion (below 2^53 nano-dollars) at a fraction of the cost on every call
			increment(this.cost, costNanos / (double) Money.NANOS_PER_USD);
		}

		/** Adds to a counter unless the amount is zero: adding zero still writes memory every thread shares. */
		private static void increment(Counter counter, double amount) {
			if (amount != 0) {
				counter.increment(amount);
			}
		}

		Counter calls(String outcome) {
			return lookUp(this.calls, outcome, (value) -> Counter.builder(CALLS)
				.description("Guarded LLM calls")
				.tag("provider", this.key.provider())
				.tag("model", this.key.model())
				.tag("outcome", value)
				.register(this.registry));
		}

		private Counter tokens(String type) {
			return Counter.builder(TOKENS)
				.description("Tokens used by guarded LLM calls")
				.baseUnit("tokens")
				.tag("provider", this.key.provider())
				.tag("model", this.key.model())
				.tag("type", type)
				.register(this.registry);
		}

	}

}
