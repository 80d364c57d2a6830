package dev.llmguard.core.token;

/** The rough rule of one token per four characters, rounded up; used when no tokenizer fits. */
public final class CharsTokenEstimator implements TokenEstimator {

	@Override
	public long estimate(String text) {
		return (text == null || text.isEmpty()) ? 0 : (text.length() + 3) / 4;
	}

}
