package dev.llmguard.core.token;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ImageTokensTests {

	@Test
	void openAiTilesMatchTheDocumentedExamples() {
		// OpenAI's examples: 1024 x 1024 high is 765 tokens, 2048 x 4096 high is 1105, any low is 85
		assertThat(ImageTokens.openAi(1024, 1024, "high")).isEqualTo(765);
		assertThat(ImageTokens.openAi(2048, 4096, "auto")).isEqualTo(1105);
		assertThat(ImageTokens.openAi(4096, 8192, "low")).isEqualTo(85);
		assertThat(ImageTokens.openAi("gpt-4o", 100, 100, null)).isEqualTo(85 + 170);
	}

	@Test
	void openAiUnknownSizeCostsTheMostAHighDetailImageCan() {
		assertThat(ImageTokens.openAiWorstCase("gpt-4o")).isEqualTo(85 + 8 * 170);
		assertThat(ImageTokens.openAi("gpt-4o", null, 500, "auto")).isEqualTo(1445);
		assertThat(ImageTokens.openAi("gpt-4o", null, null, "low")).isEqualTo(85);
		assertThat(ImageTokens.openAi(768, 2048, "high")).as("the size that reaches the maximum").isEqualTo(1445);
		assertThat(maxOverSizes("gpt-4o")).isEqualTo(ImageTokens.openAiWorstCase("gpt-4o"));
	}

	@Test
	void gpt4oMiniBillsItsOwnBaseAndTileTokens() {
		assertThat(ImageTokens.openAi("gpt-4o-mini", 1024, 1024, "high")).isEqualTo(2833 + 4 * 5667);
		assertThat(ImageTokens.openAi("gpt-4o-mini-2024-07-18", 10, 10, "low")).isEqualTo(2833);
		assertThat(ImageTokens.openAiWorstCase("gpt-4o-mini")).isEqualTo(2833 + 8 * 5667);
		assertThat(maxOverSizes("gpt-4o-mini")).isEqualTo(ImageTokens.openAiWorstCase("gpt-4o-mini"));
	}

	@Test
	void patchModelsCountPatchesTimesTheirMultiplier() {
		// OpenAI's example: 1800 x 2400 scales down to 1056 x 1408, 1452 patches
		assertThat(ImageTokens.openAi("gpt-4.1-mini", 1800, 2400, "low")).isEqualTo(2353); // 1452 x 1.62
		assertThat(ImageTokens.openAi("gpt-4.1-mini", 1024, 1024, null)).isEqualTo(1659); // 1024 x 1.62
		assertThat(ImageTokens.openAi("gpt-5-nano", 64, 64, null)).isEqualTo(10); // 4 x 2.46
		assertThat(ImageTokens.openAi("o4-mini", 32, 32, null)).isEqualTo(2); // 1 x 1.72
		assertThat(ImageTokens.openAiWorstCase("gpt-4.1-mini")).isEqualTo(2489); // 1536 x 1.62
		assertThat(ImageTokens.openAiWorstCase("gpt-4.1-nano")).isEqualTo(3779); // 1536 x 2.46
		assertThat(maxOverSizes("gpt-4.1-mini")).isLessThanOrEqualTo(ImageTokens.openAiWorstCase("gpt-4.1-mini"));
		assertThat(maxOverSizes("gpt-5-nano")).isLessThanOrEqualTo(ImageTokens.openAiWorstCase("gpt-5-nano"));
	}

	@Test
	void anthropicCountsPixelsOver750AfterScaling() {
		// Anthropic's table: 200 x 200 is about 54 tokens, 1000 x 1000 about 1334, 1092 x 1092 about 1590
		assertThat(ImageTokens.anthropic(200, 200)).isEqualTo(54);
		assertThat(ImageTokens.anthropic(1000, 1000)).isEqualTo(1334);
		assertThat(ImageTokens.anthropic(1092, 1092)).isEqualTo(1590);
		assertThat(ImageTokens.anthropic(784, 1568)).isEqualTo(1640);
		assertThat(ImageTokens.anthropic(8000, 500)).as("long edge scaled to 1568").isEqualTo(1568L * 98 / 750 + 1);
		assertThat(ImageTokens.anthropic(null, 100)).isEqualTo(ImageTokens.anthropicWorstCase()).isEqualTo(1640);
		int max = 0;
		for (int w = 1; w <= 6000; w += 53) {
			for (int h = 1; h <= 6000; h += 47) {
				max = (int) Math.max(max, ImageTokens.anthropic(w, h));
			}
		}
		assertThat(max).isLessThanOrEqualTo(1640).isGreaterThan(1600);
	}

	/** The most any of many sizes costs at high detail. */
	private static long maxOverSizes(String model) {
		long max = 0;
		for (int w = 1; w <= 6000; w += 29) {
			for (int h = 1; h <= 6000; h += 31) {
				max = Math.max(max, ImageTokens.openAi(model, w, h, "high"));
			}
		}
		for (int[] size : new int[][] { { 768, 2048 }, { 2048, 768 }, { 600, 1600 }, { 1537, 4000 } }) {
			max = Math.max(max, ImageTokens.openAi(model, size[0], size[1], "high"));
		}
		return max;
	}

}
