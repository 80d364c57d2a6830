package dev.llmguard.test.simulator;

import java.net.http.HttpResponse;
import java.time.Duration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * A neighbour on the same key takes a share of the simulator's limits that the client cannot see:
 * only the remaining counts and the 429s show it. Time moves on a manual clock.
 */
class NeighbourTests {

	private final ManualClock clock = new ManualClock();

	private ProviderSimulator simulator;

	private SimulatorHttp http;

	private void start(ProviderSimulator.Builder builder) {
		this.simulator = builder.clock(this.clock).build().start();
		this.http = new SimulatorHttp(this.simulator);
	}

	@AfterEach
	void stop() {
		if (this.simulator != null) {
			this.simulator.stop();
		}
	}

	@Test
	void steadyNeighbourLeavesTheRestOfTheRefillAndIsInNoStats() {
		start(ProviderSimulator.builder().requestsPerMinute(60).neighbour(Neighbour.steady(0.4)));
		int first = drain();
		this.clock.advance(Duration.ofSeconds(50)); // 50 refilled, the neighbour took 20 of them

		int second = drain();

		assertThat(first).isEqualTo(60);
		assertThat(second).isEqualTo(30);
		assertThat(this.simulator.stats().succeeded()).isEqualTo(90);
		assertThat(this.simulator.stats().requests()).isEqualTo(92); // the neighbour's draws are no requests
	}

	@Test
	void neighbourDoesNotDrawFromAFullBucketBelowWhatItsShareLeaves() {
		start(ProviderSimulator.builder().requestsPerMinute(60).neighbour(Neighbour.steady(0.4)));
		this.clock.advance(Duration.ofMinutes(5));

		HttpResponse<String> answer = this.http.chat("gpt-4o", "Hello");

		// a full bucket stays full while refill outpaces the neighbour, as with a continuous draw
		assertThat(answer.headers().firstValue("x-ratelimit-remaining-requests")).hasValue("59");
	}

	@Test
	void varyingNeighbourTakesItsShareOfTheMoment() {
		Neighbour neighbour = Neighbour.varying(0.2, 0.6, Duration.ofMinutes(2));
		assertThat(neighbour.shareAt(Duration.ZERO)).isEqualTo(0.2);
		assertThat(neighbour.shareAt(Duration.ofMinutes(1))).isCloseTo(0.6, org.assertj.core.data.Offset.offset(1e-9));
		assertThat(neighbour.shareAt(Duration.ofMinutes(2))).isEqualTo(0.2);

		start(ProviderSimulator.builder().requestsPerMinute(60).neighbour(neighbour));
		this.clock.advance(Duration.ofSeconds(55));
		drain();
		this.clock.advance(Duration.ofSeconds(10)); // around the top of the cycle: 10 refilled, about 6 taken

		assertThat(drain()).isEqualTo(4);
	}

	@Test
	void neighbourDrawsFromTheSlidingWindowToo() {
		start(ProviderSimulator.builder()
			.requestsPerMinute(60)
			.rateLimiting(RateLimiting.SLIDING_WINDOW)
			.neighbour(Neighbour.steady(0.5)));
		this.clock.advance(Duration.ofSeconds(30)); // 15 drawn in the last minute

		assertThat(drain()).isEqualTo(45);
	}

	@Test
	void resetBringsBackTheBuildersNeighbourAndItCanBeChangedWhileRunning() {
		start(ProviderSimulator.builder().requestsPerMinute(60).neighbour(Neighbour.steady(0.4)));
		this.simulator.neighbour(null);
		drain();
		this.clock.advance(Duration.ofSeconds(10));
		assertThat(drain()).isEqualTo(10);

		this.simulator.reset();

		assertThat(this.simulator.neighbour()).isEqualTo(Neighbour.steady(0.4));
	}

	@Test
	void readsTheCommandLineForms() {
		assertThat(Neighbour.parse("0.4")).isEqualTo(Neighbour.steady(0.4));
		assertThat(Neighbour.parse("0.2-0.6/2m")).isEqualTo(Neighbour.varying(0.2, 0.6, Duration.ofMinutes(2)));
		assertThat(ProviderSimulatorMain.parse("--port=0", "--neighbour=0.4").neighbour())
			.isEqualTo(Neighbour.steady(0.4));
		assertThatIllegalArgumentException().isThrownBy(() -> Neighbour.parse("much"))
			.withMessageContaining("0.2-0.6/2m");
		assertThatIllegalArgumentException().isThrownBy(() -> Neighbour.parse("1.5"));
		assertThatIllegalArgumentException().isThrownBy(() -> Neighbour.varying(0.2, 0.6, Duration.ZERO));
	}

	/** Sends requests until one is refused; how many were admitted. */
	private int drain() {
		int admitted = 0;
		while (this.http.chat("gpt-4o", "Hello " + admitted).statusCode() == 200) {
			admitted++;
			if (admitted > 10_000) {
				throw new AssertionError("the simulator never refused");
			}
		}
		return admitted;
	}

}
