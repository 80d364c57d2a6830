package dev.llmguard.http;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import dev.llmguard.core.model.Usage;

import static org.assertj.core.api.Assertions.assertThat;

/** Anthropic's cache reads and writes in the usage of a Messages answer, as its API documents them. */
class ProviderJsonCacheUsageTests {

	private final ProviderJson json = new ProviderJson(JsonMapper.builder().build());

	@Test
	void aMessageCountsCacheReadsAndWritesInTheInputWithTheOneHourWrites() {
		String body = """
				{"id":"msg_01","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929",
				 "content":[{"type":"text","text":"The summary."}],"stop_reason":"end_turn","stop_sequence":null,
				 "usage":{"input_tokens":50,"cache_creation_input_tokens":15000,"cache_read_input_tokens":2000,
				  "cache_creation":{"ephemeral_5m_input_tokens":5000,"ephemeral_1h_input_tokens":10000},
				  "output_tokens":200,"service_tier":"standard"}}""";

		assertThat(this.json.usage(body.getBytes(StandardCharsets.UTF_8)))
			.isEqualTo(new Usage(50 + 2_000 + 15_000, 200, 2_000, 15_000, 10_000));
	}

	@Test
	void aStreamKeepsTheCacheWritesOfItsStartWhenTheFinalDeltaReportsOnlyOutput() {
		String body = """
				event: message_start
				data: {"type":"message_start","message":{"id":"msg_01","type":"message","role":"assistant","content":[],"model":"claude-sonnet-4-5-20250929","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":21,"cache_creation_input_tokens":188086,"cache_read_input_tokens":0,"cache_creation":{"ephemeral_5m_input_tokens":0,"ephemeral_1h_input_tokens":188086},"output_tokens":1}}}

				event: message_delta
				data: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":393}}

				event: message_stop
				data: {"type":"message_stop"}
				""";

		assertThat(this.json.usage(body.getBytes(StandardCharsets.UTF_8)))
			.isEqualTo(new Usage(21 + 188_086, 393, 0, 188_086, 188_086));
	}

}
