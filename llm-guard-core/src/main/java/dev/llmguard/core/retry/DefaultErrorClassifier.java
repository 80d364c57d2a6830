package dev.llmguard.core.retry;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.util.Locale;
import java.util.concurrent.TimeoutException;

/**
 * Classifies {@link ProviderResponseException} and connection failures of the JDK. Client-specific
 * classifiers (Spring's RestClient, the OpenAI SDK, Spring AI) are registered beside it.
 */
public final class DefaultErrorClassifier implements ErrorClassifier {

	@Override
	public ErrorClassification classify(Throwable error) {
		if (error instanceof ProviderResponseException ex) {
			return HttpStatusClassification.classify(ex.getStatus(), ex.getErrorCode() + " " + ex.getMessage(),
					ex.getRetryAfter());
		}
		return connection(error);
	}

	/**
	 * Classifies a failure of the connection to the provider, telling requests that never left
	 * (connection refused, unknown host, connect timeout: nothing to bill) from requests whose answer
	 * was lost (read timeout, connection reset, end of stream: the provider may have processed and
	 * billed them, {@link ErrorClassification#outcomeUnknown()}).
	 * @return the classification, or {@code null} when the error is no connection failure
	 */
	public static ErrorClassification connection(Throwable error) {
		if (error instanceof UnknownHostException) {
			return ErrorClassification.of(FailureKind.NON_RETRYABLE, null, "unknown host");
		}
		if (neverSent(error)) {
			return ErrorClassification.of(FailureKind.TRANSIENT, null, "connection: " + error.getClass().getSimpleName());
		}
		if (error instanceof SocketTimeoutException || error instanceof HttpTimeoutException
				|| error instanceof TimeoutException || error instanceof SocketException
				|| error instanceof InterruptedIOException
				|| (error instanceof IOException && isConnectionProblem(error))) {
			return new ErrorClassification(FailureKind.TRANSIENT, null, null,
					"connection: " + error.getClass().getSimpleName() + " (outcome unknown)", true);
		}
		return null;
	}

	/** Failures that happen before the request is written: the provider never saw it. */
	private static boolean neverSent(Throwable error) {
		if (error instanceof ConnectException || error instanceof NoRouteToHostException
				|| error instanceof HttpConnectTimeoutException) {
			return true;
		}
		// the JDK says "Connect timed out" for a connect timeout and "Read timed out" for a read timeout
		return error instanceof SocketTimeoutException && error.getMessage() != null
				&& error.getMessage().toLowerCase(Locale.ROOT).contains("connect");
	}

	private static boolean isConnectionProblem(Throwable error) {
		String name = error.getClass().getName();
		return name.contains("Connection") || name.contains("Socket") || name.contains("EOF")
				|| error instanceof java.io.EOFException;
	}

}
