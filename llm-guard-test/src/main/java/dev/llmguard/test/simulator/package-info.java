/**
 * A provider simulator: OpenAI-style chat completions and responses APIs and an Anthropic-style
 * messages API with real token counts, deterministic answers, its own rate limits, latency and
 * transient failures, for offline tests. Start with {@link dev.llmguard.test.simulator.ProviderSimulator}.
 */
package dev.llmguard.test.simulator;
