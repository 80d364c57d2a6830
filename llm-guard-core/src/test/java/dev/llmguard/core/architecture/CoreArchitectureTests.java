package dev.llmguard.core.architecture;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideOutsideOfPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The core's layering: the root package {@code dev.llmguard.core} is the pipeline and the API users
 * import; its subpackages (budget, limit, retry, config, event, pricing, token, model, time) are the
 * parts it is built from. The parts never reach back into the root and have no cycles between them,
 * and nothing in the core knows a framework.
 */
class CoreArchitectureTests {

	private static final JavaClasses core = new ClassFileImporter()
		.withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
		.importPackages("dev.llmguard.core");

	@Test
	void subpackagesHaveNoCyclesBetweenThem() {
		slices().matching("dev.llmguard.core.(*)..").should().beFreeOfCycles().check(core);
	}

	@Test
	void noSubpackageDependsOnThePipelineOrTheApi() {
		ArchRule rule = noClasses().that()
			.resideInAPackage("dev.llmguard.core.*..")
			.should()
			.dependOnClassesThat()
			.resideInAPackage("dev.llmguard.core");
		rule.check(core);
	}

	@Test
	void valueTypesAndTheClockDependOnNoOtherPart() {
		ArchRule rule = noClasses().that()
			.resideInAnyPackage("dev.llmguard.core.model..", "dev.llmguard.core.time..")
			.should()
			.dependOnClassesThat()
			.resideInAnyPackage("dev.llmguard.core.budget..", "dev.llmguard.core.limit..",
					"dev.llmguard.core.retry..", "dev.llmguard.core.config..", "dev.llmguard.core.event..",
					"dev.llmguard.core.pricing..", "dev.llmguard.core.token..");
		rule.check(core);
	}

	@Test
	void coreKnowsNoFramework() {
		ArchRule rule = noClasses().that()
			.resideInAPackage("dev.llmguard..")
			.should()
			.dependOnClassesThat()
			.resideInAnyPackage("org.springframework.boot..", "org.springframework.ai..",
					"org.springframework.context..", "org.springframework.beans..", "org.springframework.web..",
					"org.springframework.data..", "io.micrometer..", "reactor..", "io.lettuce..", "redis..",
					"io.github.bucket4j.redis..", "com.openai..", "com.anthropic..", "jakarta..");
		rule.check(core);
	}

	@Test
	void fromSpringItUsesOnlySpringRetry() {
		ArchRule rule = noClasses().that()
			.resideInAPackage("dev.llmguard..")
			.should()
			.dependOnClassesThat(resideInAPackage("org.springframework..")
				.and(resideOutsideOfPackage("org.springframework.retry.."))
				.as("Spring classes outside spring-retry"));
		rule.check(core);
	}

}
