package dev.llmguard.springai;

import java.io.IOException;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.ai.anthropic.AnthropicChatModel;
import org.springframework.ai.anthropic.AnthropicChatOptions;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.Prompt;

import dev.llmguard.core.CallRequest;
import dev.llmguard.core.FallbackResponseMapper;
import dev.llmguard.core.LlmGuardEngine;
import dev.llmguard.core.config.GuardSettings;
import dev.llmguard.core.config.ModelSpec;
import dev.llmguard.core.config.ProviderSpec;
import dev.llmguard.core.event.GuardEvent;
import dev.llmguard.core.model.ModelRef;
import dev.llmguard.core.model.Money;
import dev.llmguard.core.model.Usage;
import dev.llmguard.core.pricing.PricingCatalog;
import dev.llmguard.core.time.ManualGuardClock;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Anthropic's prompt caching through Spring AI's real Anthropic model and SDK: the answers are
 * Anthropic's own wire format (usage as its Messages API documents it), served on a local port.
 * Anthropic's {@code input_tokens} leave out cache reads and writes; cache writes cost 1.25 x input
 * (five minutes) or 2 x input (one hour).
 */
class AnthropicPromptCachingTests {

	private static final ModelRef SONNET = new ModelRef("anthropic", "claude-sonnet-4-5");

	private HttpServer server;

	private volatile String answer;

	private volatile String contentType = "application/json";

	private final List<GuardEvent> events = new CopyOnWriteArrayList<>();

	@BeforeEach
	void start() throws IOException {
		this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
		this.server.createContext("/v1/messages", (exchange) -> {
			exchange.getRequestBody().readAllBytes();
			byte[] body = this.answer.getBytes(StandardCharsets.UTF_8);
			exchange.getResponseHeaders().set("Content-Type", this.contentType);
			exchange.getResponseHeaders().set("request-id", "req_011CPrompt");
			exchange.sendResponseHeaders(200, body.length);
			try (OutputStream out = exchange.getResponseBody()) {
				out.write(body);
			}
		});
		this.server.start();
	}

	@AfterEach
	void stop() {
		this.server.stop(0);
	}

	private AnthropicChatModel chatModel() {
		return AnthropicChatModel.builder()
			.options(AnthropicChatOptions.builder()
				.baseUrl("http://127.0.0.1:" + this.server.getAddress().getPort())
				.apiKey("test")
				.model("claude-sonnet-4-5")
				.maxTokens(1024)
				.maxRetries(0)
				.build())
			.build();
	}

	private static String message(String usage) {
		return """
				{"id":"msg_01XFDUDYJgAACzvnptvVoYEL","type":"message","role":"assistant",
				 "model":"claude-sonnet-4-5-20250929","content":[{"type":"text","text":"The summary."}],
				 "stop_reason":"end_turn","stop_sequence":null,"usage":%s}""".formatted(usage);
	}

	/** Cost of tokens at Anthropic's published prices for Claude Sonnet 4.5, computed apart from the guard. */
	private static long sonnetNanos(long input, long cacheRead, long cacheWrite5m, long cacheWrite1h, long output) {
		BigDecimal usd = new BigDecimal("3").multiply(BigDecimal.valueOf(input))
			.add(new BigDecimal("0.30").multiply(BigDecimal.valueOf(cacheRead)))
			.add(new BigDecimal("3.75").multiply(BigDecimal.valueOf(cacheWrite5m)))
			.add(new BigDecimal("6").multiply(BigDecimal.valueOf(cacheWrite1h)))
			.add(new BigDecimal("15").multiply(BigDecimal.valueOf(output)))
			.divide(BigDecimal.valueOf(1_000_000));
		return Money.fromUsd(usd);
	}

	@Test
	void aCacheWriteIsCountedInTheInputAndPricedAtTheCacheWritePrice() {
		this.answer = message("""
				{"input_tokens":21,"cache_creation_input_tokens":188086,"cache_read_input_tokens":0,
				 "cache_creation":{"ephemeral_5m_input_tokens":188086,"ephemeral_1h_input_tokens":0},
				 "output_tokens":393,"service_tier":"standard"}""");

		ChatResponse response = chatModel().call(new Prompt("Summarize the attached book."));
		Usage usage = new SpringAiUsageExtractor().extract(response);

		assertThat(usage).isEqualTo(new Usage(21 + 188_086, 393, 0, 188_086, 0));
		assertThat(new PricingCatalog(GuardSettings.builder().build()).costNanos(SONNET, usage))
			.isEqualTo(sonnetNanos(21, 0, 188_086, 0, 393));
	}

