package dev.llmguard;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.library.dependencies.SlicesRuleDefinition;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/**
 * The engine stays framework-neutral: integrations depend on {@code dev.llmguard.core}, never the
 * other way round.
 */
class ArchitectureTests {

	private static final JavaClasses classes = new ClassFileImporter()
		.withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
		.importPackages("dev.llmguard");

	@Test
	void coreImportsNothingFromSpringBootSpringAiRedisOrMicrometer() {
		ArchRule rule = noClasses().that()
			.resideInAPackage("dev.llmguard.core..")
			.should()
			.dependOnClassesThat()
			.resideInAnyPackage("org.springframework.boot..", "org.springframework.ai..",
					"org.springframework.data.redis..", "io.lettuce..", "redis..", "io.micrometer..",
					"io.github.bucket4j.redis..", "org.springframework.web..", "reactor..", "com.openai..");
		rule.check(classes);
	}

	@Test
	void coreDependsOnNoIntegration() {
		ArchRule rule = noClasses().that()
			.resideInAPackage("dev.llmguard.core..")
			.should()
			.dependOnClassesThat()
			.resideInAnyPackage("dev.llmguard.annotation..", "dev.llmguard.springai..", "dev.llmguard.http..",
					"dev.llmguard.redis..", "dev.llmguard.actuate..", "dev.llmguard.metrics..",
					"dev.llmguard.autoconfigure..", "dev.llmguard.reactive..");
		rule.check(classes);
	}

	@Test
	void integrationPackagesHaveNoCycles() {
		SlicesRuleDefinition.slices().matching("dev.llmguard.(*)..").should().beFreeOfCycles().check(classes);
	}

}
