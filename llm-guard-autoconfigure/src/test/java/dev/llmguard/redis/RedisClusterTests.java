package dev.llmguard.redis;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.llmguard.core.time.ManualGuardClock;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The shared-limit and shared-budget tests of {@link SharedLimitsTests}, across two application
 * contexts, against a local Redis Cluster of three masters. The budget keys share the hash tag of
 * the key prefix, so each budget script runs on the one master that holds them all. A breaker change
 * published by a script on one master reaches an instance subscribed on any node.
 */
class RedisClusterTests {

	private static LocalRedisCluster cluster;

	private final ManualGuardClock clock = new ManualGuardClock(RedisTestSupport.START);

	@BeforeAll
	static void startCluster() throws Exception {
		cluster = LocalRedisCluster.start();
	}

	@AfterAll
	static void stopCluster() {
		if (cluster != null) {
			cluster.close();
		}
	}

	@Test
	void twoInstancesOnAClusterNeverPassTheSharedRequestLimit() {
		SharedLimitsTests.neverPassTheSharedRequestLimit(GuardInstances.clusterRunner(cluster.nodes(), "cluster-rate",
				"fail-closed", SharedLimitsTests.sharedRateSettings(), this.clock));
		assertThat(cluster.keys("cluster-rate:bucket:*")).isNotEmpty();
	}

	@Test
	void twoInstancesOnAClusterNeverOverspendTheGlobalBudget() {
		SharedLimitsTests.neverOverspendTheGlobalBudget(GuardInstances.clusterRunner(cluster.nodes(), "shared-budget",
				"fail-closed", SharedLimitsTests.sharedBudgetSettings(), this.clock), (key) -> {
					try (LocalRedisCluster.Node node = new LocalRedisCluster.Node(cluster.portOf(key))) {
						return node.redis().zcard(key);
					}
				});
		// every budget key carries the prefix's hash tag: all of them live on one master
		List<String> budgetKeys = cluster.keys("shared-budget:{shared-budget}:*");
		assertThat(budgetKeys).isNotEmpty();
		Set<Integer> masters = new HashSet<>();
		budgetKeys.forEach((key) -> masters.add(cluster.portOf(key)));
		assertThat(masters).hasSize(1);
	}

	@Test
	void anInstanceOnAClusterHearsOfABreakerAnotherOpened() {
		RedisBreakerTests.anInstanceThatKnewTheBreakerClosedSkipsTheModelOnceItHeardAnotherOpenedIt(
				GuardInstances.clusterRunner(cluster.nodes(), "cluster-breaker", "fail-closed",
						RedisBreakerTests.breakerSettings(), this.clock));
	}

}
