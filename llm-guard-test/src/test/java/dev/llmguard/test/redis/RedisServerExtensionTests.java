package dev.llmguard.test.redis;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

/** Runs small test classes with the extension, each with a failing test, and looks at their servers after. */
class RedisServerExtensionTests {

	// what the classes below saw while they ran: their servers, running or not
	static final List<RedisServer> servers = new CopyOnWriteArrayList<>();

	static final List<Boolean> runningDuringTest = new CopyOnWriteArrayList<>();

	// the classes below run only from here, not when a build's test pattern happens to match them
	private static volatile boolean launching;

	@Test
	void aStaticFieldRunsOneServerForTheClassAndStopsItAfterwardsAlsoWhenATestFails() {
		TestExecutionSummary summary = run(OneServerPerClass.class);

		assertThat(summary.getTestsSucceededCount()).isEqualTo(1);
		assertThat(summary.getTestsFailedCount()).isEqualTo(1);
		assertThat(runningDuringTest).containsExactly(true, true);
		assertThat(servers).hasSize(2).containsOnly(servers.get(0));
		assertThat(servers.get(0).isRunning()).isFalse();
		assertThat(RedisClient.accepts(servers.get(0).port())).isFalse();
	}

	@Test
	void anInstanceFieldRunsAServerAroundEachTestAndStopsItAlsoWhenTheTestFails() {
		TestExecutionSummary summary = run(OneServerPerTest.class);

		assertThat(summary.getTestsSucceededCount()).isEqualTo(1);
		assertThat(summary.getTestsFailedCount()).isEqualTo(1);
		assertThat(runningDuringTest).containsExactly(true, true);
		assertThat(servers).hasSize(2).doesNotHaveDuplicates().allSatisfy((server) -> {
			assertThat(server.isRunning()).isFalse();
			assertThat(RedisClient.accepts(server.port())).isFalse();
		});
	}

	private static TestExecutionSummary run(Class<?> testClass) {
		servers.clear();
		runningDuringTest.clear();
		SummaryGeneratingListener listener = new SummaryGeneratingListener();
		launching = true;
		try {
			LauncherFactory.create()
				.execute(LauncherDiscoveryRequestBuilder.request().selectors(selectClass(testClass)).build(), listener);
		}
		finally {
			launching = false;
		}
		return listener.getSummary();
	}

	static boolean launching() {
		return launching;
	}

	private static void record(RedisServerExtension redis) {
		servers.add(redis.server());
		runningDuringTest.add(RedisClient.command(redis.port(), "PING").equals("+PONG"));
	}

	@EnabledIf("dev.llmguard.test.redis.RedisServerExtensionTests#launching")
	static class OneServerPerClass {

		@RegisterExtension
		static final RedisServerExtension redis = new RedisServerExtension();

		@Test
		void passes() {
			record(redis);
		}

		@Test
		void fails() {
			record(redis);
			fail("a failing test");
		}

	}

	@EnabledIf("dev.llmguard.test.redis.RedisServerExtensionTests#launching")
	static class OneServerPerTest {

		@RegisterExtension
		final RedisServerExtension redis = new RedisServerExtension();

		@Test
		void passes() {
			record(this.redis);
		}

		@Test
		void fails() {
			record(this.redis);
			fail("a failing test");
		}

	}

}
