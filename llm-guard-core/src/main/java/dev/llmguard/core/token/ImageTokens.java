package dev.llmguard.core.token;

import java.util.Locale;

/**
 * The input tokens a provider bills for one image, by the rules the providers publish. A size that
 * is not known (an image given by URL, data that cannot be read) counts as the most the rules allow
 * for the model, so a reservation always covers the bill.
 * <p>
 * OpenAI (<a href="https://platform.openai.com/docs/guides/images-vision#calculating-costs">Images
 * and vision: calculating costs</a>), two schemes:
 * <ul>
 * <li>Tiles (GPT-4o, GPT-4.1, GPT-4.5, GPT-5, o1, o3 and models not listed below): {@code detail: low}
 * costs the base tokens; otherwise the image is scaled to fit within 2048 x 2048, then so that its
 * shortest side is at most 768 px, and each 512 px tile covering it costs the tile tokens, plus the
 * base. Base and tile tokens are 85 and 170 (the largest of the tile models, which also covers
 * o1/o3's 75/150 and GPT-5's 70/140), except GPT-4o mini: 2833 and 5667. At most 8 tiles fit
 * (768 x 2048), so a high-detail image costs at most 1445 tokens, 48169 on GPT-4o mini.</li>
 * <li>Patches (GPT-4.1 mini and nano, GPT-5 mini and nano, o4-mini): the number of 32 px patches
 * covering the image, scaled down to at most 1536 patches, times a multiplier (1.62 for the mini
 * models, 2.46 for the nano models, 1.72 for o4-mini), whatever the detail.</li>
 * </ul>
 * Anthropic (<a href="https://docs.claude.com/en/docs/build-with-claude/vision#calculate-image-costs">Vision:
 * calculate image costs</a>): tokens = width x height / 750, after scaling down to a long edge of
 * at most 1568 px and to at most the pixels of the largest size its table keeps unscaled (784 x 1568,
 * 1639 tokens; the documentation says "about 1600"), so an image costs at most 1640 tokens.
 */
public final class ImageTokens {

	/** The most an OpenAI tile model bills for a high-detail image: 85 + 8 tiles x 170. */
	static final long OPENAI_TILES_WORST_CASE = 85 + 8 * 170;

	/** The most Anthropic bills for an image: 784 x 1568 pixels / 750, rounded up. */
	static final long ANTHROPIC_WORST_CASE = 1640;

	private static final long ANTHROPIC_MAX_PIXELS = 784L * 1568;

	private static final int ANTHROPIC_MAX_EDGE = 1568;

	private static final int MAX_PATCHES = 1536;

	private ImageTokens() {
	}

	/**
	 * The tokens of an image for GPT-4o and the other OpenAI models billed by 512 px tiles at 85 + 170
	 * per tile.
	 * @param width the width in pixels, {@code null} when unknown
	 * @param height the height in pixels, {@code null} when unknown
	 * @param detail {@code low}, {@code high} or {@code auto}; {@code null} means {@code auto},
	 * counted as {@code high}, the most it can cost
	 * @return the tokens
	 */
	public static long openAi(Integer width, Integer height, String detail) {
		return openAi(null, width, height, detail);
	}

	/**
	 * The tokens of an image for an OpenAI model, by the model's scheme.
	 * @param model the model name (for example {@code gpt-4o-mini}); {@code null} or an unknown name
	 * counts as GPT-4o
	 * @param width the width in pixels, {@code null} when unknown
	 * @param height the height in pixels, {@code null} when unknown
	 * @param detail {@code low}, {@code high} or {@code auto}; {@code null} means {@code auto},
	 * counted as {@code high}, the most it can cost
	 * @return the tokens
	 */
	public static long openAi(String model, Integer width, Integer height, String detail) {
		OpenAiScheme scheme = OpenAiScheme.of(model);
		if (scheme.multiplierPercent > 0) {
			long patches = (known(width, height)) ? patches(width, height) : MAX_PATCHES;
			return ceilDiv(patches * scheme.multiplierPercent, 100);
		}
		if ("low".equalsIgnoreCase(detail)) {
			return scheme.base;
		}
		long tiles = known(width, height) ? tiles(width, height) : 8;
		return scheme.base + tiles * scheme.tile;
	}

