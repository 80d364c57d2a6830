package dev.llmguard.sample;

import dev.llmguard.core.time.ManualGuardClock;

import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;

/** The guard reads time from a clock the tests move: buckets refill and budgets reset only when told. */
@TestConfiguration(proxyBeanMethods = false)
class ManualClockConfiguration {

	@Bean
	ManualGuardClock manualGuardClock() {
		return new ManualGuardClock();
	}

}
