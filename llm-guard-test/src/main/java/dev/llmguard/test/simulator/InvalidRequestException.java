package dev.llmguard.test.simulator;

/**
 * A request the simulator rejects with 400, in the words of the provider it imitates.
 */
final class InvalidRequestException extends RuntimeException {

	private static final long serialVersionUID = 1L;

	private final String param;

	private final String code;

	InvalidRequestException(String message, String param, String code) {
		super(message, null, false, false);
		this.param = param;
		this.code = code;
	}

	String param() {
		return this.param;
	}

	String code() {
		return this.code;
	}

}
