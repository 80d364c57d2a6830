package dev.llmguard.core.token;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ToolTokensTests {

	private final TokenEstimator tokens = new JtokkitTokenEstimator();

	@Test
	void aDefinitionCountsItsNameDescriptionAndSchemaPlusFraming() {
		String schema = "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},\"required\":[\"city\"]}";

		long definition = ToolTokens.definition(this.tokens, "get_weather", "Current weather in a city", schema);

		assertThat(definition).isEqualTo(ToolTokens.PER_TOOL + this.tokens.estimate("get_weather")
				+ this.tokens.estimate("Current weather in a city") + this.tokens.estimate(schema));
	}

	@Test
	void missingPartsCountNothing() {
		assertThat(ToolTokens.definition(this.tokens, "ping", null, null))
			.isEqualTo(ToolTokens.PER_TOOL + this.tokens.estimate("ping"));
	}

	@Test
	void theSchemaAsJsonIsNoLessThanTheFormOpenAiRenders() {
		// what OpenAI's model sees of the same function (its TypeScript-like rendering)
		String rendered = "// Current weather in a city\ntype get_weather = (_: {\ncity: string,\n}) => any;\n";
		String schema = "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},\"required\":[\"city\"]}";

		assertThat(ToolTokens.definition(this.tokens, "get_weather", "Current weather in a city", schema))
			.isGreaterThanOrEqualTo(this.tokens.estimate(rendered));
	}

}
