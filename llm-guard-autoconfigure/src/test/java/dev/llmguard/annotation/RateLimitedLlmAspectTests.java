package dev.llmguard.annotation;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.model.ChatResponse;

import dev.llmguard.annotation.GuardFixtures.RecordingLedger;
import dev.llmguard.core.BudgetExceededException;
import dev.llmguard.core.FallbackExhaustedException;
import dev.llmguard.core.LlmGuardContext;
import dev.llmguard.core.LlmGuardEngine;
import dev.llmguard.core.LlmGuardException;
import dev.llmguard.core.retry.ProviderResponseException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

class RateLimitedLlmAspectTests {

	private final RecordingLedger ledger = new RecordingLedger();

	private final LlmGuardEngine engine = GuardFixtures.engine(this.ledger);

	private final RateLimitedLlmAspect aspect = new RateLimitedLlmAspect(this.engine, 7);

	@AfterEach
	void closeEngine() {
		this.engine.close();
	}

	private <T> T guarded(T target) {
		return GuardFixtures.proxy(target, this.aspect);
	}

	// ---------------------------------------------------------------- synchronous calls

	@Test
	void syncMethodRunsWithTheChosenModelInItsContext() {
		AnswerService service = guarded(new AnswerService());
		assertThat(service.answer("What is a token?")).isEqualTo("answered by gpt-4o");
		assertThat(LlmGuardContext.isActive()).isFalse();
	}

	@Test
	void recordedUsageSettlesTheCall() {
		AnswerService service = guarded(new AnswerService());
		service.answerReportingUsage("Hello");
		assertThat(this.ledger.committedTokens()).containsExactly(150L);
		assertThat(this.ledger.open()).isZero();
		assertThat(GuardFixtures.inUse(this.engine)).isZero();
	}

	@Test
	void usageOfAReturnedChatResponseSettlesTheCall() {
		AnswerService service = guarded(new AnswerService());
		ChatResponse response = service.chat("Hello");
		assertThat(response.getResult().getOutput().getText()).isEqualTo("hi");
		assertThat(this.ledger.committedTokens()).containsExactly(42L + 8L);
	}

	@Test
	void tenantIsEvaluatedOverAParameterProperty() {
		AnswerService service = guarded(new AnswerService());
		assertThat(service.forCustomer(new ChatRequest("acme", "Hi"))).isEqualTo("tenant acme");
		assertThat(this.ledger.tenantKeys()).containsExactly("acme");
	}

	@Test
	void tenantExpressionEvaluatingToNullMeansNoTenant() {
		AnswerService service = guarded(new AnswerService());
		assertThat(service.forCustomer(new ChatRequest(null, "Hi"))).isEqualTo("tenant null");
		assertThat(this.ledger.tenantKeys()).isEmpty();
	}

	@Test
	void misspeltParameterInExpressionFailsNamingMethodAndExpression() {
		BadAnnotations service = guarded(new BadAnnotations());
		assertThatIllegalArgumentException().isThrownBy(() -> service.misspelt(new ChatRequest("acme", "Hi")))
			.withMessageContaining("tenant = \"#requst.customerId\"")
			.withMessageContaining("BadAnnotations.misspelt(ChatRequest)")
			.withMessageContaining("#requst is not a parameter")
			.withMessageContaining("[request]");
		assertThat(this.ledger.reservations()).isZero();
	}

	@Test
	void unparsableExpressionFailsNamingMethodAndExpression() {
		BadAnnotations service = guarded(new BadAnnotations());
		assertThatIllegalArgumentException().isThrownBy(() -> service.unparsable("Hi"))
			.withMessageContaining("session = \"#prompt +\"")
			.withMessageContaining("BadAnnotations.unparsable(String)")
			.withMessageContaining("not a valid SpEL expression");
	}

	@Test
	void expressionThatCannotBeEvaluatedFailsNamingMethodAndExpression() {
		BadAnnotations service = guarded(new BadAnnotations());
		assertThatIllegalArgumentException().isThrownBy(() -> service.unknownProperty(new ChatRequest("acme", "Hi")))
			.withMessageContaining("tenant = \"#request.account\"")
			.withMessageContaining("BadAnnotations.unknownProperty(ChatRequest)")
			.withMessageContaining("cannot be evaluated");
	}