	/**
	 * The most an image can cost on an OpenAI model.
	 * @param model the model name; {@code null} or an unknown name counts as GPT-4o
	 * @return the tokens
	 */
	public static long openAiWorstCase(String model) {
		return openAi(model, null, null, "high");
	}

	/**
	 * The tokens of an image for Anthropic's Claude models.
	 * @param width the width in pixels, {@code null} when unknown
	 * @param height the height in pixels, {@code null} when unknown
	 * @return the tokens
	 */
	public static long anthropic(Integer width, Integer height) {
		if (!known(width, height)) {
			return ANTHROPIC_WORST_CASE;
		}
		double w = width;
		double h = height;
		double longEdge = Math.max(w, h);
		if (longEdge > ANTHROPIC_MAX_EDGE) {
			w = w * ANTHROPIC_MAX_EDGE / longEdge;
			h = h * ANTHROPIC_MAX_EDGE / longEdge;
		}
		if (w * h > ANTHROPIC_MAX_PIXELS) {
			double scale = Math.sqrt(ANTHROPIC_MAX_PIXELS / (w * h));
			w *= scale;
			h *= scale;
		}
		return Math.min(ANTHROPIC_WORST_CASE, (long) Math.ceil(w * h / 750));
	}

	/**
	 * The most an image can cost on Anthropic's Claude models.
	 * @return the tokens
	 */
	public static long anthropicWorstCase() {
		return ANTHROPIC_WORST_CASE;
	}

	private static boolean known(Integer width, Integer height) {
		return width != null && height != null && width > 0 && height > 0;
	}

	/** 512 px tiles after fitting within 2048 x 2048, then the shortest side within 768 (never scaled up). */
	private static long tiles(int width, int height) {
		double w = width;
		double h = height;
		double longSide = Math.max(w, h);
		if (longSide > 2048) {
			w = w * 2048 / longSide;
			h = h * 2048 / longSide;
		}
		double shortSide = Math.min(w, h);
		if (shortSide > 768) {
			w = w * 768 / shortSide;
			h = h * 768 / shortSide;
		}
		return tilesAlong(w) * tilesAlong(h);
	}

	private static long tilesAlong(double pixels) {
		// a hair of rounding error must not add a tile that the provider's integer sizes do not have
		return Math.max(1, (long) Math.ceil(pixels / 512 - 1e-9));
	}

	/** 32 px patches, the image scaled down (as OpenAI describes) when more than 1536 would cover it. */
	private static long patches(int width, int height) {
		long raw = ceilDiv(width, 32) * ceilDiv(height, 32);
		if (raw <= MAX_PATCHES) {
			return raw;
		}
		double shrink = Math.sqrt(32.0 * 32 * MAX_PATCHES / ((double) width * height));
		double w = width * shrink / 32;
		double h = height * shrink / 32;
		shrink *= Math.min(Math.floor(w) / w, Math.floor(h) / h);
		long scaled = ceilDiv((long) (width * shrink), 32) * ceilDiv((long) (height * shrink), 32);
		return Math.min(MAX_PATCHES, Math.max(1, scaled));
	}

	private static long ceilDiv(long value, long divisor) {
		return -Math.floorDiv(-value, divisor);
	}

	/** How an OpenAI model bills images. */
	private enum OpenAiScheme {

		TILES(85, 170, 0), TILES_4O_MINI(2833, 5667, 0), PATCHES_MINI(0, 0, 162), PATCHES_NANO(0, 0, 246),
		PATCHES_O4_MINI(0, 0, 172);

		final long base;

		final long tile;

		/** Tokens per 100 patches, 0 for a tile scheme. */
		final long multiplierPercent;

		OpenAiScheme(long base, long tile, long multiplierPercent) {
			this.base = base;
			this.tile = tile;
			this.multiplierPercent = multiplierPercent;
		}

		static OpenAiScheme of(String model) {
			if (model == null) {
				return TILES;
			}
			String name = model.toLowerCase(Locale.ROOT);
			if (name.startsWith("gpt-4o-mini")) {
				return TILES_4O_MINI;
			}
			if (name.startsWith("gpt-4.1-mini") || name.startsWith("gpt-5-mini")) {
				return PATCHES_MINI;
			}
			if (name.startsWith("gpt-4.1-nano") || name.startsWith("gpt-5-nano")) {
				return PATCHES_NANO;
			}
			if (name.startsWith("o4-mini")) {
				return PATCHES_O4_MINI;
			}
			return TILES;
		}

	}

}
