package dev.llmguard.core.retry;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.net.http.HttpTimeoutException;
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
		if (error instanceof UnknownHostException) {
			return ErrorClassification.of(FailureKind.NON_RETRYABLE, null, "unknown host");
		}
		if (error instanceof ConnectException || error instanceof NoRouteToHostException
				|| error instanceof SocketTimeoutException || error instanceof HttpTimeoutException
				|| error instanceof TimeoutException || error instanceof SocketException
				|| (error instanceof InterruptedIOException && !(error instanceof SocketTimeoutException))) {
			return ErrorClassification.of(FailureKind.TRANSIENT, null, "connection: " + error.getClass().getSimpleName());
		}
		if (error instanceof IOException && isConnectionProblem(error)) {
			return ErrorClassification.of(FailureKind.TRANSIENT, null, "connection: " + error.getClass().getSimpleName());
		}
		return null;
	}

	private static boolean isConnectionProblem(Throwable error) {
		String name = error.getClass().getName();
		return name.contains("Connection") || name.contains("Socket") || name.contains("EOF")
				|| error instanceof java.io.EOFException;
	}

}