	@Test
	void priorityOutsideOneToTenIsRejected() {
		BadAnnotations service = guarded(new BadAnnotations());
		assertThatIllegalArgumentException().isThrownBy(() -> service.tooUrgent("Hi"))
			.withMessageContaining("priority = 0")
			.withMessageContaining("BadAnnotations.tooUrgent(String)")
			.withMessageContaining("between 1 (most urgent) and 10");
	}

	@Test
	void annotationOnTheTypeGuardsItsMethodsAndTheMethodAnnotationWins() {
		TypeLevelService service = guarded(new TypeLevelService());
		assertThat(service.first()).isEqualTo("openai/gpt-4o");
		assertThat(service.cheap()).isEqualTo("openai/gpt-4o-mini");
		assertThat(service.toString()).isEqualTo("unguarded");
		assertThat(this.ledger.reservations()).isEqualTo(2);
	}

	@Test
	void guardedMethodCallingAnotherGuardedMethodIsAdmittedOnce() {
		NestedService inner = guarded(new NestedService(null));
		NestedService outer = guarded(new NestedService(inner));
		assertThat(outer.outer("Hi")).isEqualTo("inner saw openai/gpt-4o");
		assertThat(this.ledger.reservations()).isEqualTo(1);
		assertThat(this.ledger.open()).isZero();
	}

	// ---------------------------------------------------------------- fallbacks

	@Test
	void chainFallbackResponseAnswersAStringMethodWhenEveryModelFailed() {
		FailingService service = guarded(new FailingService());
		assertThat(service.cannedString("Hi")).isEqualTo(GuardFixtures.CANNED_ANSWER);
		assertThat(this.ledger.open()).isZero();
	}

	@Test
	void chainFallbackResponseBecomesAChatResponse() {
		FailingService service = guarded(new FailingService());
		ChatResponse response = service.cannedChat("Hi");
		assertThat(response.getResult().getOutput().getText()).isEqualTo(GuardFixtures.CANNED_ANSWER);
	}

	@Test
	void chainFallbackResponseIsNotForcedOnOtherTypes() {
		FailingService service = guarded(new FailingService());
		assertThatExceptionOfType(FallbackExhaustedException.class).isThrownBy(() -> service.cannedNumber("Hi"));
	}

	@Test
	void fallbackMethodWithoutExceptionAnswersWhenEveryModelFailed() {
		FallbackService service = guarded(new FallbackService());
		assertThat(service.plain("Hi")).isEqualTo("plain fallback for Hi");
		assertThat(this.ledger.open()).isZero();
		assertThat(GuardFixtures.inUse(this.engine)).isZero();
	}

	@Test
	void fallbackMethodAnswersWhenABudgetRejects() {
		this.ledger.refuse();
		FallbackService service = guarded(new FallbackService());
		assertThat(service.plain("Hi")).isEqualTo("plain fallback for Hi");
	}

	@Test
	void fallbackMethodWithoutExceptionDoesNotHideTheMethodsOwnFailure() {
		FallbackService service = guarded(new FallbackService());
		assertThatIllegalStateException().isThrownBy(() -> service.plainButBroken("Hi")).withMessage("broken");
	}

	@Test
	void mostSpecificExceptionVariantOfTheFallbackMethodWins() {
		FallbackService service = guarded(new FallbackService());
		assertThat(service.typed("Hi", false)).isEqualTo("any: IllegalStateException");
		assertThat(service.typed("Hi", true)).isEqualTo("exhausted: FallbackExhaustedException");
	}

	@Test
	void missingFallbackMethodFailsAtFirstCallAndInValidation() throws Exception {
		BadAnnotations service = guarded(new BadAnnotations());
		assertThatIllegalStateException().isThrownBy(() -> service.missingFallback("Hi"))
			.withMessageContaining("fallbackMethod = \"nowhere\"")
			.withMessageContaining("no method named 'nowhere'");
		assertThatIllegalStateException()
			.isThrownBy(() -> FallbackMethodResolver.validate(BadAnnotations.class,
					BadAnnotations.class.getMethod("missingFallback", String.class), "nowhere"))
			.withMessageContaining("BadAnnotations.missingFallback(String)");
	}

