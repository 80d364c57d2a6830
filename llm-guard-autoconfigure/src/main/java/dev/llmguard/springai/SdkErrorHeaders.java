package dev.llmguard.springai;

import java.util.List;
import java.util.function.Function;

import com.anthropic.errors.AnthropicServiceException;
import com.openai.errors.OpenAIServiceException;

import org.springframework.util.ClassUtils;

import dev.llmguard.core.LlmGuardContext;

/**
 * Hands the headers of an error the OpenAI or Anthropic SDK threw (a 429, a 529, a spent quota) to the
 * call, so the guard learns the provider's limits from error answers too, as it does from successful
 * ones. Either SDK may be absent.
 */
final class SdkErrorHeaders {

	private static final boolean OPENAI_PRESENT = ClassUtils.isPresent("com.openai.errors.OpenAIServiceException",
			SdkErrorHeaders.class.getClassLoader());

	private static final boolean ANTHROPIC_PRESENT = ClassUtils
		.isPresent("com.anthropic.errors.AnthropicServiceException", SdkErrorHeaders.class.getClassLoader());

	private SdkErrorHeaders() {
	}

	/**
	 * Records the rate-limit headers of an SDK error answer in the call's context; other errors are
	 * left alone. Never throws: learning is advice.
	 * @param context the call's context
	 * @param error what the model threw
	 */
	static void record(LlmGuardContext context, Throwable error) {
		if (context == null || error == null) {
			return;
		}
		try {
			Function<String, String> headers = null;
			if (OPENAI_PRESENT) {
				headers = OpenAi.headers(error);
			}
			if (headers == null && ANTHROPIC_PRESENT) {
				headers = Anthropic.headers(error);
			}
			if (headers != null) {
				context.recordRateLimitHeaders(headers);
			}
		}
		catch (RuntimeException ex) {
			// an SDK whose error answers carry no readable headers teaches nothing
		}
	}

	private static String first(List<String> values) {
		return (values == null || values.isEmpty()) ? null : values.get(0);
	}

	/** Loaded only when the OpenAI SDK is present. */
	private static final class OpenAi {

		static Function<String, String> headers(Throwable error) {
			return (error instanceof OpenAIServiceException ex) ? (name) -> first(ex.headers().values(name)) : null;
		}

	}

	/** Loaded only when the Anthropic SDK is present. */
	private static final class Anthropic {

		static Function<String, String> headers(Throwable error) {
			return (error instanceof AnthropicServiceException ex) ? (name) -> first(ex.headers().values(name))
					: null;
		}

	}

}
