package dev.llmguard.sample.simulator;

import java.time.Duration;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;

import dev.llmguard.test.simulator.ProviderSimulator;
import dev.llmguard.test.simulator.SimulatorStats;

import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Demo controls of the simulated provider, so a curl session can make a model fail and watch the
 * chain fall back. Only present while the simulator runs; not part of the sample's API.
 */
@RestController
@RequestMapping("/simulator")
@ConditionalOnBooleanProperty(name = "sample.simulator.enabled", matchIfMissing = true)
class SimulatorController {

	// short, so the guard's retries of the last model of the chain take seconds, not minutes
	private static final Duration RETRY_AFTER = Duration.ofSeconds(1);

	private final ProviderSimulator simulator;

	SimulatorController(ProviderSimulator simulator) {
		this.simulator = simulator;
	}

	/**
	 * The simulated provider answers 429 to every request for this model from now on.
	 * @param retryAfter the seconds its {@code Retry-After} asks for (default 1, at least 1)
	 */
	@PostMapping("/rate-limited-models/{model}")
	ResponseEntity<Void> rateLimitModel(@PathVariable String model,
			@RequestParam(name = "retry-after", required = false) @Min(1) @Max(86_400) Integer retryAfter) {
		this.simulator.rateLimitModel(model, (retryAfter != null) ? Duration.ofSeconds(retryAfter) : RETRY_AFTER);
		return ResponseEntity.noContent().build();
	}

	/** Every model answers normally again. */
	@DeleteMapping("/rate-limited-models")
	ResponseEntity<Void> clearRateLimitedModels() {
		this.simulator.clearRateLimitedModels();
		return ResponseEntity.noContent().build();
	}

	/**
	 * The simulated provider answers a server error to every request for this model from now on: 500 by
	 * default, retried on the model before the chain moves on (503 and 529 fail over at once and cool
	 * the model down).
	 */
	@PostMapping("/failing-models/{model}")
	ResponseEntity<Void> failModel(@PathVariable String model, @RequestParam(defaultValue = "500") int status) {
		if (status < 500 || status > 599) {
			return ResponseEntity.badRequest().build();
		}
		this.simulator.failModel(model, status);
		return ResponseEntity.noContent().build();
	}

	/** Every model answers normally again. */
	@DeleteMapping("/failing-models")
	ResponseEntity<Void> clearFailingModels() {
		this.simulator.clearFailedModels();
		return ResponseEntity.noContent().build();
	}

	/** What the simulated provider has answered. */
	@GetMapping("/stats")
	SimulatorStats stats() {
		return this.simulator.stats();
	}

}