	@Test
	void fallbackMethodWithWrongSignatureIsRejectedNamingWhatWasFound() throws Exception {
		assertThatIllegalStateException()
			.isThrownBy(() -> FallbackMethodResolver.validate(BadAnnotations.class,
					BadAnnotations.class.getMethod("wrongFallback", String.class), "wrongParameters"))
			.withMessageContaining("needs a method wrongParameters(String) or wrongParameters(String, <exception>)")
			.withMessageContaining("found String wrongParameters(int)");
		BadAnnotations service = guarded(new BadAnnotations());
		assertThatIllegalStateException().isThrownBy(() -> service.wrongFallback("Hi"))
			.withMessageContaining("wrongParameters");
	}

	@Test
	void validationAcceptsAUsableFallbackMethod() throws Exception {
		FallbackMethodResolver.validate(FallbackService.class, FallbackService.class.getMethod("plain", String.class),
				"plainFallback");
	}

	// ---------------------------------------------------------------- CompletionStage

	@Test
	void completionStageMethodIsGuardedAndSettledWhenItCompletes() throws InterruptedException {
		AsyncService target = new AsyncService();
		AsyncService service = guarded(target);
		CompletableFuture<String> pending = new CompletableFuture<>();
		target.pending = pending;
		CompletionStage<String> answer = service.answer("Hi");
		assertThat(target.called.await(10, TimeUnit.SECONDS)).isTrue();
		assertThat(target.modelSeen.get()).isEqualTo("gpt-4o");
		assertThat(this.ledger.open()).isOne();
		pending.complete("done");
		assertThat(answer.toCompletableFuture().join()).isEqualTo("done");
		assertThat(this.ledger.open()).isZero();
		assertThat(this.ledger.committedTokens()).hasSize(1);
	}

	@Test
	void completionStageFallbackMethodMayAnswerAPlainValue() {
		AsyncService service = guarded(new AsyncService());
		assertThat(service.failing("Hi").toCompletableFuture().join()).isEqualTo("async fallback");
		assertThat(this.ledger.open()).isZero();
	}

	// ---------------------------------------------------------------- ordering

	@Test
	void orderIsTheConfiguredOne() {
		assertThat(this.aspect.getOrder()).isEqualTo(7);
		assertThat(new RateLimitedLlmAspect(this.engine, RateLimitedLlmAspect.DEFAULT_ORDER).getOrder())
			.isEqualTo(RateLimitedLlmAspect.DEFAULT_ORDER);
	}

	// ---------------------------------------------------------------- services

	public record ChatRequest(String customerId, String prompt) {
	}

	public static class AnswerService {

		@RateLimitedLlm(chain = "default")
		public String answer(String prompt) {
			return "answered by " + LlmGuardContext.current().model();
		}

		@RateLimitedLlm(chain = "default")
		public String answerReportingUsage(String prompt) {
			LlmGuardContext.current().recordUsage(120, 30);
			return "ok";
		}

		@RateLimitedLlm(model = "openai/gpt-4o")
		public ChatResponse chat(String prompt) {
			return ChatResponses.withUsage("hi", 42, 8);
		}

		@RateLimitedLlm(chain = "default", tenant = "#request.customerId")
		public String forCustomer(ChatRequest request) {
			return "tenant " + LlmGuardContext.current().tenant();
		}

	}

	public static class BadAnnotations {

		@RateLimitedLlm(tenant = "#requst.customerId")
		public String misspelt(ChatRequest request) {
			return "never";
		}

		@RateLimitedLlm(session = "#prompt +")
		public String unparsable(String prompt) {
			return "never";
		}

		@RateLimitedLlm(tenant = "#request.account")
		public String unknownProperty(ChatRequest request) {
			return "never";
		}

		@RateLimitedLlm(priority = 0)
		public String tooUrgent(String prompt) {
			return "never";
		}

		@RateLimitedLlm(fallbackMethod = "nowhere")
		public String missingFallback(String prompt) {
			return "never";
		}

		@RateLimitedLlm(fallbackMethod = "wrongParameters")
		public String wrongFallback(String prompt) {
			return "never";
		}

