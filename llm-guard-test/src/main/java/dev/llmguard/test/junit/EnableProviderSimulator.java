package dev.llmguard.test.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import dev.llmguard.test.simulator.ProviderSimulator;
import dev.llmguard.test.simulator.RateLimiting;
import dev.llmguard.test.simulator.SimulatorSettings;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Starts a {@link ProviderSimulator} before the tests of the annotated class and stops it after
 * them; test methods, lifecycle methods and constructors receive it by declaring a
 * {@link ProviderSimulator} parameter (and, with {@link #manualClock()}, a
 * {@link dev.llmguard.test.simulator.ManualClock} parameter). Before each test the simulator is
 * {@linkplain ProviderSimulator#reset() reset}.
 *
 * <pre>{@code
 * @EnableProviderSimulator(requestsPerMinute = 3, manualClock = true)
 * class MyGuardTests {
 *     @Test
 *     void staysUnderTheLimit(ProviderSimulator simulator, ManualClock clock) { ... }
 * }
 * }</pre>
 *
 * @see ProviderSimulatorExtension
 */
@Target({ ElementType.TYPE, ElementType.ANNOTATION_TYPE })
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(ProviderSimulatorExtension.class)
public @interface EnableProviderSimulator {

	/**
	 * Requests per minute, counted as {@link #rateLimiting()} says; {@code 0} for unlimited.
	 * @return the limit
	 */
	long requestsPerMinute() default 0;

	/**
	 * Tokens per minute, counted as {@link #rateLimiting()} says; {@code 0} for unlimited.
	 * @return the limit
	 */
	long tokensPerMinute() default 0;

	/**
	 * Wait before each successful answer, in milliseconds.
	 * @return the latency
	 */
	long latencyMillis() default 0;

	/**
	 * Probability (0..1) of a transient 500, 503 or 529.
	 * @return the failure rate
	 */
	double failureRate() default 0.0;

	/**
	 * Answer length in tokens.
	 * @return the length
	 */
	int outputTokens() default SimulatorSettings.DEFAULT_OUTPUT_TOKENS;

	/**
	 * Context window in tokens.
	 * @return the window
	 */
	int contextWindow() default SimulatorSettings.DEFAULT_CONTEXT_WINDOW;

	/**
	 * How the per-minute limits are counted: buckets refilled continuously, as the providers do, or
	 * sliding 60-second windows.
	 * @return the way
	 */
	RateLimiting rateLimiting() default RateLimiting.TOKEN_BUCKET;

	/**
	 * Seed of the failure draws.
	 * @return the seed
	 */
	long seed() default SimulatorSettings.DEFAULT_SEED;

	/**
	 * Port to bind; {@code 0} for a free one.
	 * @return the port
	 */
	int port() default 0;

	/**
	 * Whether the rate windows run on a {@link dev.llmguard.test.simulator.ManualClock} (resolvable as
	 * a parameter) instead of the system clock.
	 * @return {@code true} for a manual clock
	 */
	boolean manualClock() default false;

}
