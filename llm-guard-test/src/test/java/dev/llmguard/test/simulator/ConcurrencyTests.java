package dev.llmguard.test.simulator;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ConcurrencyTests {

	private static final int THREADS = 32;

	private static final int REQUESTS_PER_THREAD = 10;

	@Test
	void admitsExactlyTheLimitWhenManyThreadsHammerIt() throws Exception {
		int limit = 57;
		try (ProviderSimulator simulator = ProviderSimulator.builder()
			.clock(new ManualClock())
			.requestsPerMinute(limit)
			.build()
			.start()) {
			SimulatorHttp http = new SimulatorHttp(simulator);
			AtomicInteger ok = new AtomicInteger();
			AtomicInteger limited = new AtomicInteger();
			AtomicInteger other = new AtomicInteger();
			CountDownLatch go = new CountDownLatch(1);
			ExecutorService threads = Executors.newFixedThreadPool(THREADS);
			try {
				List<Future<?>> futures = new ArrayList<>();
				for (int t = 0; t < THREADS; t++) {
					int thread = t;
					futures.add(threads.submit(() -> {
						go.await();
						for (int i = 0; i < REQUESTS_PER_THREAD; i++) {
							int status = http.chat("gpt-4o-mini", "thread " + thread + " request " + i).statusCode();
							(status == 200 ? ok : status == 429 ? limited : other).incrementAndGet();
						}
						return null;
					}));
				}
				go.countDown();
				for (Future<?> future : futures) {
					future.get(60, TimeUnit.SECONDS);
				}
			}
			finally {
				threads.shutdownNow();
			}

			assertThat(ok).hasValue(limit);
			assertThat(limited).hasValue(THREADS * REQUESTS_PER_THREAD - limit);
			assertThat(other).hasValue(0);
			SimulatorStats stats = simulator.stats();
			assertThat(stats.requests()).isEqualTo(THREADS * REQUESTS_PER_THREAD);
			assertThat(stats.succeeded()).isEqualTo(limit);
			assertThat(stats.rateLimited()).isEqualTo(THREADS * REQUESTS_PER_THREAD - limit);
			assertThat(stats.outputTokens()).isEqualTo(40L * limit);
		}
	}

	@Test
	void admitsExactlyTheTokenBudgetWhenManyThreadsHammerIt() throws Exception {
		// every request is charged its prompt plus max_tokens 100; the budget holds exactly 20 of them
		String body = """
				{"model": "gpt-4o", "max_tokens": 100, "messages": [{"role": "user", "content": "Same size"}]}""";
		int perRequest = SimulatorHttp.promptTokens(SimulatorHttp.O200K, "user", "Same size") + 100;
		try (ProviderSimulator simulator = ProviderSimulator.builder()
			.clock(new ManualClock())
			.tokensPerMinute(20L * perRequest + perRequest - 1)
			.build()
			.start()) {
			SimulatorHttp http = new SimulatorHttp(simulator);
			ExecutorService threads = Executors.newFixedThreadPool(THREADS);
			AtomicInteger ok = new AtomicInteger();
			try {
				List<Future<?>> futures = new ArrayList<>();
				for (int t = 0; t < THREADS; t++) {
					futures.add(threads.submit(() -> {
						for (int i = 0; i < 3; i++) {
							if (http.post("/v1/chat/completions", body).statusCode() == 200) {
								ok.incrementAndGet();
							}
						}
						return null;
					}));
				}
				for (Future<?> future : futures) {
					future.get(60, TimeUnit.SECONDS);
				}
			}
			finally {
				threads.shutdownNow();
			}

			assertThat(ok).hasValue(20);
			assertThat(simulator.stats().rateLimited()).isEqualTo(THREADS * 3 - 20);
		}
	}

}