		public String wrongParameters(int prompt) {
			return "never";
		}

	}

	@RateLimitedLlm(chain = "default")
	public static class TypeLevelService {

		public String first() {
			return LlmGuardContext.current().modelRef().toString();
		}

		@RateLimitedLlm(model = "openai/gpt-4o-mini")
		public String cheap() {
			return LlmGuardContext.current().modelRef().toString();
		}

		@Override
		public String toString() {
			return LlmGuardContext.isActive() ? "guarded" : "unguarded";
		}

	}

	public static class NestedService {

		private final NestedService inner;

		public NestedService() {
			this(null);
		}

		NestedService(NestedService inner) {
			this.inner = inner;
		}

		@RateLimitedLlm(chain = "default")
		public String outer(String prompt) {
			return this.inner.inner(prompt);
		}

		@RateLimitedLlm(chain = "default", priority = 9)
		public String inner(String prompt) {
			return "inner saw " + LlmGuardContext.current().modelRef();
		}

	}

	public static class FailingService {

		@RateLimitedLlm(chain = "canned")
		public String cannedString(String prompt) {
			throw new ProviderResponseException(503, "overloaded", null, "overloaded");
		}

		@RateLimitedLlm(chain = "canned")
		public ChatResponse cannedChat(String prompt) {
			throw new ProviderResponseException(503, "overloaded", null, "overloaded");
		}

		@RateLimitedLlm(chain = "canned")
		public Integer cannedNumber(String prompt) {
			throw new ProviderResponseException(503, "overloaded", null, "overloaded");
		}

	}

	public static class FallbackService {

		@RateLimitedLlm(chain = "default", fallbackMethod = "plainFallback")
		public String plain(String prompt) {
			throw new ProviderResponseException(503, "overloaded", null, "overloaded");
		}

		@RateLimitedLlm(chain = "default", fallbackMethod = "plainFallback")
		public String plainButBroken(String prompt) {
			throw new IllegalStateException("broken");
		}

		String plainFallback(String prompt) {
			return "plain fallback for " + prompt;
		}

		@RateLimitedLlm(chain = "default", fallbackMethod = "typedFallback")
		public String typed(String prompt, boolean overloaded) {
			if (overloaded) {
				throw new ProviderResponseException(503, "overloaded", null, "overloaded");
			}
			throw new IllegalStateException("broken");
		}

		String typedFallback(String prompt, boolean overloaded, Throwable error) {
			return "any: " + error.getClass().getSimpleName();
		}

		String typedFallback(String prompt, boolean overloaded, LlmGuardException error) {
			return "guard: " + error.getClass().getSimpleName();
		}

		String typedFallback(String prompt, boolean overloaded, FallbackExhaustedException error) {
			return "exhausted: " + error.getClass().getSimpleName();
		}

		String typedFallback(String prompt, boolean overloaded, BudgetExceededException error) {
			return "budget: " + error.getClass().getSimpleName();
		}

	}

	public static class AsyncService {

		volatile CompletableFuture<String> pending;

		final AtomicReference<String> modelSeen = new AtomicReference<>();

		final CountDownLatch called = new CountDownLatch(1);

		@RateLimitedLlm(chain = "default")
		public CompletionStage<String> answer(String prompt) {
			this.modelSeen.set(LlmGuardContext.current().model());
			this.called.countDown();
			return this.pending;
		}

		@RateLimitedLlm(chain = "default", fallbackMethod = "failingFallback")
		public CompletableFuture<String> failing(String prompt) {
			return CompletableFuture.failedFuture(new ProviderResponseException(503, "overloaded", null, "overloaded"));
		}

		String failingFallback(String prompt, LlmGuardException error) {
			return "async fallback";
		}

	}

	static final class ChatResponses {

		static ChatResponse withUsage(String text, int input, int output) {
			return new ChatResponse(
					List.of(new org.springframework.ai.chat.model.Generation(
							new org.springframework.ai.chat.messages.AssistantMessage(text))),
					org.springframework.ai.chat.metadata.ChatResponseMetadata.builder()
						.usage(new org.springframework.ai.chat.metadata.DefaultUsage(input, output))
						.build());
		}

	}

}
