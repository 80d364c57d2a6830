package dev.llmguard.test.simulator;

import com.knuddels.jtokkit.api.EncodingType;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class TokenizerTests {

	@Test
	void writesAnswersWhoseTokenCountIsExactInBothEncodings() {
		for (String model : new String[] { "gpt-4o", "gpt-4" }) {
			Tokenizer tokenizer = Tokenizer.forModel(model);
			for (int tokens = 1; tokens <= 300; tokens += 7) {
				for (long seed = 0; seed < 5; seed++) {
					String text = String.join("", tokenizer.answer(tokens, seed * 7919 + tokens));
					assertThat(tokenizer.count(text)).as("%s tokens with seed %s for %s", tokens, seed, model)
						.isEqualTo(tokens);
				}
			}
		}
	}

	@Test
	void choosesTheEncodingByModelName() {
		assertThat(Tokenizer.encodingFor("gpt-4o-mini")).isEqualTo(EncodingType.O200K_BASE);
		assertThat(Tokenizer.encodingFor("GPT-4.1-nano")).isEqualTo(EncodingType.O200K_BASE);
		assertThat(Tokenizer.encodingFor("o3-mini")).isEqualTo(EncodingType.O200K_BASE);
		assertThat(Tokenizer.encodingFor("gpt-5")).isEqualTo(EncodingType.O200K_BASE);
		assertThat(Tokenizer.encodingFor("gpt-4-turbo")).isEqualTo(EncodingType.CL100K_BASE);
		assertThat(Tokenizer.encodingFor("gpt-3.5-turbo")).isEqualTo(EncodingType.CL100K_BASE);
		assertThat(Tokenizer.encodingFor("claude-sonnet-4-5")).isEqualTo(EncodingType.CL100K_BASE);
		assertThat(Tokenizer.encodingFor(null)).isEqualTo(EncodingType.CL100K_BASE);
	}

	@Test
	void countsSpecialTokensAsOrdinaryText() {
		assertThat(Tokenizer.forModel("gpt-4o").count("<|endoftext|>")).isGreaterThan(1);
	}

	@Test
	void formatsResetDurationsLikeOpenAi() {
		assertThat(ProviderSimulator.formatDuration(java.time.Duration.ZERO)).isEqualTo("0s");
		assertThat(ProviderSimulator.formatDuration(java.time.Duration.ofMillis(20))).isEqualTo("20ms");
		assertThat(ProviderSimulator.formatDuration(java.time.Duration.ofMillis(1500))).isEqualTo("1.5s");
		assertThat(ProviderSimulator.formatDuration(java.time.Duration.ofSeconds(6))).isEqualTo("6s");
		assertThat(ProviderSimulator.formatDuration(java.time.Duration.ofSeconds(60))).isEqualTo("1m0s");
		assertThat(ProviderSimulator.retryAfterSeconds(java.time.Duration.ofMillis(1))).isEqualTo(1);
		assertThat(ProviderSimulator.retryAfterSeconds(java.time.Duration.ofMillis(1001))).isEqualTo(2);
	}

}
