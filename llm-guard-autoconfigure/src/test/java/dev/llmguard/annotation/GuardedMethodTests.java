package dev.llmguard.annotation;

import java.lang.reflect.Method;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.messages.SystemMessage;
import org.springframework.ai.chat.messages.UserMessage;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.core.DefaultParameterNameDiscoverer;
import org.springframework.util.ReflectionUtils;

import dev.llmguard.core.CallRequest;
import dev.llmguard.core.model.ModelRef;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/** How the annotation and the arguments of one call become the engine's {@link CallRequest}. */
class GuardedMethodTests {

	private static CallRequest request(String methodName, Object... args) {
		Method method = ReflectionUtils.findMethod(Annotated.class, methodName, (Class<?>[]) null);
		return guarded(method).request(args, null);
	}

	private static GuardedMethod guarded(Method method) {
		return new GuardedMethod(method, Annotated.class, method.getAnnotation(RateLimitedLlm.class),
				new DefaultParameterNameDiscoverer(), PromptTextExtractor.defaults(GuardedMethodTests.class.getClassLoader()));
	}

	@Test
	void annotationAttributesBecomeTheRequest() {
		CallRequest request = request("everything", "acme", "s-1", "Hi");
		assertThat(request.chain()).isNull();
		assertThat(request.model()).isEqualTo(new ModelRef("openai", "gpt-4o-mini"));
		assertThat(request.tenant()).isEqualTo("acme");
		assertThat(request.session()).isEqualTo("s-1");
		assertThat(request.tool()).isEqualTo("search_products");
		assertThat(request.priority()).isEqualTo(2);
		assertThat(request.maxWait()).isEqualTo(Duration.ofMillis(500));
	}

	@Test
	void maxWaitAcceptsSimpleAndIsoDurations() {
		assertThat(request("waitSeconds", "Hi").maxWait()).isEqualTo(Duration.ofSeconds(5));
		assertThat(request("waitIso", "Hi").maxWait()).isEqualTo(Duration.ofSeconds(90));
		assertThat(request("noWait", "Hi").maxWait()).isNull();
	}

	@Test
	void unreadableMaxWaitFailsNamingTheMethod() {
		assertThatIllegalArgumentException().isThrownBy(() -> request("badWait", "Hi"))
			.withMessageContaining("maxWait = \"soon\"")
			.withMessageContaining("Annotated.badWait(String)")
			.withMessageContaining("5s, 500ms");
	}

	@Test
	void malformedModelFailsNamingTheMethod() {
		assertThatIllegalArgumentException().isThrownBy(() -> request("badModel", "Hi"))
			.withMessageContaining("model = \"gpt-4o\"")
			.withMessageContaining("provider/model");
	}

	@Test
	void promptTextIsTheStringArguments() {
		CallRequest request = request("strings", "You are terse.", 3, "What is a token?");
		assertThat(request.promptText()).isEqualTo("You are terse.\nWhat is a token?");
		assertThat(request.estimatedInputTokens()).isNull();
		assertThat(request.maxOutputTokens()).isNull();
	}

	@Test
	void promptTextAndMaxTokensComeFromASpringAiPrompt() {
		Prompt prompt = new Prompt(List.of(new SystemMessage("Be brief."), new UserMessage("Hello there")),
				ChatOptions.builder().maxTokens(256).build());
		CallRequest request = request("prompt", prompt);
		assertThat(request.promptText()).contains("Be brief.").contains("Hello there");
		assertThat(request.maxOutputTokens()).isEqualTo(256);
	}

	@Test
	void promptTextComesFromMessages() {
		CallRequest request = request("messages", List.of(new SystemMessage("Be brief."), new UserMessage("Hi")));
		assertThat(request.promptText()).contains("Be brief.").contains("Hi");
	}

	@Test
	void estimatedTokensExpressionReplacesTheTokenizer() {
		CallRequest request = request("estimated", "a long document", 1200);
		assertThat(request.estimatedInputTokens()).isEqualTo(1200L);
		assertThat(request.promptText()).isNull();
	}

	@Test
	void negativeEstimateFailsNamingTheExpression() {
		assertThatIllegalArgumentException().isThrownBy(() -> request("estimated", "text", -1))
			.withMessageContaining("estimatedTokens = \"#tokens\"")
			.withMessageContaining("cannot be negative");
	}

	@Test
	void maxTotalTimeBecomesTheCallsDeadline() {
		assertThat(request("deadline", "Hi").maxTotalTime()).isEqualTo(Duration.ofSeconds(20));
		assertThat(request("noWait", "Hi").maxTotalTime()).isNull();
	}

	@Test
	void zeroMaxWaitIsATryAcquire() {
		assertThat(request("tryNow", "Hi").maxWait()).isZero();
	}

	@Test
	void unreadableMaxTotalTimeFailsNamingTheMethod() {
		assertThatIllegalArgumentException().isThrownBy(() -> request("badDeadline", "Hi"))
			.withMessageContaining("maxTotalTime = \"later\"")
			.withMessageContaining("Annotated.badDeadline(String)")
			.withMessageContaining("5s, 500ms");
		assertThatIllegalArgumentException().isThrownBy(() -> request("negativeDeadline", "Hi"))
			.withMessageContaining("maxTotalTime = \"-5s\"")
			.withMessageContaining("a deadline cannot be negative");
	}

	@Test
	void indexedArgumentsNeedNoParameterNames() {
		assertThat(request("indexed", "acme", "s-9").tenant()).isEqualTo("acme");
		assertThat(request("indexed", "acme", "s-9").session()).isEqualTo("s-9");
	}

	static class Annotated {

		@RateLimitedLlm(model = "openai/gpt-4o-mini", tenant = "#tenant", session = "#session",
				tool = "search_products", priority = 2, maxWait = "500ms")
		String everything(String tenant, String session, String prompt) {
			return prompt;
		}

		@RateLimitedLlm(maxWait = "5s")
		String waitSeconds(String prompt) {
			return prompt;
		}

		@RateLimitedLlm(maxWait = "PT1M30S")
		String waitIso(String prompt) {
			return prompt;
		}

		@RateLimitedLlm
		String noWait(String prompt) {
			return prompt;
		}

		@RateLimitedLlm(maxWait = "soon")
		String badWait(String prompt) {
			return prompt;
		}

		@RateLimitedLlm(maxTotalTime = "20s")
		String deadline(String prompt) {
			return prompt;
		}

		@RateLimitedLlm(maxWait = "0")
		String tryNow(String prompt) {
			return prompt;
		}

		@RateLimitedLlm(maxTotalTime = "later")
		String badDeadline(String prompt) {
			return prompt;
		}

		@RateLimitedLlm(maxTotalTime = "-5s")
		String negativeDeadline(String prompt) {
			return prompt;
		}

		@RateLimitedLlm(model = "gpt-4o")
		String badModel(String prompt) {
			return prompt;
		}

		@RateLimitedLlm
		String strings(String system, int ignored, String user) {
			return user;
		}

		@RateLimitedLlm
		String prompt(Prompt prompt) {
			return "";
		}

		@RateLimitedLlm
		String messages(List<org.springframework.ai.chat.messages.Message> messages) {
			return "";
		}

		@RateLimitedLlm(estimatedTokens = "#tokens")
		String estimated(String document, int tokens) {
			return document;
		}

		@RateLimitedLlm(tenant = "#p0", session = "#a1")
		String indexed(String tenant, String session) {
			return tenant;
		}

	}

}
