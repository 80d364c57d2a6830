package dev.llmguard.test.simulator;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingType;

/**
 * Counts tokens with jtokkit and writes deterministic answers of an exact token length.
 * <p>
 * {@code o200k_base} serves the GPT-4o generation and later OpenAI models ({@code gpt-4o*},
 * {@code gpt-4.1*}, {@code gpt-4.5*}, {@code gpt-5*}, {@code o1*}, {@code o3*}, {@code o4*},
 * {@code chatgpt-4o*}, {@code gpt-oss*}); {@code cl100k_base} serves every other model name,
 * including Claude models, for which it is an approximation.
 */
final class Tokenizer {

	private static final EncodingRegistry REGISTRY = Encodings.newLazyEncodingRegistry();

	private static final String[] O200K_PREFIXES = { "gpt-4o", "gpt-4.1", "gpt-4.5", "gpt-5", "o1", "o3", "o4",
			"chatgpt-4o", "gpt-oss" };

	// common words; those that are not one token on their own and after a space are dropped
	private static final String[] WORDS = { "the", "model", "answer", "is", "a", "simple", "and", "clear", "text",
			"for", "your", "question", "about", "time", "data", "work", "river", "light", "stone", "green", "house",
			"water", "small", "large", "quick", "slow", "day", "night", "city", "road", "tree", "bird", "cloud",
			"open", "close", "read", "write", "learn", "build", "test", "rate", "limit", "token", "budget", "call",
			"value", "number", "first", "last", "next", "good", "new", "old", "long", "short", "high", "low", "part",
			"plan", "team", "user", "page", "line", "word", "point", "case", "fact", "place", "world", "life", "hand",
			"way", "thing", "year", "people", "school", "state", "system", "program", "question", "service" };

	private static final Tokenizer CL100K = new Tokenizer(EncodingType.CL100K_BASE);

	private static final Tokenizer O200K = new Tokenizer(EncodingType.O200K_BASE);

	private final Encoding encoding;

	private final String[] vocabulary;

	private Tokenizer(EncodingType type) {
		this.encoding = REGISTRY.getEncoding(type);
		List<String> words = new ArrayList<>();
		for (String word : WORDS) {
			if (this.encoding.countTokensOrdinary(word) == 1 && this.encoding.countTokensOrdinary(" " + word) == 1
					&& !words.contains(word)) {
				words.add(word);
			}
		}
		this.vocabulary = words.toArray(String[]::new);
	}

	/**
	 * The tokenizer of a model.
	 * @param model the model name as sent by the client, may be {@code null}
	 * @return the tokenizer
	 */
	static Tokenizer forModel(String model) {
		return encodingFor(model) == EncodingType.O200K_BASE ? O200K : CL100K;
	}

	/**
	 * The jtokkit encoding used for a model name.
	 * @param model the model name, may be {@code null}
	 * @return the encoding type
	 */
	static EncodingType encodingFor(String model) {
		if (model != null) {
			String name = model.toLowerCase(Locale.ROOT);
			for (String prefix : O200K_PREFIXES) {
				if (name.startsWith(prefix)) {
					return EncodingType.O200K_BASE;
				}
			}
		}
		return EncodingType.CL100K_BASE;
	}

	/**
	 * Counts the tokens of a text; special tokens such as {@code <|endoftext|>} count as ordinary text.
	 * @param text the text, may be {@code null}
	 * @return the number of tokens
	 */
	int count(String text) {
		return (text == null || text.isEmpty()) ? 0 : this.encoding.countTokensOrdinary(text);
	}

	/**
	 * A deterministic answer of exactly {@code tokens} tokens, as pieces of one token each whose
	 * concatenation also counts {@code tokens} tokens.
	 * @param tokens the length in tokens
	 * @param seed drives the choice of words
	 * @return the pieces; the first has no leading space, the others have one
	 */
	List<String> answer(int tokens, long seed) {
		Random random = new Random(seed);
		List<String> pieces = new ArrayList<>(tokens);
		StringBuilder text = new StringBuilder();
		for (int i = 0; i < tokens; i++) {
			String word = this.vocabulary[random.nextInt(this.vocabulary.length)];
			String piece = (i == 0) ? word : " " + word;
			pieces.add(piece);
			text.append(piece);
		}
		if (count(text.toString()) == tokens) {
			return pieces;
		}
		return answerCheckedWordByWord(tokens, random);
	}

	// only reached if an encoding merged two words: build again, keeping each word that adds one token
	private List<String> answerCheckedWordByWord(int tokens, Random random) {
		List<String> pieces = new ArrayList<>(tokens);
		StringBuilder text = new StringBuilder();
		int counted = 0;
		while (counted < tokens) {
			String word = this.vocabulary[random.nextInt(this.vocabulary.length)];
			String piece = pieces.isEmpty() ? word : " " + word;
			int next = count(text + piece);
			if (next == counted + 1) {
				pieces.add(piece);
				text.append(piece);
				counted = next;
			}
		}
		return pieces;
	}

}
