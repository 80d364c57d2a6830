package dev.llmguard.core.token;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;

/**
 * Counts tokens with jtokkit's byte-pair encodings ({@code o200k_base} by default, the encoding of
 * GPT-4o and later; other providers' tokenizers differ by a few percent).
 */
public final class JtokkitTokenEstimator implements TokenEstimator {

	private final Encoding encoding;

	public JtokkitTokenEstimator() {
		this(EncodingType.O200K_BASE);
	}

	public JtokkitTokenEstimator(EncodingType type) {
		this.encoding = Encodings.newLazyEncodingRegistry().getEncoding(type);
	}

	@Override
	public long estimate(String text) {
		return (text == null || text.isEmpty()) ? 0 : this.encoding.countTokensOrdinary(text);
	}

	/** Whether jtokkit is on the class path. */
	public static boolean isAvailable(ClassLoader classLoader) {
		try {
			Class.forName("com.knuddels.jtokkit.Encodings", false, classLoader);
			return true;
		}
		catch (ClassNotFoundException | LinkageError ex) {
			return false;
		}
	}

}