	@Test
	void aCacheReadIsCountedInTheInputAndPricedAtTheCachedInputPrice() {
		this.answer = message("""
				{"input_tokens":21,"cache_creation_input_tokens":0,"cache_read_input_tokens":188086,
				 "cache_creation":{"ephemeral_5m_input_tokens":0,"ephemeral_1h_input_tokens":0},
				 "output_tokens":393,"service_tier":"standard"}""");

		ChatResponse response = chatModel().call(new Prompt("Summarize the attached book."));
		Usage usage = new SpringAiUsageExtractor().extract(response);

		assertThat(usage).isEqualTo(new Usage(21 + 188_086, 393, 188_086, 0, 0));
		assertThat(new PricingCatalog(GuardSettings.builder().build()).costNanos(SONNET, usage))
			.isEqualTo(sonnetNanos(21, 188_086, 0, 0, 393));
	}

	@Test
	void oneHourCacheWritesArePricedAtTwiceTheInputPrice() {
		this.answer = message("""
				{"input_tokens":50,"cache_creation_input_tokens":15000,"cache_read_input_tokens":2000,
				 "cache_creation":{"ephemeral_5m_input_tokens":5000,"ephemeral_1h_input_tokens":10000},
				 "output_tokens":200,"service_tier":"standard"}""");

		Usage usage = new SpringAiUsageExtractor().extract(chatModel().call(new Prompt("Go on.")));

		assertThat(usage).isEqualTo(new Usage(50 + 2_000 + 15_000, 200, 2_000, 15_000, 10_000));
		assertThat(new PricingCatalog(GuardSettings.builder().build()).costNanos(SONNET, usage))
			.isEqualTo(sonnetNanos(50, 2_000, 5_000, 10_000, 200));
	}

	@Test
	void aStreamedAnswerCountsTheCacheReportedInItsFinalDelta() {
		this.contentType = "text/event-stream";
		this.answer = """
				event: message_start
				data: {"type":"message_start","message":{"id":"msg_01Stream","type":"message","role":"assistant","content":[],"model":"claude-sonnet-4-5-20250929","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":21,"cache_creation_input_tokens":188086,"cache_read_input_tokens":0,"output_tokens":1}}}

				event: content_block_start
				data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

				event: content_block_delta
				data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"The summary."}}

				event: content_block_stop
				data: {"type":"content_block_stop","index":0}

				event: message_delta
				data: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"input_tokens":21,"cache_creation_input_tokens":188086,"cache_read_input_tokens":0,"output_tokens":393}}

				event: message_stop
				data: {"type":"message_stop"}

				""";

		List<ChatResponse> chunks = chatModel().stream(new Prompt("Summarize the attached book.")).collectList().block();
		Usage usage = new SpringAiUsageExtractor().extract(chunks.get(chunks.size() - 1));

		assertThat(usage).isEqualTo(new Usage(21 + 188_086, 393, 0, 188_086, 0));
	}

	@Test
	void theGuardSpendsWhatAnthropicBillsForACachedCall() throws Throwable {
		this.answer = message("""
				{"input_tokens":21,"cache_creation_input_tokens":188086,"cache_read_input_tokens":0,
				 "cache_creation":{"ephemeral_5m_input_tokens":188086,"ephemeral_1h_input_tokens":0},
				 "output_tokens":393,"service_tier":"standard"}""");
		GuardSettings settings = GuardSettings.builder()
			.provider(new ProviderSpec("anthropic", null, null, null, null,
					Map.of("claude-sonnet-4-5", new ModelSpec(SONNET, null, 1_000_000, 1024, null))))
			.build();
		LlmGuardEngine engine = LlmGuardEngine.builder(settings)
			.clock(new ManualGuardClock())
			.usageExtractor(new SpringAiUsageExtractor())
			.listener(this.events::add)
			.build();
		AnthropicChatModel model = chatModel();

		engine.execute(CallRequest.builder().model(SONNET).estimatedInputTokens(188_107L).build(),
				(context) -> model.call(new Prompt("Summarize the attached book.")), FallbackResponseMapper.none());

		assertThat(this.events).filteredOn(GuardEvent.CallFinished.class::isInstance)
			.singleElement()
			.satisfies((event) -> assertThat(((GuardEvent.CallFinished) event).costNanos())
				.isEqualTo(sonnetNanos(21, 0, 188_086, 0, 393)));
		engine.close();
	}

}
